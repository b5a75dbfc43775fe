"""Objects `up` applies: app manifests (images rewritten), env Secrets, namespaces, routes.

Everything goes through the official client as server-side apply (field manager
`meshtui`), so re-running `up` converges instead of failing on "already exists".
Kinds are resolved to REST paths by API discovery, as kubectl does. Secret values
never leave this module unmasked: the dry-run listing shows keys only.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meshtui.adapters.kube import KubeApiError, path_for
from meshtui.config import safe_yaml
from meshtui.domain.routes import MANAGED_LABEL, MANAGED_VALUE
from meshtui.services.provision.steps import StepContext, StepFailed

if TYPE_CHECKING:
    from meshtui.adapters.kube import KubeClient
    from meshtui.config.loader import LoadedProfile
    from meshtui.config.models import App

FIELD_MANAGER = "meshtui"
MISSING_GRACE = 30.0
"""A Deployment still absent this long after its step applied it is a failure, not a slow rollout."""
APPLY = "application/apply-patch+yaml"
MANAGED = {MANAGED_LABEL: MANAGED_VALUE}


def read_manifests(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """(file name, object) for every document of a file or of a directory's *.yaml / *.yml, in name order."""
    files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")]) if path.is_dir() else [path]
    out = []
    for file in files:
        docs = [doc for _node, doc in safe_yaml.load_file_all(file)]  # ProfileError (exit 2) names file:line
        out += [(file.name, doc) for doc in docs if isinstance(doc, dict) and doc.get("kind")]
    return out


def image_map(loaded: LoadedProfile, app: App) -> dict[str, str]:
    """`name:tag` -> the reference the cluster pulls (`localhost:PORT/name:tag`, or the loaded local tag)."""
    return {f"{b.image}:{b.tag}": image_ref(loaded, b.image, b.tag) for b in app.build}


def image_ref(loaded: LoadedProfile, image: str, tag: str) -> str:
    cluster = loaded.profile.cluster
    if cluster.registry.enabled and cluster.provider == "kind":
        return f"localhost:{cluster.registry.port}/{image}:{tag}"
    return f"meshtui.local/{image}:{tag}"


def _rewrite_images(obj: dict[str, Any], images: dict[str, str]) -> None:
    spec = obj.get("spec", {}).get("template", {}).get("spec", {}) if obj.get("kind") != "Pod" else obj.get("spec", {})
    for container in [*spec.get("containers", []), *spec.get("initContainers", [])]:
        short = str(container.get("image", "")).rsplit("/", 1)[-1]
        if short in images:
            container["image"] = images[short]
            container.setdefault("imagePullPolicy", "IfNotPresent")


def app_objects(loaded: LoadedProfile, app: App) -> list[tuple[str, dict[str, Any]]]:
    """The app's env Secret plus its manifests, namespaced and with built images rewritten."""
    images = image_map(loaded, app)
    out: list[tuple[str, dict[str, Any]]] = []
    if app.env:
        out.append(("profile env", {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                                      "metadata": {"name": f"{app.name}-env", "namespace": app.namespace,
                                                   "labels": dict(MANAGED)},
                                      "stringData": dict(app.env)}))
    for source, doc in read_manifests(loaded.resolve(app.manifests)):
        doc = copy.deepcopy(doc)
        doc.setdefault("metadata", {}).setdefault("namespace", app.namespace)
        _rewrite_images(doc, images)
        out.append((source, doc))
    return out


def namespace_object(app: App) -> dict[str, Any]:
    labels = {"istio-injection": "enabled"} if app.sidecar else {}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": app.namespace, "labels": labels}}


def route_objects(host: str, namespace: str, weights: dict[str, int],
                  versions: list[str] | None = None) -> list[dict[str, Any]]:
    """A DestinationRule with one subset per version and a VirtualService splitting by weight."""
    labels = dict(MANAGED)
    subsets = list(weights) + [v for v in versions or [] if v not in weights]
    return [
        {"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
         "metadata": {"name": host, "namespace": namespace, "labels": labels},
         "spec": {"host": host, "subsets": [{"name": s, "labels": {"version": s}} for s in subsets]}},
        {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
         "metadata": {"name": host, "namespace": namespace, "labels": labels},
         "spec": {"hosts": [host], "http": [{"name": "primary", "route": [
             {"destination": {"host": host, "subset": s}, "weight": w} for s, w in weights.items()]}]}},
    ]


def describe_object(source: str, obj: dict[str, Any]) -> str:
    meta = obj.get("metadata", {})
    where = f" -n {meta['namespace']}" if meta.get("namespace") else ""
    line = f"apply {obj.get('apiVersion')} {obj.get('kind')}/{meta.get('name')}{where}"
    if obj.get("kind") == "Secret":
        line += f"  keys: {', '.join(sorted({**obj.get('data', {}), **obj.get('stringData', {})}))}"
    return f"{line}  ({source})"


