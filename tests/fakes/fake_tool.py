#!/usr/bin/env python3
"""A fake kind / minikube / istioctl / helm / kubectl for tests.

Installed on PATH under each tool's name (see `install_fake_tools` in conftest). It
appends its argv to `$MESHTUI_FAKE_DIR/calls.jsonl` and prints what the real tool
prints for that command, in the real format (see shared/reference). Behaviour can be
changed per test with `$MESHTUI_FAKE_DIR/config.json`: {"versions": {"kind": "v0.19.0"},
"fail": {"kind create cluster": 1}, "clusters": ["meshtui"], ...}. With "docker_nodes": true,
creating a cluster starts its node containers on the real Docker engine, labelled and named as
kind's and minikube's are (from the local test image, nothing pulled), and deleting removes them.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

STATE = Path(os.environ.get("MESHTUI_FAKE_DIR", "/tmp/meshtui-fake"))


def config() -> dict:
    try:
        return json.loads((STATE / "config.json").read_text())
    except (OSError, ValueError):
        return {}


def save_config(data: dict) -> None:
    (STATE / "config.json").write_text(json.dumps(data))


def record(tool: str, args: list[str]) -> None:
    STATE.mkdir(parents=True, exist_ok=True)
    with open(STATE / "calls.jsonl", "a") as fh:
        fh.write(json.dumps({"tool": tool, "args": args, "t": time.time(),
                             "kubeconfig": os.environ.get("KUBECONFIG")}) + "\n")


def version_of(tool: str, default: str) -> str:
    return config().get("versions", {}).get(tool, default)


def failure(tool: str, args: list[str]) -> int | None:
    for prefix, code in config().get("fail", {}).items():
        if " ".join([tool, *args]).startswith(prefix):
            return int(code)
    return None


ROOT = Path(__file__).resolve().parents[2]
PLURALS = {"Namespace": ("/api/v1", "namespaces", False), "Deployment": ("/apis/apps/v1", "deployments", True),
           "Service": ("/api/v1", "services", True)}


def sim_apply(manifest: Path) -> None:
    """Create the manifest's objects in the simulated cluster named in config (`sim_url`), like the real tool would."""
    import urllib.error
    import urllib.request

    import yaml

    url = config().get("sim_url")
    if not url:
        return
    for doc in yaml.safe_load_all(manifest.read_text()):
        if not doc:
            continue
        base, plural, namespaced = PLURALS[doc["kind"]]
        ns = doc["metadata"].get("namespace")
        path = f"{base}/namespaces/{ns}/{plural}" if namespaced else f"{base}/{plural}"
        request = urllib.request.Request(url + path, data=json.dumps(doc).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(request, timeout=10).close()
        except urllib.error.HTTPError as exc:
            if exc.code != 409:
                raise


def merge_kubeconfig(context: str) -> None:
    """kind merges the new cluster into $KUBECONFIG and switches to it."""
    import yaml

    url, path = config().get("sim_url"), os.environ.get("KUBECONFIG")
    if not url or not path:
        return
    target = Path(path)
    data = yaml.safe_load(target.read_text()) if target.exists() else None
    data = data or {"apiVersion": "v1", "kind": "Config", "clusters": [], "users": [], "contexts": []}
    for key, entry in (("clusters", {"name": context, "cluster": {"server": url}}),
                       ("users", {"name": context, "user": {"token": "kind"}}),
                       ("contexts", {"name": context, "context": {"cluster": context, "user": context}})):
        data[key] = [e for e in data.get(key) or [] if e.get("name") != context] + [entry]
    data["current-context"] = context
    target.write_text(yaml.safe_dump(data))


NODE_IMAGE = "meshtui-busybox:local"


def start_node(name: str, labels: dict[str, str]) -> None:
    """A node container as kind/minikube run one (only with "docker_nodes": the test cleans up by label)."""
    if not config().get("docker_nodes"):
        return
    import docker

    client = docker.from_env(timeout=30)
    try:
        client.containers.run(NODE_IMAGE, ["sleep", "3600"], name=name, labels=labels, detach=True,
                              network_mode="none")
    finally:
        client.close()


def remove_nodes(label: str, cluster: str) -> None:
    if not config().get("docker_nodes"):
        return
    import docker

    client = docker.from_env(timeout=30)
    try:
        for container in client.containers.list(all=True, filters={"label": f"{label}={cluster}"}):
            container.remove(force=True)
    finally:
        client.close()


def kind(args: list[str]) -> int:
    cfg = config()
    clusters = cfg.get("clusters", [])
    if args[:1] == ["version"]:
        print(f"kind {version_of('kind', 'v0.32.0')} go1.24.6 linux/amd64")
        return 0
    if args[:2] == ["get", "clusters"]:
        if not clusters:
            print("No kind clusters found.", file=sys.stderr)
        for name in clusters:
            print(name)
        return 0
    if args[:2] == ["create", "cluster"]:
        name = args[args.index("--name") + 1] if "--name" in args else "kind"
        if name in clusters:
            print(f'ERROR: failed to create cluster: node(s) already exist for a cluster with the name "{name}"',
                  file=sys.stderr)
            return 1
        for line in [f'Creating cluster "{name}" ...', " ✓ Ensuring node image (kindest/node:v1.36.1) 🖼",
                     " ✓ Preparing nodes 📦 📦", " ✓ Writing configuration 📜", " ✓ Starting control-plane 🕹️",
                     " ✓ Installing CNI 🔌", " ✓ Installing StorageClass 💾", " ✓ Joining worker nodes 🚜",
                     f'Set kubectl context to "kind-{name}"']:
            print(line, file=sys.stderr)
        cfg["clusters"] = [*clusters, name]
        save_config(cfg)
        start_node(f"{name}-control-plane", {"io.x-k8s.kind.cluster": name, "io.x-k8s.kind.role": "control-plane"})
        merge_kubeconfig(f"kind-{name}")
        return 0
    if args[:2] == ["delete", "cluster"]:
        name = args[args.index("--name") + 1] if "--name" in args else "kind"
        print(f'Deleting cluster "{name}" ...', file=sys.stderr)
        cfg["clusters"] = [c for c in clusters if c != name]
        save_config(cfg)
        remove_nodes("io.x-k8s.kind.cluster", name)
        return 0
    if args[:2] == ["load", "docker-image"]:
        name = args[args.index("--name") + 1] if "--name" in args else "kind"
        for image in [a for a in args[2:] if not a.startswith("--") and a != name]:
            print(f'Image: "{image}" with ID "sha256:0123abcd" not yet present on node "{name}-control-plane", '
                  "loading...", file=sys.stderr)
        return 0
    if args[:2] == ["get", "kubeconfig"]:  # the cluster kind made, whatever $KUBECONFIG says
        import yaml

        name = args[args.index("--name") + 1] if "--name" in args else "kind"
        if name not in clusters:
            print(f'ERROR: could not locate any control plane nodes for cluster named "{name}"', file=sys.stderr)
            return 1
        context = f"kind-{name}"
        print(yaml.safe_dump({"apiVersion": "v1", "kind": "Config", "current-context": context,
                              "clusters": [{"name": context, "cluster": {"server": cfg.get("sim_url", "")}}],
                              "users": [{"name": context, "user": {"token": "kind"}}],
                              "contexts": [{"name": context, "context": {"cluster": context, "user": context}}]}))
        return 0
    if args[:2] == ["get", "nodes"]:
        name = args[args.index("--name") + 1] if "--name" in args else "kind"
        print(f"{name}-control-plane")
        return 0
    print(f"ERROR: unknown command {args}", file=sys.stderr)
    return 1


def minikube(args: list[str]) -> int:
    cfg = config()
    profiles = cfg.get("minikube_profiles", [])
    if args[:1] == ["version"]:
        v = version_of("minikube", "v1.38.1")
        if "-o" in args:
            print(json.dumps({"commit": "c93a4cb9311efc66b90d33ea03f75f2c4120e9b0", "minikubeVersion": v}))
        else:
            print(f"minikube version: {v}\ncommit: c93a4cb9311efc66b90d33ea03f75f2c4120e9b0")
        return 0
    if args[:2] == ["profile", "list"]:
        valid = [{"Name": p, "Status": "OK", "Config": {"Name": p, "Driver": "docker", "Memory": 8192, "CPUs": 4,
                  "KubernetesConfig": {"KubernetesVersion": "v1.36.1", "ClusterName": p},
                  "Nodes": [{"Name": "", "IP": "192.168.49.2", "Port": 8443, "KubernetesVersion": "v1.36.1",
                             "ContainerRuntime": "docker", "ControlPlane": True, "Worker": True}]},
                  "Active": False, "ActiveKubeContext": True} for p in profiles]
        print(json.dumps({"invalid": [], "valid": valid}))
        return 0
    if args[:1] == ["status"]:
        name = args[args.index("-p") + 1] if "-p" in args else "minikube"
        if name not in profiles:
            print(f'Profile "{name}" not found. Run "minikube profile list" to view all profiles.')
            return 85
        print(json.dumps({"Name": name, "Host": "Running", "Kubelet": "Running", "APIServer": "Running",
                          "Kubeconfig": "Configured", "Worker": False}))
        return 0
    if args[:1] == ["start"]:
        name = args[args.index("-p") + 1] if "-p" in args else "minikube"
        for line in [f'😄  [{name}] minikube v1.38.1 on Debian 12', '✨  Using the docker driver based on user configuration',
                     '🔥  Creating docker container (CPUs=4, Memory=8192MB) ...',
                     f'🏄  Done! kubectl is now configured to use "{name}" cluster and "default" namespace by default']:
            print(line)
        cfg["minikube_profiles"] = [*profiles, name]
        save_config(cfg)
        start_node(name, {"name.minikube.sigs.k8s.io": name, "role.minikube.sigs.k8s.io": ""})
        merge_kubeconfig(name)
        return 0
    if args[:1] == ["delete"]:
        name = args[args.index("-p") + 1] if "-p" in args else "minikube"
        print(f'🔥  Deleting "{name}" in docker ...\n💀  Removed all traces of the "{name}" cluster.')
        cfg["minikube_profiles"] = [p for p in profiles if p != name]
        save_config(cfg)
        remove_nodes("name.minikube.sigs.k8s.io", name)
        return 0
    if args[:2] in (["image", "load"], ["addons", "enable"]):
        return 0
    print(f"❌  unknown command {args}", file=sys.stderr)
    return 64


def istioctl(args: list[str]) -> int:
    v = version_of("istioctl", "1.28.6")
    if args[:1] == ["version"]:
        if "-o" in args and args[args.index("-o") + 1] == "json":
            print(json.dumps({"clientVersion": {"version": v, "revision": "0123456789abcdef", "golang_version": "go1.24",
                                                "status": "Clean", "tag": v}}))
        else:
            print(f"client version: {v}")
        return 0
    if args[:1] == ["install"]:
        sim_apply(ROOT / "assets" / "sim" / "istio.yaml")
        for line in ["✔ Istio core installed ⛵️", "✔ Istiod installed 🧠", "✔ Ingress gateways installed 🛬",
                     "✔ Installation complete"]:
            print(line)
        return 0
    if args[:2] == ["x", "precheck"]:
        print("✔ No issues found when checking the cluster. Istio is safe to install or upgrade!")
        return 0
    if args[:1] == ["uninstall"]:
        if not any(a in args for a in ("--purge", "--revision", "-r", "-f", "--filename")):
            print("Error: at least one of the --revision (or --set revision=<revision>), --filename or --purge flags "
                  "must be set", file=sys.stderr)
            return 64
        print("✔ Uninstall complete")
        return 0
    if args[:1] == ["verify-install"]:
        print('Error: unknown command "verify-install" for "istioctl"', file=sys.stderr)
        return 64
    print(f'Error: unknown command "{args[0] if args else ""}" for "istioctl"', file=sys.stderr)
    return 64


def helm(args: list[str]) -> int:
    if args[:1] == ["version"]:
        print(f"{version_of('helm', 'v3.19.0')}+g3d8990f")
        return 0
    return 1


def kubectl(args: list[str]) -> int:
    if args[:1] == ["version"]:
        v = version_of("kubectl", "v1.36.1")
        print(json.dumps({"clientVersion": {"major": "1", "minor": v.split(".")[1], "gitVersion": v,
                                            "platform": "linux/amd64"}, "kustomizeVersion": "v5.7.1"}))
        return 0
    if "apply" in args and any("metrics-server" in a for a in args):
        sim_apply(ROOT / "assets" / "sim" / "metrics-server.yaml")
        print("deployment.apps/metrics-server created")
        return 0
    if "patch" in args:
        print("deployment.apps/metrics-server patched")
        return 0
    if "port-forward" in args:
        port = next((a.split(":")[0] for a in args if ":" in a and a.split(":")[0].isdigit()), "8080")
        print(f"Forwarding from 127.0.0.1:{port} -> {port}", flush=True)
        time.sleep(float(config().get("port_forward_seconds", 30)))
        return 0
    return 0


TOOLS = {"kind": kind, "minikube": minikube, "istioctl": istioctl, "helm": helm, "kubectl": kubectl}


def main() -> int:
    tool = os.environ.get("MESHTUI_FAKE_TOOL") or Path(sys.argv[0]).name
    args = sys.argv[1:]
    record(tool, args)
    code = failure(tool, args)
    if code is not None:
        print(f"fake {tool}: failing as configured", file=sys.stderr)
        return code
    return TOOLS[tool](args)


if __name__ == "__main__":
    sys.exit(main())
