"""`meshtui doctor`: is this machine ready for the profile, and if not, what exactly to do.

Checks run in parallel (each tool's version command is a subprocess) and each ends
in pass / warn / fail with a one-line reason and the fix command. A tool the profile
needs is a failure when missing or too old; one it does not need is only noted.
"""

from __future__ import annotations

import platform
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from meshtui.adapters import host, imports, tools
from meshtui.adapters.docker_engine import DockerEngine, DockerUnavailable
from meshtui.config.loader import LoadedProfile
from meshtui.domain.checks import Check, failed, human_bytes, passed, warned
from meshtui.domain.errors import MeshtuiError
from meshtui.domain.text import inert
from meshtui.domain.versions import TOOLS, format_version

INOTIFY_WATCHES = 524288
INOTIFY_INSTANCES = 512
MIN_DISK_FREE = 20 * 1024**3
INSTALL_HINTS = {
    "kubectl": "./install.sh --tools  (or https://kubernetes.io/docs/tasks/tools/)",
    "kind": "./install.sh --tools  (or https://kind.sigs.k8s.io/docs/user/quick-start/#installation)",
    "istioctl": "./install.sh --tools  (or https://istio.io/latest/docs/setup/getting-started/#download)",
    "minikube": "https://minikube.sigs.k8s.io/docs/start/",
    "helm": "https://helm.sh/docs/intro/install/",
}


@dataclass(frozen=True)
class DoctorOptions:
    """What to check against."""

    profile: LoadedProfile | None
    kubeconfig: str | None = None
    context: str | None = None


def required_tools(profile: LoadedProfile | None) -> set[str]:
    """Tools the profile cannot do without."""
    if profile is None:
        return {"kubectl"}
    spec = profile.profile
    if spec.cluster.provider == "sim":
        return set()
    needed = {"kubectl", spec.cluster.provider}
    if spec.istio.enabled:
        needed.add("istioctl")
    return needed


def check_tool(name: str, needed: bool, profile_name: str) -> Check:
    info = tools.inspect(name)
    spec = TOOLS[name]
    if info.path is None:
        if needed:
            return failed(name, f"not found on PATH; {spec.purpose}", INSTALL_HINTS[name])
        return passed(name, f"not installed (not needed by the '{profile_name}' profile)")
    if info.version is None:
        reason = f"found at {info.path} but its version could not be read" + (f": {info.error}" if info.error else "")
        return (failed if needed else warned)(name, reason, INSTALL_HINTS[name], path=info.path)
    version = format_version(info.version)
    if info.version < spec.minimum:
        reason = f"{version} is older than the supported {format_version(spec.minimum)}"
        return (failed if needed else warned)(name, reason, INSTALL_HINTS[name], path=info.path, version=version)
    return passed(name, f"{version} at {info.path}", path=info.path, version=version)


def check_docker(engine: DockerEngine, profile: LoadedProfile | None) -> Check:
    needs_docker = profile is None or profile.profile.cluster.provider in {"kind", "minikube"}
    try:
        info = engine.info()
    except DockerUnavailable as exc:
        if needs_docker:
            return failed("docker", exc.message, exc.hint)
        return passed("docker", "not reachable (not needed by the simulated cluster)")
    want_mem = profile.profile.required_memory_gb() if profile else 0.0
    want_cpu = profile.profile.required_cpus() if profile else 0.0
    have_mem = info.mem_total / 1024**3
    detail = f"engine {info.server_version}, {info.cpus} CPUs, {human_bytes(info.mem_total)}"
    short = []
    if want_mem and have_mem + 0.25 < want_mem:
        short.append(f"{have_mem:.1f} GB memory < {want_mem:g} GB")
    if want_cpu and info.cpus < want_cpu:
        short.append(f"{info.cpus} CPUs < {want_cpu:g}")
    if short:
        return warned("docker", f"{detail}; the profile wants more: {', '.join(short)}",
                      "give Docker more resources (Docker Desktop: Settings > Resources; Linux: free memory) "
                      "or use a smaller profile such as `minimal`",
                      version=info.server_version, mem_total=info.mem_total, cpus=info.cpus)
    return passed("docker", detail, version=info.server_version, mem_total=info.mem_total, cpus=info.cpus,
                  root_dir=info.root_dir)


def check_host(profile: LoadedProfile | None, engine_root: str | None) -> list[Check]:
    checks = []
    cpus = host.cpu_count()
    mem = host.memory_total()
    avail = host.memory_available()
    want_mem = profile.profile.required_memory_gb() if profile else 0.0
    mem_text = f"{cpus} CPUs, {human_bytes(mem)} memory ({human_bytes(avail)} available)"
    if want_mem and avail / 1024**3 < want_mem * 0.75:
        checks.append(warned("host", f"{mem_text}; the profile wants about {want_mem:g} GB free",
                             "close other programs or pick the `minimal` profile"))
    else:
        checks.append(passed("host", mem_text, cpus=cpus, mem_total=mem, mem_available=avail))
    where, free = host.disk_free(engine_root or "/var/lib/docker")
    if profile is not None and profile.profile.cluster.provider != "sim" and free < MIN_DISK_FREE:
        checks.append(warned("disk", f"{human_bytes(free)} free at {where}; images and nodes need about 20 GB",
                             "docker system prune  (removes unused images and containers)", free=free))
    else:
        checks.append(passed("disk", f"{human_bytes(free)} free at {where}", free=free, path=where))
    return checks


