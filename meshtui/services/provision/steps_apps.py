"""The application half of the plan: namespaces, images, manifests, rollouts, initial routes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import yaml

from meshtui.adapters import docker_images
from meshtui.services.provision.manifests import (
    Applier,
    app_objects,
    deployment_ready,
    describe_object,
    image_ref,
    namespace_object,
    route_objects,
    wait_deployments,
)
from meshtui.services.provision.providers import Provider
from meshtui.services.provision.steps import Step, StepContext

if TYPE_CHECKING:
    from meshtui.config.loader import LoadedProfile

ROLLOUT_TIMEOUT = 600.0


def _yaml(obj: object) -> list[str]:
    return ["    " + line for line in yaml.safe_dump(obj, sort_keys=False).rstrip("\n").splitlines()]


def namespaces(loaded: LoadedProfile) -> Step:
    objects = {app.namespace: namespace_object(app) for app in loaded.profile.apps}

    def run(ctx: StepContext) -> str:
        applier = Applier(ctx.kube)
        for obj in objects.values():
            applier.apply(obj)
        return ", ".join(objects)

    def check(ctx: StepContext) -> bool:
        applier = Applier(ctx.kube)
        for name, obj in objects.items():
            found = applier.get("v1", "Namespace", None, name)
            wanted = obj["metadata"]["labels"].items()
            if not found or not wanted <= (found["metadata"].get("labels") or {}).items():
                return False
        return True

    def describe() -> list[str]:
        return [line for obj in objects.values() for line in ["apply v1 Namespace:", *_yaml(obj)]]

    return Step("namespaces", "namespaces with sidecar injection labels", run, check, describe=describe,
                needs=("cluster",))


def _builds(loaded: LoadedProfile) -> list[tuple[object, str]]:
    return [(b, image_ref(loaded, b.image, b.tag)) for app in loaded.profile.apps for b in app.build]


def build_images(loaded: LoadedProfile) -> Step:
    builds = _builds(loaded)

    def run(ctx: StepContext) -> str:  # no check: a tag that exists may be stale, and Docker's cache is fast
        for build, tag in builds:
            context = loaded.resolve(build.context)  # type: ignore[attr-defined]
            ctx.say("build", f"docker build {context} -f {build.dockerfile} -t {tag}")  # type: ignore[attr-defined]
            docker_images.build(ctx.docker, context, build.dockerfile, tag, build.build_args,  # type: ignore[attr-defined]
                                lambda line: ctx.say("build", line))
        return ", ".join(tag for _b, tag in builds)

    def describe() -> list[str]:
        lines = []
        for build, tag in builds:
            args = "".join(f" --build-arg {k}={v}" for k, v in build.build_args.items())  # type: ignore[attr-defined]
            lines.append(f"$ docker build {loaded.resolve(build.context)} -f {build.dockerfile}{args} -t {tag}"  # type: ignore[attr-defined]
                         "   (docker SDK)")
        return lines

    return Step("build", "build images with Docker", run, describe=describe, needs=("preflight",),
                hint="the Dockerfile's FROM images must be pullable or already local")


def ship_images(loaded: LoadedProfile, provider: Provider, registry: bool) -> Step:
    builds = _builds(loaded)
    port = loaded.profile.cluster.registry.port
    needs = ("build", "cluster", "registry") if registry else ("build", "cluster")

    def run(ctx: StepContext) -> str:  # no check: the registry may hold an older image under the same tag
        for _build, tag in builds:
            if registry:
                ctx.say("images", f"docker push {tag}")
                docker_images.push(ctx.docker, tag, lambda line: ctx.say("images", line))
            else:
                provider.load_image(ctx, "images", tag)
        return ("pushed " if registry else "loaded ") + ", ".join(tag for _b, tag in builds)

    def describe() -> list[str]:
        if registry:
            return [f"$ docker push {tag}   (docker SDK)" for _b, tag in builds]
        return [line for _b, tag in builds for line in provider.describe_load(tag)]

    title = f"push images to localhost:{port}" if registry else f"load images into the {provider.name} nodes"
    return Step("images", title, run, describe=describe, needs=needs)


AppObjects = list[tuple[str, dict]]
"""(source file, object) of every app of the profile, read once per plan by `all_app_objects`."""


def all_app_objects(loaded: LoadedProfile) -> AppObjects:
    return [item for app in loaded.profile.apps for item in app_objects(loaded, app)]


def _all_exist(ctx: StepContext, objects: list[dict]) -> bool:
    """Every object is on the cluster (a resumed run must not trust the journal for work a dead cluster took)."""
    applier = Applier(ctx.kube)
    return all(applier.get(o["apiVersion"], o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"])
               is not None for o in objects)


def manifests(objects: AppObjects, needs: tuple[str, ...]) -> Step:
    def check(ctx: StepContext) -> bool:
        return _all_exist(ctx, [obj for _source, obj in objects])

    def run(ctx: StepContext) -> str:
        applier = Applier(ctx.kube)
        for source, obj in objects:
            applier.apply(obj)
            ctx.say("manifests", describe_object(source, obj).replace("apply ", "applied ", 1))
        return f"{len(objects)} objects"

    return Step("manifests", "apply the apps' manifests (server-side apply, field manager meshtui)", run, check,
                describe=lambda: [describe_object(s, o) for s, o in objects], needs=needs, check_confirms_only=True)


def rollouts(objects: AppObjects) -> Step:
    targets = [(o["metadata"]["namespace"], o["metadata"]["name"]) for _s, o in objects if o.get("kind") == "Deployment"]

    def check(ctx: StepContext) -> bool:
        applier = Applier(ctx.kube)
        return all(deployment_ready(applier.get("apps/v1", "Deployment", ns, n))[0] for ns, n in targets)

    def run(ctx: StepContext) -> str:
        wait_deployments(ctx, "rollouts", targets, ROLLOUT_TIMEOUT)
        return f"{len(targets)} deployments ready"

    return Step("rollouts", "wait for the deployments to roll out", run, check,
                describe=lambda: ["wait for deployments " + ", ".join(f"{ns}/{n}" for ns, n in targets)],
                needs=("manifests",), hint="the Overview panel shows pods that do not start and why")


def _versions(app_objects: AppObjects, namespace: str, host: str) -> list[str]:
    """`version` labels of the host's Deployments in the profile's manifests (every subset the DR should offer)."""
    found: list[str] = []
    for _s, obj in app_objects:
        labels = obj.get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {})
        if obj.get("kind") == "Deployment" and obj["metadata"]["namespace"] == namespace \
                and labels.get("app") == host and labels.get("version") and labels["version"] not in found:
            found.append(labels["version"])
    return found


def routes(loaded: LoadedProfile, app_objects: AppObjects, needs: tuple[str, ...]) -> Step:
    objects = [obj for r in loaded.profile.routes
               for obj in route_objects(r.host, r.namespace, dict(r.weights), _versions(app_objects, r.namespace, r.host))]

    def check(ctx: StepContext) -> bool:  # present is enough: later `routes` changes are the user's to keep
        return _all_exist(ctx, objects)

    def run(ctx: StepContext) -> str:
        applier = Applier(ctx.kube)
        for obj in objects:
            applier.apply(obj)
        return ", ".join(f"{r.host} " + "/".join(f"{s} {w}" for s, w in r.weights.items())
                         for r in loaded.profile.routes)

    def describe() -> list[str]:
        return [line for obj in objects for line in [f"apply {obj['apiVersion']} {obj['kind']}:", *_yaml(obj)]]

    return Step("routes", "initial traffic routes (labelled app.kubernetes.io/managed-by=meshtui)", run, check,
                describe=describe, needs=needs)
