"""The Logs panel's status line says when its query's regex was too slow on some lines (they count as not matching)."""

from __future__ import annotations

from kubernetes import client
from textual.theme import BUILTIN_THEMES

from meshtui.services.log_model import StreamSummary
from meshtui.ui.panels.logs_status import StatusFacts, status_text
from tests.conftest import SimCluster, api_client
from tests.services.log_oracle import post
from tests.ui.helpers import make_app
from tests.ui.test_logs_panel import logs_ready, wait_for

NOTE = "regex too slow: 2 lines took over 0.05 s each and count as not matching; simplify it"


def test_the_status_line_words_the_note() -> None:
    facts = StatusFacts(True, False, 10, 10, 100, 0, 0, False, [], "-i x", StreamSummary(slow_regex=NOTE))
    assert f"● following  ⚠ {NOTE}  streams:" in status_text(facts, BUILTIN_THEMES["textual-dark"]).plain
    facts.summary = StreamSummary()
    assert "regex" not in status_text(facts, BUILTIN_THEMES["textual-dark"]).plain


async def test_lines_a_slow_regex_left_out_are_said_in_the_status_line(sim: SimCluster) -> None:
    pod = client.CoreV1Api(api_client(sim)).list_namespaced_pod("shop", label_selector="app=orders").items[0]
    name = pod.metadata.name
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(200, 45)) as pilot:
        panel = await logs_ready(pilot, app, f"-n shop pod/{name} -c orders --tail 0 -i '(a|a)*$'")
        status = panel.query_one("#log-status")
        await wait_for(pilot, lambda: "streams: 1 following" in str(status.render()), what="the tail")
        assert "regex too slow" not in str(status.render())
        post(sim, "/_sim/log", {"namespace": "shop", "pod": name, "container": "orders", "lines": ["a" * 40 + "!"] * 2})
        await wait_for(pilot, lambda: f"⚠ {NOTE}" in str(status.render()), what="the note in the status line")
