"""kind, minikube and the simulator behind one interface: create, exist, load images, delete.

The real tools are driven as argv lists with timeouts and their output streamed into
the step log. kind gets a config generated from the profile (nodes, node image for
the Kubernetes version, extraPortMappings to the ingress NodePort, the containerd
hosts directory for the local registry); minikube gets driver/cpus/memory/version/nodes.
The simulator runs as a detached `meshtui demo --serve --empty` process so the
cluster outlives the `up` command, exactly like a kind cluster does.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from meshtui.adapters import process
from meshtui.adapters.process import ProcessIdentity
from meshtui.domain.cluster import SIM_CONTEXT
from meshtui.services.provision.journal import ProcessRecord
from meshtui.services.provision.steps import StepContext, StepFailed

if TYPE_CHECKING:
    from meshtui.config.models import Profile
    from meshtui.services.provision.journal import Journal

CREATE_TIMEOUT = 900.0
TOOL_TIMEOUT = 300.0
KIND_NODE_IMAGE = "kindest/node:v{version}"
REGISTRY_HOSTS_DIR = "/etc/containerd/certs.d"


def kind_config(profile: Profile) -> dict[str, Any]:
    """The kind Cluster config for a profile (kind.x-k8s.io/v1alpha4)."""
    cluster = profile.cluster
    control: dict[str, Any] = {"role": "control-plane"}
    if cluster.ports:
        control["extraPortMappings"] = [{"containerPort": p.node, "hostPort": p.host, "listenAddress": p.listen,
                                         "protocol": p.protocol} for p in cluster.ports]
    nodes = [dict(control)] + [{"role": "control-plane"}] * (cluster.control_planes - 1)
    nodes += [{"role": "worker"} for _ in range(cluster.workers)]
    config: dict[str, Any] = {"kind": "Cluster", "apiVersion": "kind.x-k8s.io/v1alpha4", "name": cluster.name,
                              "nodes": nodes}
    if cluster.registry.enabled:
        config["containerdConfigPatches"] = [
            f'[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "{REGISTRY_HOSTS_DIR}"']
    return config


def normalized_version(version: str) -> str:
    return version if version.startswith("v") else f"v{version}"


class Provider:
    """Common shape; subclasses fill in the tool calls."""

    name = ""

    def __init__(self, profile: Profile, workdir: Path) -> None:
        self.profile = profile
        self.workdir = workdir

    @property
    def context(self) -> str:
        return self.profile.cluster.context

    def kubeconfig(self, ctx: StepContext | None = None) -> str | None:
        """The kubeconfig holding the context (None: the user's default)."""
        return None

    def exists(self, ctx: StepContext) -> bool:
        raise NotImplementedError

    def create(self, ctx: StepContext, step: str) -> None:
        raise NotImplementedError

    def delete(self, ctx: StepContext, step: str) -> None:
        raise NotImplementedError

    def describe_create(self) -> list[str]:
        raise NotImplementedError

    def describe_delete(self) -> list[str]:
        raise NotImplementedError

    def load_image(self, ctx: StepContext, step: str, tag: str) -> None:
        """Make a locally built image available to the nodes (when there is no registry)."""

    def describe_load(self, tag: str) -> list[str]:
        return []


class KindProvider(Provider):
    name = "kind"

    @property
    def config_path(self) -> Path:
        return self.workdir / "kind-config.yaml"

    def create_argv(self) -> list[str]:
        cluster = self.profile.cluster
        argv = ["kind", "create", "cluster", "--name", cluster.name, "--config", str(self.config_path), "--wait", "5m"]
        if cluster.kubernetes_version:
            argv += ["--image", KIND_NODE_IMAGE.format(version=normalized_version(cluster.kubernetes_version)[1:])]
        return argv

    def exists(self, ctx: StepContext) -> bool:
        result = ctx.command("cluster", ["kind", "get", "clusters"], timeout=60)
        return self.profile.cluster.name in result.stdout.split()

    def create(self, ctx: StepContext, step: str) -> None:
        self.config_path.parent.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(yaml.safe_dump(kind_config(self.profile), sort_keys=False))
        ctx.command(step, self.create_argv(), timeout=CREATE_TIMEOUT)

    def describe_create(self) -> list[str]:
        return [f"write {self.config_path}:", *_indent(yaml.safe_dump(kind_config(self.profile), sort_keys=False)),
                "$ " + " ".join(self.create_argv())]

    def delete_argv(self) -> list[str]:
        return ["kind", "delete", "cluster", "--name", self.profile.cluster.name]

    def delete(self, ctx: StepContext, step: str) -> None:
        ctx.command(step, self.delete_argv(), timeout=TOOL_TIMEOUT)

    def describe_delete(self) -> list[str]:
        return ["$ " + " ".join(self.delete_argv())]

    def load_argv(self, tag: str) -> list[str]:
        return ["kind", "load", "docker-image", tag, "--name", self.profile.cluster.name]

    def load_image(self, ctx: StepContext, step: str, tag: str) -> None:
        ctx.command(step, self.load_argv(tag), timeout=TOOL_TIMEOUT)

    def describe_load(self, tag: str) -> list[str]:
        return ["$ " + " ".join(self.load_argv(tag))]

    def nodes(self, ctx: StepContext, step: str) -> list[str]:
        result = ctx.command(step, ["kind", "get", "nodes", "--name", self.profile.cluster.name], timeout=60)
        return [line.strip() for line in result.stdout.splitlines() if line.strip()]


class MinikubeProvider(Provider):
    name = "minikube"

    def create_argv(self) -> list[str]:
        cluster = self.profile.cluster
        argv = ["minikube", "start", "-p", cluster.name, f"--driver={cluster.driver}", f"--cpus={cluster.cpus}",
                f"--memory={cluster.memory}", f"--nodes={cluster.control_planes + cluster.workers}", "--wait=all"]
        if cluster.kubernetes_version:
            argv.append(f"--kubernetes-version={normalized_version(cluster.kubernetes_version)}")
        return argv

    def exists(self, ctx: StepContext) -> bool:
        result = ctx.command("cluster", ["minikube", "status", "-p", self.profile.cluster.name, "-o", "json"],
                             timeout=60, check=False)
        if result.returncode == 85 or "not found" in result.stdout + result.stderr:
            return False
        try:
            data = json.loads(result.stdout)
        except ValueError:
            return False
        nodes = data if isinstance(data, list) else [data]
        return bool(nodes) and all(n.get("APIServer", "Running") == "Running" and n.get("Host") == "Running"
                                   for n in nodes)

    def create(self, ctx: StepContext, step: str) -> None:
        ctx.command(step, self.create_argv(), timeout=CREATE_TIMEOUT)
        ctx.say(step, f"the ingress gateway is a LoadBalancer: run `minikube tunnel -p {self.profile.cluster.name}` "
                      "in another terminal (it may ask for sudo) to reach it from this machine")

    def describe_create(self) -> list[str]:
        return ["$ " + " ".join(self.create_argv())]

    def delete_argv(self) -> list[str]:
        return ["minikube", "delete", "-p", self.profile.cluster.name]

    def delete(self, ctx: StepContext, step: str) -> None:
        ctx.command(step, self.delete_argv(), timeout=TOOL_TIMEOUT)

    def describe_delete(self) -> list[str]:
        return ["$ " + " ".join(self.delete_argv())]

    def load_argv(self, tag: str) -> list[str]:
        return ["minikube", "image", "load", tag, "-p", self.profile.cluster.name]

    def load_image(self, ctx: StepContext, step: str, tag: str) -> None:
        ctx.command(step, self.load_argv(tag), timeout=TOOL_TIMEOUT)

    def describe_load(self, tag: str) -> list[str]:
        return ["$ " + " ".join(self.load_argv(tag))]


class SimProvider(Provider):
    """The simulated cluster as a background process with its own kubeconfig."""

    name = "sim"

    @property
    def context(self) -> str:
        return SIM_CONTEXT

    @property
    def kubeconfig_path(self) -> Path:
        return self.workdir / "kubeconfig"

    def kubeconfig(self, ctx: StepContext | None = None) -> str | None:
        return str(self.kubeconfig_path)

    def serve_argv(self) -> list[str]:
        return [sys.executable, "-m", "meshtui", "demo", "--serve", "--empty", "--no-metrics", "--no-crashes",
                "--kubeconfig", str(self.kubeconfig_path)]

    def running(self, ctx: StepContext | None = None, journal: Journal | None = None) -> ProcessIdentity | None:
        """The background simulator of this profile, verified by PID + start time + command line.

        The journal's record is used while it still matches; otherwise a process whose command line
        is exactly this profile's serve command (it names this profile's kubeconfig path) is adopted,
        so a lost or corrupt journal never leads to a second simulated cluster or an orphan.
        """
        journal = journal or (ctx.journal if ctx is not None else None)
        record = journal.created.sim if journal is not None else None
        if record is not None:
            identity = ProcessIdentity(record.pid, record.started, tuple(record.cmdline))
            if process.still_running(identity):
                return identity
        found = process.find(self.serve_argv())
        if not found:
            return None
        identity = max(found, key=lambda p: p.started)
        if journal is not None:
            journal.record(sim=_record(identity), cluster=self.profile.cluster.name, context=SIM_CONTEXT)
        return identity

    def exists(self, ctx: StepContext) -> bool:
        if self.running(ctx) is None or not self.kubeconfig_path.exists():
            return False
        try:
            ctx.kube.version()
            return True
        except Exception:
            ctx.reset_kube()
            return False

    def create(self, ctx: StepContext, step: str) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        stale = self.running(ctx)
        if stale is not None:  # ours (same command line and kubeconfig path) but not answering: replace it
            ctx.say(step, f"stopping the simulated cluster that does not answer (pid {stale.pid})")
            process.stop(stale)
        self.kubeconfig_path.unlink(missing_ok=True)
        ctx.say(step, "$ " + " ".join(["meshtui", *self.serve_argv()[3:]]))
        log = open(self.workdir / "sim.log", "ab")  # noqa: SIM115 - handed to the child
        proc = subprocess.Popen(self.serve_argv(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        log.close()
        identity = process.identify(proc.pid, expect=self.serve_argv())
        if identity is not None:
            ctx.journal.record(sim=_record(identity))
        deadline = time.monotonic() + 30
        while not self.kubeconfig_path.exists():
            if proc.poll() is not None:
                raise StepFailed(f"the simulated cluster exited with {proc.returncode}",
                                 hint=f"see {self.workdir / 'sim.log'}")
            if time.monotonic() > deadline or ctx.cancel.is_set():
                if identity is not None:
                    process.stop(identity)
                raise StepFailed("the simulated cluster did not start within 30 s")
            time.sleep(0.05)
        ctx.reset_kube()
        ctx.say(step, f"simulated cluster serving; kubeconfig {self.kubeconfig_path} (context {SIM_CONTEXT})")

    def describe_create(self) -> list[str]:
        return ["$ meshtui " + " ".join(self.serve_argv()[3:]) + "   (in the background)"]

    def delete(self, ctx: StepContext, step: str) -> None:
        record = ctx.journal.created.sim
        identity = self.running(ctx)
        if identity is not None:
            ctx.say(step, f"stopping the simulated cluster (pid {identity.pid})")
            if not process.stop(identity):
                raise StepFailed(f"cannot stop the simulated cluster (pid {identity.pid})")
        elif record is not None:
            ctx.say(step, f"the simulated cluster recorded as pid {record.pid} is not running any more "
                          "(that pid, if in use, belongs to another program and is left alone)")
        self.kubeconfig_path.unlink(missing_ok=True)

    def describe_delete(self) -> list[str]:
        return ["stop the background simulated cluster and remove its kubeconfig"]


def _record(identity: ProcessIdentity) -> ProcessRecord:
    return ProcessRecord(pid=identity.pid, started=identity.started, cmdline=list(identity.cmdline))


def _indent(text: str) -> list[str]:
    return ["    " + line for line in text.rstrip("\n").splitlines()]


def provider_for(profile: Profile, workdir: Path) -> Provider:
    return {"kind": KindProvider, "minikube": MinikubeProvider, "sim": SimProvider}[profile.cluster.provider](
        profile, workdir)
