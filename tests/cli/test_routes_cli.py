"""`meshtui routes` through the real entry point: every bad input its own message and exit 2, the guard
before any request, questions on a terminal (a real pty) and never a hang off one, hostile text inert."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import time
from pathlib import Path

from kubernetes import client

from tests.conftest import MESHTUI, SimCluster, api_client, run_cli

GROUP, VERSION = "networking.istio.io", "v1"

# (argv after `routes`, what the message must say) for each invalid input the issue lists, and more.
INVALID = [
    (["breaker", "ratings", "--max-connections", "-1"], "--max-connections '-1': must be at least 1"),
    (["breaker", "ratings", "--interval", "5"], "--interval '5': not a duration: a number needs a unit"),
    (["breaker", "ratings", "--ejection-time", "500us"], "--ejection-time '500us': must be at least 1ms"),
    (["breaker", "ratings", "--max-ejection-percent", "101"], "--max-ejection-percent '101': must be at most 100"),
    (["breaker", "ratings", "--consecutive-errors", "x"], "--consecutive-errors 'x': not a whole number"),
    (["fault", "catalog", "--delay", "2"], "--delay '2': not a duration: a number needs a unit"),
    (["fault", "catalog", "--delay", "1.5ms"], "--delay '1.5ms': must be a whole number of milliseconds"),
    (["fault", "catalog", "--abort", "999"], "--abort '999': an HTTP status must be within 200-599"),
    (["fault", "catalog", "--abort", "abc"], "--abort 'abc': not an HTTP status code"),
    (["fault", "catalog", "--abort", "503", "--percent", "150"], "--percent '150': a percentage must be within 0-100"),
    (["fault", "catalog", "--abort", "503", "--subset", "v2"], "--subset 'v2': no rule sends all its traffic to v2"),
    (["timeout", "catalog", "abc"], "DURATION 'abc': not a duration"),
    (["timeout", "catalog", "--per-try", "1s"], "a per-try timeout or retryOn needs retries"),
    (["timeout", "catalog", "2s", "--retries", "-1"], "--retries '-1': must be at least 0"),
    (["timeout", "catalog", "2s", "--retries", "2", "--retry-on", "often"], "--retry-on 'often': not a retryOn"),
    (["timeout", "catalog"], "nothing to change"),
    (["shift", "catalog", "v3", "--from", "v9"], "--from 'v9': no subset v9 in catalog"),
    (["shift", "catalog", "v9"], "SUBSET 'v9': no subset v9 in catalog"),
    (["shift", "catalog", "v2", "--by", "ten"], "--by 'ten': not a whole number"),
    (["set", "catalog", "v1=50", "v2=40"], "the weights sum to 90, not 100"),
    (["set", "catalog", "v1=50", "v9=50"], "SUBSET=WEIGHT 'v9': no subset v9 in catalog"),
    (["set", "catalog", "v1=-5", "v2=105"], "SUBSET=WEIGHT 'v1=-5': must be at least 0"),
    (["set", "catalog", "v1=-5", "v2=105"], "SUBSET=WEIGHT 'v2=105': must be at most 100"),
    (["set", "catalog", "v1"], "SUBSET=WEIGHT 'v1': not SUBSET=WEIGHT"),
    (["match", "catalog", "--header", "end-user", "--to", "v2"], "--header 'end-user': not K=V"),
    (["match", "catalog", "--header", "bad name=x", "--to", "v2"], "--header 'bad name': not an HTTP header name"),
    (["match", "catalog", "--header", "end-user=x", "--to", "v9"], "--to 'v9': no subset v9 in catalog"),
    (["mirror", "catalog", "--to", "v2", "--percent", "-3"], "--percent '-3': a percentage must be within 0-100"),
    (["preset", "catalog", "rainbow"], "PRESET 'rainbow': not a preset"),
    # empty values are errors, never "not given" (finding 7)
    (["breaker", "ratings", "--max-connections", ""], "--max-connections '': empty value"),
    (["fault", "catalog", "--abort", "503", "--percent", ""], "--percent '': empty value"),
    (["fault", "catalog", "--abort", "503", "--subset", ""], "--subset '': empty value"),
    (["shift", "catalog", "v2", "--by", ""], "--by '': empty value"),
    (["timeout", "catalog", "2s", "--retries", "2", "--retry-on", ""], "--retry-on '': empty value"),
    # negative durations get the field's message, not argparse's (finding 15)
    (["timeout", "catalog", "-1s"], "DURATION '-1s': must be at least 1ms"),
    (["breaker", "ratings", "--interval", "-1s"], "--interval '-1s': must be at least 1ms"),
    (["fault", "catalog", "--delay", "-1s"], "--delay '-1s': must be at least 1ms"),
    # numbers of any length get a range message; only ASCII digits are numbers (finding 22)
    (["set", "catalog", "v1=99999999999999999999999"],
     "SUBSET=WEIGHT 'v1=99999999999999999999999': must be at most 100"),
    # plain numbers: no '+' sign, no '%' after a percentage (review-routes2 #9)
    (["fault", "catalog", "--abort", "+503"], "--abort '+503': no '+' sign: give the plain number; write 503"),
    (["fault", "catalog", "--abort", "503", "--percent", "5%"], "--percent '5%': no '%' sign"),
    (["shift", "catalog", "v2", "--by", "+10"], "--by '+10': no '+' sign"),
    (["set", "catalog", "v1=+90", "v2=10"], "SUBSET=WEIGHT 'v1=+90': no '+' sign"),
    (["breaker", "ratings", "--max-connections", "99999999999999"], "must be at most 2147483647"),
    (["fault", "catalog", "--abort", "٥٠٣"], "--abort '٥٠٣': not an HTTP status code"),
    (["preset", "orders", "flip"], "PRESET 'flip': flip needs exactly two subsets"),
    # presets take a canary, matches can be removed (findings 11, 12)
    (["preset", "catalog", "canary", "--to", "v1"], "--to 'v1': v1 is the stable subset"),
    (["match", "catalog", "--header", "end-user=nobody", "--remove"], "no rule of catalog matches exactly "
                                                                     "end-user=nobody"),
]


def env(sim: SimCluster) -> dict[str, str]:
    return {"KUBECONFIG": str(sim.kubeconfig)}


def routes_state(sim: SimCluster) -> dict:
    api = client.CustomObjectsApi(api_client(sim))
    return {plural: sorted((o["metadata"]["name"], json.dumps(o["spec"], sort_keys=True))
                           for o in api.list_namespaced_custom_object(GROUP, VERSION, "shop", plural)["items"])
            for plural in ("virtualservices", "destinationrules")}


def test_every_invalid_input_gets_its_own_message_and_exit_2(sim: SimCluster) -> None:
    before = routes_state(sim)
    for argv, message in INVALID:
        result = run_cli("routes", *argv, env=env(sim), input="")
        assert result.returncode == 2, (argv, result.stderr)
        assert message in result.stderr, (argv, result.stderr)
        assert "nothing was written" in result.stderr, (argv, result.stderr)
        assert "lists the subsets" not in result.stderr and "Traceback" not in result.stderr, argv
        assert len(result.stderr.strip().splitlines()) <= 2, (argv, result.stderr)
    assert routes_state(sim) == before


def kubeconfig(path: Path, server: str, context: str = "prod") -> str:
    path.write_text(f"apiVersion: v1\nkind: Config\ncurrent-context: {context}\nclusters:\n- name: c\n  cluster:\n"
                    f"    server: {server}\nusers:\n- name: u\n  user: {{token: t}}\ncontexts:\n- name: {context}\n"
                    "  context: {cluster: c, user: u, namespace: shop}\n")
    return str(path)


def test_bad_input_and_the_guard_are_decided_before_any_request(tmp_path: Path) -> None:
    unreachable = kubeconfig(tmp_path / "remote", "https://203.0.113.10:6443")  # TEST-NET-3: nothing answers
    for argv in (["set", "catalog", "v1=90", "v2=10"], ["breaker", "catalog"], ["undo", "catalog"],
                 ["reset", "catalog", "--yes"], ["cleanup", "--yes"], ["fault", "catalog", "--clear"]):
        result = run_cli("routes", *argv, "--kubeconfig", unreachable, input="", timeout=60)
        assert result.returncode == 3, (argv, result.stderr)
        assert "cannot reach" not in result.stderr and "refused" in result.stderr, argv
    bad = run_cli("routes", "fault", "catalog", "--delay", "2", "--kubeconfig", unreachable, input="")
    assert bad.returncode == 2 and "--delay '2'" in bad.stderr


def on_terminal(argv: list[str], environment: dict[str, str], answer: str | None, timeout: float = 60) -> tuple[int, str]:
    """Run meshtui with stdin/stdout/stderr on a pty; type `answer` at the first [y/N]."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([str(MESHTUI), *argv], stdin=follower, stdout=follower, stderr=follower,
                            env={**os.environ, **environment, "NO_COLOR": "1"}, start_new_session=True)
    os.close(follower)
    output, answered = b"", answer is None
    deadline = time.monotonic() + timeout
    try:
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
                if not answered and b"[y/N]" in output:
                    os.write(leader, (answer or "").encode() + b"\r")
                    answered = True
            elif proc.poll() is not None:
                break
        else:
            raise AssertionError(f"no end within {timeout}s: {output[-500:]!r}")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        os.close(leader)
    return proc.returncode, output.decode("utf-8", "replace")