class Applier:
    """Server-side apply through discovery-resolved paths."""

    def __init__(self, kube: KubeClient) -> None:
        self.kube = kube
        self._resources: dict[str, dict[str, tuple[str, bool]]] = {}

    def _resource(self, api_version: str, kind: str) -> tuple[str, bool]:
        if api_version not in self._resources:
            path = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
            try:
                listing = self.kube.get(path)
            except KubeApiError as exc:
                raise StepFailed(f"the cluster does not serve {api_version} ({exc.message})",
                                 hint="is the CRD installed? Istio kinds appear once Istio is installed") from None
            self._resources[api_version] = {r["kind"]: (r["name"], bool(r.get("namespaced")))
                                            for r in listing.get("resources", []) if "/" not in r["name"]}
        found = self._resources[api_version].get(kind)
        if found is None:
            raise StepFailed(f"the cluster has no {kind} in {api_version}")
        return found

    def apply(self, obj: dict[str, Any], dry_run: bool = False) -> dict[str, Any]:
        api_version, kind = obj["apiVersion"], obj["kind"]
        plural, namespaced = self._resource(api_version, kind)
        group, _, version = api_version.rpartition("/")
        meta = obj["metadata"]
        path = path_for(group, version, plural, meta.get("namespace") if namespaced else None, meta["name"])
        query = {"fieldManager": FIELD_MANAGER, "force": True, "dryRun": "All" if dry_run else None}
        try:
            return self.kube.request("PATCH", path, query=query, body=obj, content_type=APPLY)
        except KubeApiError as exc:
            raise StepFailed(f"apply {kind}/{meta['name']}: {exc.message}") from None

    def get(self, api_version: str, kind: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        plural, namespaced = self._resource(api_version, kind)
        group, _, version = api_version.rpartition("/")
        try:
            return self.kube.get(path_for(group, version, plural, namespace if namespaced else None, name))
        except KubeApiError as exc:
            if exc.status == 404:
                return None
            raise


def deployment_ready(obj: dict[str, Any] | None) -> tuple[bool, str]:
    """(rolled out, 'ready/wanted') the way `kubectl rollout status` judges a Deployment."""
    if not obj:
        return False, "missing"
    spec, status = obj.get("spec", {}), obj.get("status", {})
    wanted = spec.get("replicas", 1)
    ready = status.get("availableReplicas", 0) or 0
    updated = status.get("updatedReplicas", 0) or 0
    current = status.get("observedGeneration", 0) >= obj.get("metadata", {}).get("generation", 0)
    return current and ready >= wanted and updated >= wanted, f"{ready}/{wanted}"


def wait_rollouts(kube: KubeClient, targets: list[tuple[str, str]], timeout: float, say: Callable[[str], None],
                  cancel: threading.Event | None = None) -> None:
    """Wait until every (namespace, name) Deployment is rolled out, reporting progress as it changes."""
    applier = Applier(kube)
    deadline = time.monotonic() + timeout
    last: dict[tuple[str, str], str] = {}
    waiting = list(targets)
    missing_since: dict[tuple[str, str], float] = {}
    while waiting:
        for namespace, name in list(waiting):
            found = applier.get("apps/v1", "Deployment", namespace, name)
            if found is None:
                since = missing_since.setdefault((namespace, name), time.monotonic())
                if time.monotonic() - since > MISSING_GRACE:
                    raise StepFailed(f"deployment {namespace}/{name} does not exist ({MISSING_GRACE:g}s after it "
                                     "should have been applied)", hint="`meshtui up` applies it again")
            ok, progress = deployment_ready(found)
            if last.get((namespace, name)) != progress:
                say(f"{namespace}/{name}: {progress} ready")
                last[(namespace, name)] = progress
            if ok:
                waiting.remove((namespace, name))
        if not waiting:
            return
        if cancel is not None and cancel.is_set():
            from meshtui.adapters.process import ProcessCancelled

            raise ProcessCancelled("cancelled")
        if time.monotonic() > deadline:
            raise StepFailed(f"not rolled out after {timeout:g}s: "
                             + ", ".join(f"{n}/{d} ({last.get((n, d))})" for n, d in waiting),
                             hint="`meshtui` Overview shows why (image pulls, crash loops, pending pods)")
        time.sleep(0.3)


def wait_deployments(ctx: StepContext, step: str, targets: list[tuple[str, str]], timeout: float) -> None:
    """`wait_rollouts` for a step: progress goes to the step's log, the run's cancel stops it."""
    wait_rollouts(ctx.kube, targets, timeout, lambda text: ctx.say(step, text), ctx.cancel)
