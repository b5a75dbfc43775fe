"""From a profile to the ordered, dependency-linked steps of `meshtui up`.

preflight -> registry -> cluster -> metrics-server -> istio -> addons -> namespaces ->
images (build, then push or load) -> manifests -> rollouts -> routes -> ingress.
Image builds depend only on preflight, so they run while the cluster starts. Each
step describes itself for `--dry-run` and checks whether its work is already done.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from meshtui.config import paths
from meshtui.services.provision import istio_steps, steps_apps, steps_cluster
from meshtui.services.provision.providers import Provider, provider_for
from meshtui.services.provision.steps import Step

if TYPE_CHECKING:
    from meshtui.config.loader import LoadedProfile


def workdir_for(loaded: LoadedProfile) -> Path:
    return paths.state_dir() / "up" / loaded.name


def build_plan(loaded: LoadedProfile, provider: Provider | None = None) -> list[Step]:
    """Every step for this profile, in the order `--dry-run` prints them."""
    profile = loaded.profile
    provider = provider or provider_for(profile, workdir_for(loaded))
    registry = profile.cluster.registry.enabled and profile.cluster.provider == "kind"
    builds = [b for app in profile.apps for b in app.build] if profile.cluster.provider != "sim" else []
    app_objects = steps_apps.all_app_objects(loaded)  # read the manifests once for every step that needs them
    plan = [steps_cluster.preflight(loaded)]
    if registry:
        plan.append(steps_cluster.registry(loaded))
    plan.append(steps_cluster.cluster(loaded, provider, needs=("preflight", "registry") if registry else ("preflight",)))
    if profile.cluster.metrics_server:
        plan.append(steps_cluster.metrics_server(loaded, provider))
    if profile.istio.enabled:
        plan.append(istio_steps.istio(loaded, provider))
        if profile.istio.addons:
            plan.append(istio_steps.addons(loaded, provider))
    if profile.apps:
        plan.append(steps_apps.namespaces(loaded))
    if builds:
        plan.append(steps_apps.build_images(loaded))
        plan.append(steps_apps.ship_images(loaded, provider, registry))
    if profile.apps:
        needs = ["namespaces"] + (["istio"] if profile.istio.enabled else []) + (["images"] if builds else [])
        plan.append(steps_apps.manifests(app_objects, tuple(needs)))
        plan.append(steps_apps.rollouts(app_objects))
    if profile.routes:
        plan.append(steps_apps.routes(loaded, app_objects, ("manifests",) if profile.apps else ("istio",)))
    if profile.istio.enabled:
        after = [s for s in ("rollouts", "routes") if any(p.id == s for p in plan)] or ["istio"]
        plan.append(istio_steps.ingress_check(loaded, provider, tuple(after)))
    return plan


def dry_run_lines(loaded: LoadedProfile, plan: list[Step]) -> list[str]:
    """What `up --dry-run` prints: every step with its commands and manifests, in order."""
    lines = [f"meshtui up -p {loaded.name} --dry-run: {len(plan)} steps; nothing is changed"]
    for index, step in enumerate(plan, 1):
        after = f"  (after {', '.join(step.needs)})" if step.needs else ""
        lines.append(f"[{index}/{len(plan)}] {step.id}: {step.title}{after}")
        lines += ["  " + line for line in step.describe()]
    return lines


def yaml_lines(obj: object) -> list[str]:
    return ["    " + line for line in yaml.safe_dump(obj, sort_keys=False).rstrip("\n").splitlines()]
