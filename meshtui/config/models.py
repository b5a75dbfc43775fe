"""The profile model: one pydantic model validates every `profiles/*.yaml`.

Every field carries a docstring; they become the descriptions of the committed JSON
Schema (`profiles/profile.schema.json`), which editors use for completion. Unknown
keys are rejected (`extra="forbid"`) so a typo never silently does nothing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

ProviderName = Literal["kind", "minikube", "sim"]
IstioProfileName = Literal["default", "demo", "minimal", "empty", "preview", "remote", "ambient", "stable", "openshift"]
AddonName = Literal["prometheus", "grafana", "kiali", "jaeger", "loki"]

_VERSION = re.compile(r"^v?\d+\.\d+(\.\d+)?$")
_MEMORY = re.compile(r"^(\d{1,20})([kKmMgG]?)[bB]?$")
_UNIT = {"": 1024 ** 2, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}  # minikube: a bare number is MB
MIB, TIB = 1024 ** 2, 1024 ** 4
MAX_CPUS, MAX_MEMORY_GB = 1024, 4096


def _not_bool(value: Any) -> Any:
    """YAML reads `yes`/`true` as a boolean, which pydantic would quietly take as 1: a count is a number."""
    if isinstance(value, bool):
        raise ValueError(f"must be a number, not the YAML boolean {str(value).lower()}")
    return value


def _finite(value: Any) -> Any:
    value = _not_bool(value)
    if isinstance(value, float) and value != value:
        raise ValueError("must be a finite number, not .nan")
    if isinstance(value, int) and not -1e308 < value < 1e308:
        raise ValueError("must be a finite number (this one is too large)")
    return value


Count = Annotated[int, BeforeValidator(_not_bool)]
Amount = Annotated[float, BeforeValidator(_finite), Field(gt=0, allow_inf_nan=False)]
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)


class PortMapping(_Model):
    """A host port forwarded to a NodePort inside the cluster (kind `extraPortMappings`)."""

    host: Count = Field(ge=1, le=65535)
    """Port on the developer's machine, e.g. 8080 for the ingress gateway."""
    node: Count = Field(ge=30000, le=32767)
    """NodePort inside the cluster; kind maps `containerPort` to it, so they must be equal."""
    listen: str = "127.0.0.1"
    """Host address to bind; loopback keeps the cluster off the network."""
    protocol: Literal["TCP", "UDP"] = "TCP"
    """Transport protocol of the mapping."""


class Registry(_Model):
    """A local image registry the cluster pulls from (kind's documented recipe)."""

    enabled: bool = True
    """Run a registry container beside the cluster and wire the nodes to it."""
    port: Count = Field(default=5001, ge=1, le=65535)
    """Host port of the registry; images are pushed as `localhost:PORT/NAME:TAG`."""
    name: str = "kind-registry"
    """Name of the registry container."""
    image: str = Field(default="registry:3", min_length=1, max_length=255)
    """Image of the registry container (a mirror of `registry:3` on a machine that cannot pull)."""


class Cluster(_Model):
    """Which local cluster to create and how big it is."""

    provider: ProviderName
    """`kind`, `minikube`, or `sim` (meshtui's built-in simulated cluster)."""
    name: str = "meshtui"
    """Cluster name; the kube context becomes `kind-NAME` (kind) or `NAME` (minikube)."""
    kubernetes_version: str | None = None
    """Kubernetes version such as `1.31.0`; empty means the provider's default."""
    control_planes: Count = Field(default=1, ge=1, le=3)
    """Number of control-plane nodes."""
    workers: Count = Field(default=1, ge=0, le=10)
    """Number of worker nodes."""
    ports: list[PortMapping] = []
    """Host ports mapped into the cluster (the ingress gateway NodePort, usually)."""
    registry: Registry = Registry()
    """Local image registry settings."""
    metrics_server: bool = True
    """Install metrics-server so usage and `kubectl top` work."""
    cpus: Count = Field(default=4, ge=1, le=256)
    """CPUs for the minikube VM/container (ignored by kind, which shares the host)."""
    memory: str = "8g"
    """Memory for minikube, e.g. `8192`, `8g`, `max`."""
    driver: str = "docker"
    """minikube driver; meshtui is tested with `docker`."""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9.-]+", value):
            raise ValueError("must be lowercase letters, digits, '.' or '-' (kind's rule)")
        return value

    @field_validator("kubernetes_version")
    @classmethod
    def _version(cls, value: str | None) -> str | None:
        if value is not None and not _VERSION.match(value):
            raise ValueError("must look like 1.31 or 1.31.0")
        return value

    @field_validator("memory", mode="before")
    @classmethod
    def _memory(cls, value: Any) -> str:
        value = str(_not_bool(value)) if isinstance(value, int) else value
        if value in ("max", "no-limit"):
            return str(value)
        match = _MEMORY.match(value) if isinstance(value, str) else None
        if match is None:
            raise ValueError("must be a size such as 8192 (MB), 8g or 'max'")
        size = int(match[1]) * _UNIT[match[2].lower()]
        if not MIB <= size <= 4 * TIB:
            raise ValueError(f"must be between 1m and 4096g (minikube's memory), not {value}")
        return value

    @property
    def context(self) -> str:
        """The kube context name the provider creates."""
        if self.provider == "kind":
            return f"kind-{self.name}"
        if self.provider == "sim":
            return "meshtui-sim"
        return self.name