def check_inotify(profile: LoadedProfile | None) -> Check | None:
    if platform.system() != "Linux":
        return None
    limits = host.inotify_limits()
    if limits is None:
        return warned("inotify", "could not read /proc/sys/fs/inotify")
    watches, instances = limits
    text = f"max_user_watches={watches}, max_user_instances={instances}"
    if watches < INOTIFY_WATCHES or instances < INOTIFY_INSTANCES:
        fix = (f"sudo sysctl fs.inotify.max_user_watches={INOTIFY_WATCHES} && "
               f"sudo sysctl fs.inotify.max_user_instances={INOTIFY_INSTANCES}")
        is_kind = profile is not None and profile.profile.cluster.provider == "kind"
        if is_kind:
            return warned("inotify", f"{text}; kind recommends {INOTIFY_WATCHES}/{INOTIFY_INSTANCES} "
                          "(pods fail with 'too many open files')", fix, watches=watches, instances=instances)
    return passed("inotify", text, watches=watches, instances=instances)


def _port_free(address: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((address, port))
        except OSError:
            return False
    return True


def check_ports(profile: LoadedProfile | None, engine: DockerEngine) -> list[Check]:
    if profile is None or profile.profile.cluster.provider == "sim":
        return []
    spec = profile.profile
    wanted = [(m.listen, m.host, f"host port {m.host} -> NodePort {m.node}") for m in spec.cluster.ports]
    if spec.cluster.registry.enabled and spec.cluster.provider == "kind":
        wanted.append(("127.0.0.1", spec.cluster.registry.port, f"registry port {spec.cluster.registry.port}"))
    try:
        existing = engine.node_containers(spec.cluster.name, spec.cluster.provider)
    except MeshtuiError:
        existing = []
    checks = []
    for address, port, label in wanted:
        if _port_free(address, port):
            checks.append(passed(f"port {port}", f"{label}: free on {address}"))
        elif existing:
            checks.append(passed(f"port {port}", f"{label}: in use by the existing cluster '{spec.cluster.name}'"))
        else:
            checks.append(failed(f"port {port}", f"{label}: already in use on {address}",
                                 f"free it (`ss -ltnp 'sport = :{port}'` shows who holds it) or change the port "
                                 f"in {profile.path.name}"))
    return checks


def check_context(options: DoctorOptions) -> Check:
    from meshtui.adapters.kube import KubeClient
    from meshtui.services.guard import Guard

    try:
        client = KubeClient.connect(options.kubeconfig, options.context)
    except MeshtuiError as exc:
        return warned("kube context", exc.message, exc.hint or "meshtui up  (or: meshtui demo)")
    name = inert(client.context.name)
    try:
        locality = Guard.for_client(client).locality
    except MeshtuiError as exc:
        client.close()
        return warned("kube context", f"{name}: {exc.message}", exc.hint, context=client.context.name)
    where = f"{locality.badge.value}: {locality.reason}"
    try:
        version = client.version().get("gitVersion", "?")
    except MeshtuiError as exc:
        return warned("kube context", f"{name} ({where}): {exc.message}", exc.hint, context=client.context.name,
                      badge=locality.badge.value, why=locality.reason)
    finally:
        client.close()
    return passed("kube context", f"{name} ({where}; Kubernetes {inert(version)})", context=client.context.name,
                  badge=locality.badge.value, why=locality.reason, server_version=version)


def run_doctor(options: DoctorOptions, engine: DockerEngine | None = None) -> list[Check]:
    """All checks, in a stable order."""
    engine = engine or DockerEngine(timeout=5)
    profile = options.profile
    needed = required_tools(profile)
    profile_name = profile.name if profile else "default"
    jobs: list[Callable[[], Check | list[Check] | None]] = [
        lambda: check_docker(engine, profile),
        *[(lambda n=name: check_tool(n, n in needed, profile_name)) for name in TOOLS],
        lambda: check_context(options),
        lambda: check_inotify(profile),
        lambda: check_ports(profile, engine),
    ]
    imports.preload()  # before the pool: threads must not import the HTTP stack side by side
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(lambda job: job(), jobs))
    root = None
    docker_check = results[0]
    if isinstance(docker_check, Check):
        root = docker_check.data.get("root_dir")
    checks: list[Check] = []
    for result in results:
        if result is None:
            continue
        checks.extend(result if isinstance(result, list) else [result])
    checks[1:1] = check_host(profile, root)
    return checks
