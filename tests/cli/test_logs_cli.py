"""`meshtui logs` through the real entry point, against the simulator over HTTP."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest
from kubernetes import client

from tests.conftest import MESHTUI, SimCluster, SimFactory, api_client, run_cli
from tests.services.log_oracle import CUTS, Delivered, node_log, post, scenario_for, wait


def env_for(sim: SimCluster) -> dict[str, str]:
    return {"KUBECONFIG": str(sim.kubeconfig)}


def pods_of(sim: SimCluster, selector: str) -> list[str]:
    items = client.CoreV1Api(api_client(sim)).list_namespaced_pod("shop", label_selector=selector).items
    return sorted(p.metadata.name for p in items)


def json_delivered(path: Path) -> Delivered:
    got: Delivered = {}
    text = path.read_text() if path.exists() else ""
    for raw in text.splitlines(keepends=True):
        if not raw.endswith("\n"):
            break  # a line still being written
        row = json.loads(raw)
        got.setdefault((row["pod"], row["container"]), []).append(
            (row["instance"], row.get("line", ""), "event" in row))
    return got


def start(sim: SimCluster, out: Path, err: Path, *args: str) -> subprocess.Popen[bytes]:
    # Ctrl-C as a terminal delivers it: a suite started in the background by a shell without job control
    # inherits SIGINT ignored, and Python keeps an ignored SIGINT ignored (no KeyboardInterrupt at all)
    return subprocess.Popen([str(MESHTUI), "logs", *args], stdout=out.open("wb"), stderr=err.open("wb"),
                            env={**os.environ, **env_for(sim)},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


@pytest.mark.parametrize("drop_after", CUTS)
def test_follow_exactly_once_under_faults_then_sigterm_flushes(sim_factory: SimFactory, tmp_path: Path,
                                                                 drop_after: int) -> None:
    sim = sim_factory()
    out, err = tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    proc = start(sim, out, err, "-n", "shop", "-l", "app=catalog", "-c", "^catalog$", "--tail=-1", "--json")
    try:
        wait(lambda: len(json_delivered(out)) == 3, 60, "the three catalog pods' first lines")
        scenario = scenario_for(drop_after)
        got = scenario.run(sim, lambda: json_delivered(out))
        scenario.check(got)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    assert proc.returncode == 143
    notices = [json.loads(line) for line in err.read_text().splitlines()]
    reconnects = [n for n in notices if n["notice"] == "reconnected"]
    assert reconnects and all(n["seconds"] >= 0 and n["attempts"] >= 1 for n in reconnects)
    assert sum(1 for n in reconnects if n.get("since")) > len(reconnects) / 2  # resumed from a line, not the start
    assert {n["notice"] for n in notices} >= {"reconnected", "ended"} and "gap" not in {n["notice"] for n in notices}
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    marker = next(r for r in rows if "event" in r)
    assert marker["event"] == "restarted" and marker["instance"] == 1 and marker["pod"] == scenario.pods[0]


def test_ctrl_c_writes_what_was_received_and_exits_130(sim: SimCluster, tmp_path: Path) -> None:
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    pod = pods_of(sim, "app=orders")[0]
    proc = start(sim, out, err, "-n", "shop", f"pod/{pod}", "-c", "orders", "--tail", "1")
    try:
        wait(lambda: out.read_text().count("\n") == 1, 30, "the last line written before (following now)")
        post(sim, "/_sim/log", {"namespace": "shop", "pod": pod, "container": "orders", "lines": ["first"]})
        wait(lambda: "first" in out.read_text(), 30, "the first line")
        post(sim, "/_sim/log", {"namespace": "shop", "pod": pod, "container": "orders",
                                "lines": [f"burst {i}" for i in range(2000)]})
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    assert proc.returncode == 130, err.read_text()
    lines = out.read_text().splitlines()[1:]
    assert lines[0] == f"{pod} orders first"
    assert [line.split(" ", 2)[2] for line in lines[1:]] == [f"burst {i}" for i in range(len(lines) - 1)]


def _rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 1 << 30  # gone: stop waiting
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)


@pytest.mark.parametrize("rss_mb", [16, 22, 30, 40])
def test_ctrl_c_during_start_up_is_a_clean_130(sim: SimCluster, tmp_path: Path, rss_mb: int) -> None:
    """Ctrl-C while the command is still importing its modules (start-up, measured by how much memory the
    process has taken so far) is one line and 130, never a KeyboardInterrupt traceback."""
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    proc = start(sim, out, err, "-n", "shop", "-l", "app=catalog", "--json", "--tail=-1")
    try:
        wait(lambda: _rss_kb(proc.pid) >= rss_mb * 1024, 60, f"the start-up to reach {rss_mb} MB")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    assert "Traceback" not in err.read_text() and "KeyboardInterrupt" not in err.read_text(), err.read_text()
    assert proc.returncode == 130, (proc.returncode, err.read_text())


def test_no_follow_is_complete_despite_cuts_and_errors(sim_factory: SimFactory) -> None:
    sim = sim_factory()
    pods = pods_of(sim, "app=catalog")
    for pod in pods:
        post(sim, "/_sim/log", {"namespace": "shop", "pod": pod, "container": "catalog",
                                "lines": [f"{pod} line {i}" for i in range(200)]})
    sim.set_faults(drop_log_streams_after=7, api_error_rate=0.2)
    result = run_cli("logs", "-n", "shop", "-l", "app=catalog", "-c", "^catalog$", "--tail=-1", "--no-follow",
                     "--json", env=env_for(sim))
    sim.set_faults(drop_log_streams_after=0, api_error_rate=0)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    for pod in pods:
        assert [r["line"] for r in rows if r["pod"] == pod] == node_log(sim, pod, "catalog")[0]
    notices = [json.loads(line) for line in result.stderr.splitlines()]
    assert notices and {n["notice"] for n in notices} == {"reconnected"}  # as a follow says it: one per reconnect
    assert all(n["attempts"] >= 1 and n["seconds"] >= 0 for n in notices)


def test_no_follow_tail_is_the_last_n_lines_when_asked_despite_cuts(sim_factory: SimFactory, tmp_path: Path) -> None:
    """`--tail N --no-follow` resumed after cuts gives the N lines there were, as kubectl, not N plus
    the lines written while it was resuming."""
    sim = sim_factory()
    pod = pods_of(sim, "app=catalog")[0]
    post(sim, "/_sim/log", {"namespace": "shop", "pod": pod, "container": "catalog",
                            "lines": [f"old {i}" for i in range(200)]})
    sim.set_faults(drop_log_streams_after=7, api_error_rate=0.2)
    out, err = tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    proc = start(sim, out, err, "-n", "shop", f"pod/{pod}", "-c", "catalog", "--tail", "50", "--no-follow", "--json")
    try:
        for i in range(3000):  # lines keep coming while it reads (bounded)
            if proc.poll() is not None:
                break
            post(sim, "/_sim/log", {"namespace": "shop", "pod": pod, "container": "catalog", "lines": [f"new {i}"]})
        proc.wait(60)
    finally:
        sim.set_faults(drop_log_streams_after=0, api_error_rate=0)
    assert proc.returncode == 0, err.read_text()
    got = [json.loads(line)["line"] for line in out.read_text().splitlines()]
    assert len(got) == 50, (len(got), got[:3], got[-3:])
    log = node_log(sim, pod, "catalog")[0]
    start_at = log.index(got[0])
    assert got == log[start_at:start_at + 50]  # consecutive: nothing skipped or repeated


def test_plain_no_follow_fast_path_is_complete_despite_cuts_and_errors(sim_factory: SimFactory) -> None:
    """The unstamped whole-log read: cut, it goes on stamped and skips what it already wrote."""
    sim = sim_factory()
    pods = pods_of(sim, "app=ratings")
    for pod in pods:
        post(sim, "/_sim/log", {"namespace": "shop", "pod": pod, "container": "ratings",
                                "lines": [f"{pod} line {i}" for i in range(120)]})
    sim.set_faults(drop_log_streams_after=13, api_error_rate=0.2)
    result = run_cli("logs", "-n", "shop", "-l", "app=ratings", "-c", "^ratings$", "--no-follow", env=env_for(sim))
    sim.set_faults(drop_log_streams_after=0, api_error_rate=0)
    assert result.returncode == 0, result.stderr
    for pod in pods:
        got = [line.split(" ", 2)[2] for line in result.stdout.splitlines() if line.startswith(f"{pod} ")]
        assert got == node_log(sim, pod, "ratings")[0]
    assert "reconnected after" in result.stderr  # the cuts happened and were noticed, as in a follow


def test_a_gap_is_reported_and_the_exit_code_says_so(sim: SimCluster, tmp_path: Path) -> None:
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    pod = pods_of(sim, "app=ratings,version=v1")[0]
    proc = start(sim, out, err, "-n", "shop", f"pod/{pod}", "-c", "ratings", "--tail", "1")
    try:
        wait(lambda: out.read_text().count("\n") == 1, 30, "the last line written before (following now)")
        post(sim, "/_sim/log", {"namespace": "shop", "pod": pod, "container": "ratings", "lines": ["kept 0"]})
        wait(lambda: "kept 0" in out.read_text(), 30, "the first line")
        sim.set_faults(api_error_rate=1.0, drop_log_streams_after=1)
        post(sim, "/_sim/log", {"namespace": "shop", "pod": pod, "container": "ratings",
                                "lines": [f"lost {i}" for i in range(30)]})
        post(sim, "/_sim/rotate", {"namespace": "shop", "pod": pod, "container": "ratings", "keep": 5})
        sim.set_faults(api_error_rate=0, drop_log_streams_after=0)
        wait(lambda: "LINES LOST" in err.read_text(), 30, "the gap notice")
        client.CoreV1Api(api_client(sim)).delete_namespaced_pod(pod, "shop")
        proc.wait(30)  # pod/NAME: the command ends once the pod is gone and its log read
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1
    body = [line.split(" ", 2)[2] for line in out.read_text().splitlines()[1:]]
    assert body == ["kept 0"] + [f"lost {i}" for i in range(25, 30)]
    assert "some lines were not delivered" in err.read_text()


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
    assert len(rows) == 3 and {"namespace", "pod", "container", "version", "instance", "ts", "line"} <= set(rows[0])
    assert rows[-1]["version"] == "v1" and rows[-1]["fields"]["service"] == "catalog" and rows[-1]["instance"] == 0


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
    hostile = ["\x1b]52;c;ZXZpbA==\x07osc52", "\x1b[2Jclear", "tab\there", "c1\u009bx", "bidi \u202eevil"]
    sim.push_log("shop", pod, "orders", hostile)
    piped = run_cli("logs", "-n", "shop", f"pod/{pod}", "-c", "orders", "--tail", "5", "--no-follow", env=env_for(sim))
    assert [line.split(" ", 2)[2] for line in piped.stdout.splitlines()] == hostile  # a pipe gets the exact bytes
    for args in ([], ["-i", "."]):  # the byte fast path and the line path
        text = on_a_terminal(sim, "-n", "shop", f"pod/{pod}", "-c", "orders", "--tail", "5", "--no-follow", *args)
        assert "\x1b" not in text and "\x07" not in text and "\u009b" not in text and "\u202e" not in text
        assert "␛]52;c;ZXZpbA==␇osc52" in text and "␛[2Jclear" in text and "\\x9bx" in text and "\\u202e" in text


def on_a_terminal(sim: SimCluster, *args: str) -> str:
    leader, follower = pty.openpty()
    proc = subprocess.Popen([str(MESHTUI), "logs", *args], stdout=follower, stderr=subprocess.PIPE,
                            env={**os.environ, **env_for(sim), "NO_COLOR": "1"})
    os.close(follower)
    output = b""
    deadline = time.monotonic() + 30
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
    return output.decode("utf-8", "replace")


def test_a_pattern_that_starts_with_a_dash_is_a_value(sim: SimCluster) -> None:
    pod = pods_of(sim, "app=catalog")[0]
    post(sim, "/_sim/log", {"namespace": "shop", "pod": pod, "container": "catalog",
                            "lines": ["keep me", "drop -debug me", "keep me too"]})
    result = run_cli("logs", "-n", "shop", f"pod/{pod}", "-c", "catalog", "-e", "-debug", "-i", "keep",
                     "--no-follow", env=env_for(sim))
    assert result.returncode == 0, result.stderr
    assert "keep me" in result.stdout and "keep me too" in result.stdout and "-debug" not in result.stdout


def test_bad_input_is_exit_2_and_missing_targets_exit_1(sim: SimCluster) -> None:
    for args, message in ((["-n", "shop", "-A"], "-n and -A cannot be used together"),
                          (["--since", "ages"], "not a duration"),
                          (["-c", "("], "bad container regex"),
                          (["cat["], "bad pod regex 'cat['"),
                          (["a", "b"], "one pod query at a time"),
                          (["--where", "level>>warn"], "one operator"),
                          (["--where", "level>=loud"], "unknown level"),
                          (["--buffer", "5"], "--buffer must be 100 to 1,000,000 lines (got 5)"),
                          (["--tail", "-5"], "--tail must be -1 (all lines) or 0 to 1,000,000,000 lines (got -5)"),
                          (["--since", ""], "not a duration: ''"),
                          (["--since=-5m"], "not a duration: '-5m'"),
                          (["--since", "-5m"], "not a duration: '-5m'"),  # not argparse's "expected one argument"
                          (["--where", "status=abc"], "status must be an HTTP status 100-599"),
                          (["--where", "status=999"], "status must be an HTTP status 100-599"),
                          (["--where", "duration>abc"], "duration must be a number of milliseconds"),
                          (["-n", "shop", "-l", "app=("], "bad label selector 'app=('"),
                          (["-n", "shop", "-l", "!!!"], "bad label selector '!!!'")):
        result = run_cli("logs", *args, "--no-follow", env=env_for(sim))
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr and message in result.stderr, (args, result.stderr)
    for target, what in (("pod/nope", "pod 'nope'"), ("deploy/nope", "deployment 'nope'")):
        for follow in ([], ["--no-follow"]):
            result = run_cli("logs", "-n", "shop", target, *follow, env=env_for(sim), timeout=60)
            assert result.returncode == 1, (target, follow, result.stderr)
            assert f"{what} not found in namespace shop" in result.stderr
    for namespace in ("nosuch", "NoSuch"):  # a typo is a failure in a script, as with kubectl
        for follow in ([], ["--no-follow"]):
            result = run_cli("logs", "-n", namespace, *follow, env=env_for(sim), timeout=60)
            assert result.returncode == 1, (namespace, follow, result.stderr)
            assert f"namespace {namespace} not found" in result.stderr and "Traceback" not in result.stderr
    result = run_cli("logs", "-n", "shop", "-l", "app=nothing-here", "--no-follow", env=env_for(sim))
    assert result.returncode == 0 and "no running containers match" in result.stderr  # a query, not a typo
    result = run_cli("logs", "-n", "shop", "-l", "app=nothing-here", "--no-follow", "--json", env=env_for(sim))
    notice = json.loads(result.stderr)  # --json: stderr is JSON too
    assert notice["notice"] == "nothing matched" and "no running containers match" in notice["message"]


def test_first_api_call_is_retried_then_gives_up_loudly(sim: SimCluster) -> None:
    sim.set_faults(api_error_rate=1.0)
    try:
        result = run_cli("logs", "-n", "shop", "deploy/ratings-v1", "--no-follow", env=env_for(sim), timeout=120)
    finally:
        sim.set_faults(api_error_rate=0)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "gave up after 8 failed attempts" in result.stderr, result.stderr


def test_unreachable_cluster_is_a_notice(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kc"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\ncurrent-context: gone\nclusters:\n- name: gone\n  cluster:\n"
                          "    server: http://127.0.0.1:9\nusers:\n- name: u\n  user: {}\ncontexts:\n- name: gone\n"
                          "  context: {cluster: gone, user: u}\n")
    result = run_cli("logs", "--no-follow", "--kubeconfig", str(kubeconfig))
    assert result.returncode == 1
    assert "cannot reach the API server" in result.stderr and "Traceback" not in result.stderr


def test_help_states_the_retry_limits() -> None:
    result = run_cli("logs", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "a follow never gives up" in text and "give up after 8 failed attempts in a row" in text