class Istio(_Model):
    """How Istio is installed."""

    enabled: bool = True
    """Install Istio at all (a profile may want a plain cluster)."""
    version: str | None = None
    """Istio version expected from `istioctl`, e.g. `1.24.2`."""
    profile: IstioProfileName = "demo"
    """`istioctl install --set profile=...`; `demo` enables access logs."""
    overlay: Path | None = None
    """Optional IstioOperator overlay file, relative to the profile; linted before install."""
    addons: list[AddonName] = []
    """Addons applied from the Istio release's samples/addons."""
    ingress_node_port: Count = Field(default=30080, ge=30000, le=32767)
    """NodePort pinned on the ingress gateway's HTTP port (mapped to the host on kind)."""

    @field_validator("version")
    @classmethod
    def _version(cls, value: str | None) -> str | None:
        if value is not None and not _VERSION.match(value):
            raise ValueError("must look like 1.24 or 1.24.2")
        return value


class Build(_Model):
    """An image built from a Dockerfile and loaded into the cluster."""

    context: Path
    """Build context directory, relative to the profile."""
    dockerfile: str = "Dockerfile"
    """Dockerfile path inside the context."""
    image: str
    """Image name without registry or tag, e.g. `demo`."""
    tag: str = "v1"
    """Image tag; never `latest`, which kind ignores after `kind load`."""
    build_args: dict[str, str] = {}
    """Docker build arguments."""

    @field_validator("tag")
    @classmethod
    def _tag(cls, value: str) -> str:
        if value == "latest":
            raise ValueError("'latest' makes Kubernetes pull instead of using the loaded image; use a fixed tag")
        return value


class App(_Model):
    """One application deployed into the mesh."""

    name: str
    """Application name (used for the namespace default and logs)."""
    manifests: Path
    """Directory or file of Kubernetes manifests, relative to the profile."""
    namespace: str = "default"
    """Namespace the manifests are applied to."""
    sidecar: bool = True
    """Label the namespace `istio-injection=enabled`."""
    build: list[Build] = []
    """Images to build and load before applying manifests."""
    env: dict[str, str] = {}
    """Values stored in a Secret `<name>-env` that the manifests reference."""
    secrets: list[str] = []
    """Keys of `env` that are secrets; their values are always masked in output."""

    @field_validator("namespace")
    @classmethod
    def _namespace(cls, value: str) -> str:
        if not _DNS_LABEL.match(value):
            raise ValueError("must be a DNS label (lowercase letters, digits, '-')")
        return value

    @model_validator(mode="after")
    def _secrets_exist(self) -> App:
        unknown = [key for key in self.secrets if key not in self.env]
        if unknown:
            raise ValueError(f"secrets lists keys that are not in env: {', '.join(unknown)}")
        return self


class Route(_Model):
    """Initial traffic weights for one host."""

    host: str
    """Service host, e.g. `catalog`."""
    namespace: str = "default"
    """Namespace of the VirtualService."""
    weights: dict[str, Count]
    """Subset name -> weight; weights must be >= 0 and sum to 100."""

    @field_validator("weights")
    @classmethod
    def _weights(cls, value: dict[str, int]) -> dict[str, int]:
        if not value:
            raise ValueError("needs at least one subset")
        if any(weight < 0 for weight in value.values()):
            raise ValueError("weights must not be negative")
        if sum(value.values()) != 100:
            raise ValueError(f"weights must sum to 100 (they sum to {sum(value.values())})")
        return value


class Profile(_Model):
    """A reproducible local mesh: cluster, Istio, apps and initial routes."""

    description: str = ""
    """One line shown by `meshtui profiles list`."""
    cluster: Cluster
    """The cluster to create."""
    istio: Istio = Istio()
    """The Istio installation."""
    apps: list[App] = []
    """Applications to build and deploy."""
    routes: list[Route] = []
    """Initial traffic routes."""
    env_file: Path | None = None
    """A .env file (relative to the profile) for `${VAR}` interpolation; `.env` beside the profile by default."""
    needs: dict[str, Amount] = {}
    """Resources the profile needs from Docker: `memory_gb` (at most 4096), `cpus` (at most 1024), each > 0."""

    @field_validator("needs")
    @classmethod
    def _needs(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = set(value) - {"memory_gb", "cpus"}
        if unknown:
            raise ValueError(f"unknown keys {sorted(unknown)}; allowed: memory_gb, cpus")
        for key, limit in (("cpus", MAX_CPUS), ("memory_gb", MAX_MEMORY_GB)):
            if value.get(key, 0) > limit:
                raise ValueError(f"{key} must be at most {limit} (got {value[key]:g})")
        return value

    def required_memory_gb(self) -> float:
        """Memory the profile needs; Istio's demo profile asks for about 8 GB."""
        if "memory_gb" in self.needs:
            return self.needs["memory_gb"]
        if self.cluster.provider == "sim":
            return 0.0
        return 8.0 if self.istio.enabled and self.istio.profile == "demo" else 4.0

    def required_cpus(self) -> float:
        """CPUs the profile needs; Istio's demo profile asks for 4."""
        if "cpus" in self.needs:
            return self.needs["cpus"]
        if self.cluster.provider == "sim":
            return 0.0
        return 4.0 if self.istio.enabled and self.istio.profile == "demo" else 2.0


def profile_json_schema() -> dict:
    """The JSON Schema committed as `profiles/profile.schema.json`."""
    schema = Profile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "meshtui profile"
    return schema
