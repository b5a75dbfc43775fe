"""`meshtui logs` through the real entry point, against the simulator."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import time
import urllib.request

from kubernetes import client

from tests.conftest import MESHTUI, SimCluster, SimFactory, api_client, run_cli


def env_for(sim: SimCluster) -> dict[str, str]:
    return {"KUBECONFIG": str(sim.kubeconfig)}


def pods_of(sim: SimCluster, selector: str) -> list[str]:
    items = client.CoreV1Api(api_client(sim)).list_namespaced_pod("shop", label_selector=selector).items
    return sorted(p.metadata.name for p in items)


def truth(sim: SimCluster, pod: str, container: str) -> list[str]:
    core = client.CoreV1Api(api_client(sim))
    return core.read_namespaced_pod_log(pod, "shop", container=container, _preload_content=False).data.decode().splitlines()


def test_follow_delivers_every_line_once_in_order_with_streams_dropping(sim_factory: SimFactory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    sim = sim_factory()
    sim.set_faults(drop_log_streams_after=400)
    sink = (tmp_path / "out.jsonl").open("w")  # a file, not a pipe nobody reads: meshtui blocks rather than drop
    proc = subprocess.Popen([str(MESHTUI), "logs", "-n", "shop", "-l", "app=catalog", "-c", "catalog", "--tail=-1",
                             "--json"], stdout=sink, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **env_for(sim)})
    try:
        time.sleep(1.5)
        body = json.dumps({"namespace": "shop", "selector": "app=catalog", "container": "catalog", "lines": 4500,
                           "rate": 3000}).encode()
        urllib.request.urlopen(urllib.request.Request(sim.url + "/_sim/flood", data=body, method="POST")).read()
        pods = pods_of(sim, "app=catalog")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            stats = sim.stats()["log_lines"]
            if sum(stats[f"shop/{p}/catalog"] for p in pods) >= 4500 + len(pods):
                break
            time.sleep(0.1)
        time.sleep(3.0)
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
        sink.close()
    out = (tmp_path / "out.jsonl").read_text()
    assert proc.returncode == 0, err
    got: dict[str, list[str]] = {}
    for raw in out.splitlines():
        row = json.loads(raw)
        got.setdefault(row["pod"], []).append(row["line"])
    stats = sim.stats()["log_lines"]
    for pod in pods:
        assert len(got[pod]) == stats[f"shop/{pod}/catalog"]
        assert got[pod] == truth(sim, pod, "catalog")
    assert "stream dropped" in err  # the drops happened and were noted on stderr


def test_no_follow_plain_and_json(sim: SimCluster) -> None:
    sim.send(20, path="/")
    plain = run_cli("logs", "-n", "shop", "catalog-v1", "-c", "catalog", "--tail", "5", "--no-follow", env=env_for(sim))
    assert plain.returncode == 0, plain.stderr
    lines = plain.stdout.splitlines()
    assert len(lines) == 5 and all(line.startswith("catalog-v1-") and " catalog " in line for line in lines)
    assert "\x1b[" not in plain.stdout  # no colour when not a TTY
    js = run_cli("logs", "-n", "shop", "catalog-v1", "-c", "catalog", "--tail", "3", "--no-follow", "--json",
                 env=env_for(sim))
    rows = [json.loads(line) for line in js.stdout.splitlines()]
    assert len(rows) == 3 and {"namespace", "pod", "container", "version", "ts", "line"} <= set(rows[0])
    assert rows[-1]["version"] == "v1" and rows[-1]["fields"]["service"] == "catalog"


def test_field_filters_and_sidecars(sim: SimCluster) -> None:
    sim.send(20, path="/")
    result = run_cli("logs", "-n", "shop", "--no-follow", "--tail=-1", "--sidecars", "-c", "istio-proxy", "storefront",
                     "status=2xx", "upstream~catalog", env=env_for(sim))
    lines = result.stdout.splitlines()
    assert result.returncode == 0 and lines
    assert all(" 200 " in line and "outbound|9080|v1|catalog" in line for line in lines)
    hidden = run_cli("logs", "-n", "shop", "--no-follow", "--tail=-1", "storefront", env=env_for(sim))
    assert "istio-proxy" not in hidden.stdout


def test_hostile_lines_are_inert_on_a_terminal_and_unchanged_in_a_pipe(sim: SimCluster) -> None:
    pod = pods_of(sim, "app=orders")[0]
    hostile = ["\x1b]52;c;ZXZpbA==\x07osc52", "\x1b[2Jclear", "tab\there", "c1\u009bx"]
    sim.push_log("shop", pod, "orders", hostile)
    piped = run_cli("logs", "-n", "shop", f"pod/{pod}", "-c", "orders", "--tail", "4", "--no-follow", env=env_for(sim))
    assert [line.split(" ", 2)[2] for line in piped.stdout.splitlines()] == hostile
    leader, follower = pty.openpty()
    proc = subprocess.Popen([str(MESHTUI), "logs", "-n", "shop", f"pod/{pod}", "-c", "orders", "--tail", "4",
                             "--no-follow"], stdout=follower, stderr=subprocess.PIPE,
                            env={**os.environ, **env_for(sim), "NO_COLOR": "1"})
    os.close(follower)
    output = b""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        elif proc.poll() is not None:
            break
    proc.wait(10)
    os.close(leader)
    text = output.decode("utf-8", "replace")
    assert "\x1b" not in text and "\x07" not in text and "\u009b" not in text
    assert "\\x1b]52;c;ZXZpbA==\\x07osc52" in text and "\\x1b[2Jclear" in text


def test_usage_errors_are_one_line_exit_2(sim: SimCluster) -> None:
    for args, message in ((["-n", "shop", "-A"], "-n and -A cannot be used together"),
                          (["--since", "ages"], "not a duration"),
                          (["-c", "("], "bad container regex"),
                          (["a", "b"], "one pod query at a time"),
                          (["--where", "level>>warn"], "one operator"),
                          (["--where", "level>=loud"], "unknown level")):
        result = run_cli("logs", *args, "--no-follow", env=env_for(sim))
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert message in result.stderr or result.stderr.startswith("meshtui: error"), (args, result.stderr)


def test_unreachable_cluster_is_a_notice(tmp_path) -> None:  # type: ignore[no-untyped-def]
    kubeconfig = tmp_path / "kc"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\ncurrent-context: gone\nclusters:\n- name: gone\n  cluster:\n"
                          "    server: http://127.0.0.1:9\nusers:\n- name: u\n  user: {}\ncontexts:\n- name: gone\n"
                          "  context: {cluster: gone, user: u}\n")
    result = run_cli("logs", "--no-follow", "--kubeconfig", str(kubeconfig))
    assert result.returncode == 1
    assert "cannot reach the API server" in result.stderr and "Traceback" not in result.stderr
    _ = signal  # keep the import for the follow test on platforms without SIGINT handling