def test_writes_ask_on_a_terminal_and_never_wait_off_one(sim: SimCluster) -> None:
    before = routes_state(sim)
    code, text = on_terminal(["routes", "set", "catalog", "v1=90", "v2=10"], env(sim), "n")
    assert code == 1 and "+    weight: 10" in text and "apply this to catalog? [y/N]" in text
    assert "nothing written" in text and routes_state(sim) == before
    code, text = on_terminal(["routes", "set", "catalog", "v1=90", "v2=10"], env(sim), "y")
    assert code == 0 and "applied" in text and routes_state(sim) != before
    code, text = on_terminal(["routes", "set", "catalog", "v1=80", "v2=20", "--yes"], env(sim), None)
    assert code == 0 and "[y/N]" not in text
    code, text = on_terminal(["routes", "undo", "catalog"], env(sim), "n")
    assert code == 1 and "undo meshtui's last change to catalog? [y/N]" in text and "nothing restored" in text
    code, text = on_terminal(["routes", "reset", "catalog"], env(sim), "y")
    assert code == 0 and "reset: do the above? [y/N]" in text and routes_state(sim) == before
    piped = run_cli("routes", "shift", "catalog", "v2", env=env(sim), input="", timeout=60)  # stdin at EOF
    assert piped.returncode == 0 and "[y/N]" not in piped.stderr


