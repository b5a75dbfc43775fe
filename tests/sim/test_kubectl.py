"""Real kubectl, an independent client, against `meshtui demo --serve` started through the CLI."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import MESHTUI, require
from tests.istio_schema import assert_valid

VS = """apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: kubectl-test
  namespace: shop
spec:
  hosts: [ratings]
  http:
  - route:
    - destination: {host: ratings, subset: v1}
      weight: 90
    - destination: {host: ratings, subset: v2}
      weight: 10
"""


class Demo:
    def __init__(self, kubeconfig: Path, url: str) -> None:
        self.kubeconfig = kubeconfig
        self.url = url

    def kubectl(self, *args: str, input: str | None = None, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["kubectl", "--kubeconfig", str(self.kubeconfig), *args], capture_output=True, text=True,
                              input=input, timeout=timeout)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    require(shutil.which("kubectl") is not None, "kubectl is not installed")
    home = tmp_path_factory.mktemp("demo")
    kubeconfig = home / "kubeconfig"
    env = {**os.environ, "XDG_STATE_HOME": str(home), "XDG_CONFIG_HOME": str(home)}
    proc = subprocess.Popen([str(MESHTUI), "demo", "--serve", "--json", "--kubeconfig", str(kubeconfig), "--seed", "5",
                             "--rate", "5", "--no-crashes"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    assert proc.stdout is not None
    info = json.loads(proc.stdout.readline())
    assert info["kubeconfig"] == str(kubeconfig) and info["context"] == "meshtui-sim"
    demo = Demo(kubeconfig, info["url"])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        out = demo.kubectl("get", "pods", "-n", "shop", "--no-headers")
        if out.returncode == 0 and out.stdout.count("2/2") >= 8:
            break
        time.sleep(0.2)
    yield demo
    proc.send_signal(signal.SIGINT)
    assert proc.wait(10) == 0


def test_get_pods_all_namespaces(demo: Demo) -> None:
    out = demo.kubectl("get", "pods", "-A")
    assert out.returncode == 0, out.stderr
    header = out.stdout.splitlines()[0].split()
    assert header == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert "istio-ingressgateway-" in out.stdout and "catalog-v3-" in out.stdout and "coredns-" in out.stdout


def test_get_nodes(demo: Demo) -> None:
    out = demo.kubectl("get", "nodes")
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert any("control-plane" in line and "Ready" in line for line in lines[1:])


def test_get_virtualservices(demo: Demo) -> None:
    out = demo.kubectl("get", "virtualservices", "-A")
    assert out.returncode == 0 and "catalog" in out.stdout and "shop-ingress" in out.stdout
    served = json.loads(demo.kubectl("get", "virtualservices,destinationrules,gateways", "-A", "-o", "json").stdout)
    for item in served["items"]:
        assert_valid(item)


def test_logs_follow_on_a_sidecar_pod_streams_lines_as_they_arrive(demo: Demo) -> None:
    pod = demo.kubectl("get", "pods", "-n", "shop", "-l", "app=catalog,version=v1", "-o",
                       "jsonpath={.items[0].metadata.name}").stdout
    proc = subprocess.Popen(["kubectl", "--kubeconfig", str(demo.kubeconfig), "logs", "-f", "-n", "shop", pod, "-c",
                             "catalog", "--tail=0"], stdout=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout or []], daemon=True).start()

    def push(text: str) -> None:
        body = json.dumps({"namespace": "shop", "pod": pod, "container": "catalog", "lines": [text]})
        urllib.request.urlopen(urllib.request.Request(demo.url + "/_sim/log", data=body.encode(), method="POST"),
                               timeout=5).read()

    def seen(text: str, pushing: bool) -> bool:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if pushing:
                push(text)  # --tail=0: only lines written after the stream opened come back
            try:
                if text in lines.get(timeout=0.5):
                    return True
            except queue.Empty:
                continue
        return False

    try:
        assert seen("stream-open", pushing=True)  # the follow stream is established
        push("arrives-live-1")
        assert seen("arrives-live-1", pushing=False)
        assert proc.poll() is None  # delivered while the stream stays open: live, not at its end
    finally:
        proc.kill()
        proc.communicate(timeout=10)


def test_logs_by_label_with_prefix(demo: Demo) -> None:
    out = demo.kubectl("logs", "-n", "shop", "-l", "app=catalog", "-c", "catalog", "--prefix", "--tail=3")
    assert out.returncode == 0, out.stderr
    prefixes = {line.split("]")[0] + "]" for line in out.stdout.splitlines()}
    assert len(prefixes) == 3 and all(p.startswith("[pod/catalog-v") and p.endswith("/catalog]") for p in prefixes)


def test_apply_get_and_delete_a_virtualservice(demo: Demo) -> None:
    out = demo.kubectl("apply", "-f", "-", input=VS)
    assert out.returncode == 0, out.stderr
    assert "virtualservice.networking.istio.io/kubectl-test created" in out.stdout
    got = json.loads(demo.kubectl("get", "vs", "kubectl-test", "-n", "shop", "-o", "json").stdout)
    assert [r["weight"] for r in got["spec"]["http"][0]["route"]] == [90, 10]
    assert_valid(got)
    out = demo.kubectl("apply", "-f", "-", input=VS.replace("weight: 90", "weight: 70").replace("weight: 10",
                                                                                                "weight: 30"))
    assert "configured" in out.stdout
    bad = demo.kubectl("apply", "-f", "-", input=VS.replace("weight: 90", "weight: -1"))
    assert bad.returncode != 0 and "non-negative" in bad.stderr
    out = demo.kubectl("delete", "vs", "kubectl-test", "-n", "shop")
    assert out.returncode == 0 and "deleted" in out.stdout
    assert demo.kubectl("get", "vs", "kubectl-test", "-n", "shop").returncode != 0


def test_top_pods(demo: Demo) -> None:
    out = demo.kubectl("top", "pods", "-n", "shop")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0].split() == ["NAME", "CPU(cores)", "MEMORY(bytes)"]
    assert "catalog-v1-" in out.stdout
    containers = demo.kubectl("top", "pods", "-n", "shop", "--containers")
    assert "istio-proxy" in containers.stdout


def test_scale_and_delete_a_pod(demo: Demo) -> None:
    assert demo.kubectl("scale", "deploy/ratings-v2", "-n", "shop", "--replicas=2").returncode == 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        names = demo.kubectl("get", "pods", "-n", "shop", "-l", "app=ratings,version=v2", "-o", "name").stdout.split()
        if len(names) == 2:
            break
        time.sleep(0.2)
    assert len(names) == 2
    out = demo.kubectl("delete", names[0], "-n", "shop")
    assert out.returncode == 0 and "deleted" in out.stdout
