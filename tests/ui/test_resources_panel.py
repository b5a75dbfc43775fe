"""Resources: Enter on a node shows that node's pods (Esc: all of them again); Enter on a pod opens its
logs; the title never claims more pods than there are."""

from __future__ import annotations

from textual.widgets import Input, TabbedContent

from meshtui.config.settings import UserSettings
from meshtui.sim import SimCluster
from tests.ui.helpers import make_app, wait_for


async def test_enter_drills_into_a_node_and_opens_a_pods_logs(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(pilot, lambda: app.session is not None, what="session")
        await pilot.press("3")
        resources = app.panel("resources")
        await wait_for(pilot, lambda: resources.snapshot is not None and len(resources.snapshot.pods) > 10,
                       timeout=30, what="a sample with pods")
        total = len(resources.snapshot.pods)
        title = str(resources.query_one("#pods-title").render())
        assert f"top 25 of {total} containers" in title if total > 25 else f"all {total} containers" in title
        nodes = resources.query_one("#node-metrics")
        nodes.focus()
        await pilot.press("down", "enter")
        node = nodes.selected_key()
        assert resources.node_filter == node and node is not None
        pods = resources.query_one("#pod-usage")
        shown = {key for key in pods.keys}
        assert shown and all(p.node == node for p in resources.snapshot.pods if p.key in shown)
        assert f"Pods on {node}" in str(resources.query_one("#pods-title").render())
        await pilot.press("escape")
        assert resources.node_filter is None
        pods.focus()
        key = pods.selected_key()
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.query_one(TabbedContent).active == "logs", what="the logs panel")
        namespace, pod, container = key.split("/", 2)
        assert app.query_one("#log-query", Input).value == f"-n {namespace} pod/{pod} -c ^{container}$"


async def test_at_160x45_every_column_of_resources_and_the_doctor_is_on_screen(sim: SimCluster) -> None:
    from tests.ui.helpers import screen_text

    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(pilot, lambda: app.session is not None, what="session")
        await pilot.press("3")
        resources = app.panel("resources")
        await wait_for(pilot, lambda: resources.snapshot is not None and resources.snapshot.pods, timeout=30,
                       what="a sample")
        screen = screen_text(app)
        header = next(line for line in screen.splitlines() if "NAMESPACE/POD" in line)
        for column in ("CONTAINER", "CPU", "%REQ", "%LIM", "MEMORY", "CPU, LAST 10 MIN"):
            assert column in header, header
        assert header.count("%LIM") == 2 and header.count("%REQ") == 2
        nodes = next(line for line in screen.splitlines() if "MEM%" in line)
        assert "MEMORY" in nodes
        await pilot.press("5")
        setup = app.panel("setup")
        await wait_for(pilot, lambda: len(setup.checks) > 5, timeout=60, what="doctor checks")
        checks = setup.query_one("#checks")
        screens = []
        checks.scroll_home(animate=False)
        for _ in range(30):  # the doctor table scrolls; read every part of it
            await pilot.pause()
            screens.append(screen_text(app))
            if checks.scroll_y >= checks.max_scroll_y:
                break
            checks.scroll_down(animate=False)
        screen = "\n".join(screens)
        assert "…" not in screen  # what a cut cell looks like
        for check in setup.checks:
            if check.fix:  # the start and the end of every fix are on screen (wrapped or folded, never cut)
                assert check.fix.split()[0] in screen and check.fix.rstrip()[-4:] in screen, check.fix


async def test_a_hidden_resources_panel_stops_sampling_and_resumes_when_shown(sim: SimCluster) -> None:
    """Sampling every pod while another panel is shown only costs the shown panel (the Overview at scale)."""
    from meshtui.ui.panels.resources import ResourcesPanel

    app = make_app(str(sim.kubeconfig), settings=UserSettings(refresh_seconds=1))
    async with app.run_test(size=(160, 45)) as pilot:
        panel = app.panel("resources", ResourcesPanel)  # hidden panels are mounted just after the first frame
        await pilot.press("3")
        await wait_for(pilot, lambda: panel.samples >= 2, timeout=60, what="two samples while shown")
        await pilot.press("1")
        await wait_for(pilot, lambda: not panel._polling, timeout=30, what="the sample in flight done")
        hidden = panel.samples
        await pilot.pause(panel.interval * 3)  # three intervals with the panel hidden: an absence needs time to pass
        assert panel.samples <= hidden + 1, "the hidden panel kept sampling"
        await pilot.press("3")
        await wait_for(pilot, lambda: panel.samples >= hidden + 2, timeout=60, what="sampling again once shown")