def test_cluster_text_is_inert_in_human_output_and_exact_in_json(sim: SimCluster) -> None:
    hostile = "\x1b]0;pwned\x07tester"
    api = client.CustomObjectsApi(api_client(sim))
    obj = api.get_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices", "catalog")
    obj["spec"]["http"].insert(0, {"name": "hostile", "match": [{"headers": {"end-user": {"exact": hostile}}}],
                                   "route": [{"destination": {"host": "catalog", "subset": "v2"}}]})
    api.replace_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices", "catalog", obj)
    shown = run_cli("routes", "show", "catalog", env=env(sim))
    assert shown.returncode == 0 and "\x1b" not in shown.stdout and "\x07" not in shown.stdout
    assert "end-user=␛]0;pwned␇tester" in shown.stdout
    exact = json.loads(run_cli("routes", "show", "catalog", "--json", env=env(sim)).stdout)
    assert exact["specs"]["virtual_service"]["http"][0]["match"][0]["headers"]["end-user"]["exact"] == hostile
    changed = run_cli("routes", "set", "catalog", "v1=50", "v2=50", env=env(sim), input="")
    assert changed.returncode == 0 and "\x1b" not in changed.stdout + changed.stderr


def test_json_output_of_a_change_is_one_document(sim: SimCluster) -> None:
    result = run_cli("routes", "breaker", "catalog", "--max-connections", "50", "--json", env=env(sim))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["written"] and data["changed"] and data["defaults"]["consecutive_errors"] == 5
    assert "maxConnections: 50" in data["diff"]
