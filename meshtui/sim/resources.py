"""The resource types the simulated API server serves, as discovery describes them.

Each `ResourceType` is one (group, version, plural); Istio's v1, v1beta1 and v1alpha3
are three types sharing one `storage` key, exactly as the real CRDs serve one object
under several versions. Discovery documents, OpenAPI and routing all read this table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
READ_VERBS = ("get", "list")
ISTIO_GROUP = "networking.istio.io"
ISTIO_VERSIONS = ("v1", "v1beta1", "v1alpha3")
METRICS_GROUP = "metrics.k8s.io"


@dataclass(frozen=True)
class ResourceType:
    """One served resource."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    subresources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    builtin: bool = True
    storage: str = ""
    singular: str = field(default="")

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def api_version(self) -> str:
        return self.group_version

    @property
    def storage_key(self) -> str:
        return self.storage or f"{self.group}/{self.plural}"

    @property
    def qualified(self) -> str:
        """`deployments.apps`, `virtualservices.networking.istio.io`, or `pods` for core."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"


def _core(plural: str, kind: str, namespaced: bool = True, short: tuple[str, ...] = (),
          sub: tuple[str, ...] = (), categories: tuple[str, ...] = ("all",)) -> ResourceType:
    return ResourceType("", "v1", plural, kind, namespaced, short, subresources=sub, categories=categories,
                        singular=kind.lower())


def _istio(version: str, plural: str, kind: str, short: tuple[str, ...]) -> ResourceType:
    return ResourceType(ISTIO_GROUP, version, plural, kind, True, short, builtin=False,
                        categories=("istio-io", "networking-istio-io"), storage=f"{ISTIO_GROUP}/{plural}",
                        singular=kind.lower())


RESOURCES: list[ResourceType] = [
    _core("namespaces", "Namespace", namespaced=False, short=("ns",), sub=("status",), categories=()),
    _core("nodes", "Node", namespaced=False, short=("no",), sub=("status",), categories=()),
    _core("pods", "Pod", short=("po",), sub=("log", "status")),
    _core("services", "Service", short=("svc",), sub=("status",)),
    _core("events", "Event", short=("ev",), categories=()),
    _core("configmaps", "ConfigMap", short=("cm",), categories=()),
    _core("secrets", "Secret", categories=()),
    _core("serviceaccounts", "ServiceAccount", short=("sa",), categories=()),
    ResourceType("apps", "v1", "deployments", "Deployment", True, ("deploy",), subresources=("scale", "status"),
                 categories=("all",), singular="deployment"),
    ResourceType("apps", "v1", "replicasets", "ReplicaSet", True, ("rs",), subresources=("scale", "status"),
                 categories=("all",), singular="replicaset"),
    *[_istio(v, "virtualservices", "VirtualService", ("vs",)) for v in ISTIO_VERSIONS],
    *[_istio(v, "destinationrules", "DestinationRule", ("dr",)) for v in ISTIO_VERSIONS],
    *[_istio(v, "gateways", "Gateway", ("gw",)) for v in ISTIO_VERSIONS],
    ResourceType(METRICS_GROUP, "v1beta1", "nodes", "NodeMetrics", False, verbs=READ_VERBS, builtin=True,
                 singular="nodemetrics"),
    ResourceType(METRICS_GROUP, "v1beta1", "pods", "PodMetrics", True, verbs=READ_VERBS, builtin=True,
                 singular="podmetrics"),
]

PREFERRED_VERSION = {"": "v1", "apps": "v1", ISTIO_GROUP: "v1", METRICS_GROUP: "v1beta1"}


def find(group: str, version: str, plural: str) -> ResourceType | None:
    """The served type at group/version/plural, or None."""
    for rt in RESOURCES:
        if rt.group == group and rt.version == version and rt.plural == plural:
            return rt
    return None


def by_kind(api_version: str, kind: str) -> ResourceType | None:
    """The type of an object from its `apiVersion` and `kind`."""
    group, _, version = api_version.rpartition("/")
    for rt in RESOURCES:
        if rt.group == group and rt.version == version and rt.kind == kind:
            return rt
    return None


def group_versions() -> dict[str, list[str]]:
    """Group -> served versions, preferred first (discovery order)."""
    out: dict[str, list[str]] = {}
    for rt in RESOURCES:
        versions = out.setdefault(rt.group, [])
        if rt.version not in versions:
            versions.append(rt.version)
    return out


def in_group_version(group: str, version: str) -> list[ResourceType]:
    return [rt for rt in RESOURCES if rt.group == group and rt.version == version]


def stored_types() -> list[ResourceType]:
    """One type per storage key (what a cascade walks); metrics are computed, never stored."""
    seen: dict[str, ResourceType] = {}
    for rt in RESOURCES:
        if rt.group != METRICS_GROUP:
            seen.setdefault(rt.storage_key, rt)
    return list(seen.values())
