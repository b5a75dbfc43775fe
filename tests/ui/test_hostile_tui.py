"""Every panel keeps hostile cluster, kubeconfig and tour text inert (issue 14, point 2).

The simulated cluster's free-text fields, the kubeconfig's names and a user tour hold `tests.hostile.HOSTILE`
(OSC 0, CSI, bell, C1, bidi override and Textual markup). Visiting every panel, the describe view, help and
the tour drawer, the screen must show none of the raw characters, show the markup as typed (not applied), and
the app must still be running.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.content import Content

from meshtui.sim import SimCluster
from tests.hostile import MARKUP, VISIBLE, hostile_kubeconfig, hostile_tour, leaks, poison
from tests.ui.helpers import make_app, screen_text, wait_for


def shown_notices(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Every notification's title and text as its toast shows them (markup applied when it is markup)."""
    return [f"{n.title}: {Content.from_markup(n.message).plain if n.markup else n.message}"
            for n in app._notifications]


def safe_notices(app, where: str) -> list[str]:  # type: ignore[no-untyped-def]
    notices = shown_notices(app)
    assert not leaks("\n".join(notices)), f"{where}: raw {leaks(chr(10).join(notices))} in a notification:\n{notices}"
    return notices


def safe(app, where: str) -> str:  # type: ignore[no-untyped-def]
    text = screen_text(app)
    assert not leaks(text), f"{where}: raw {leaks(text)} on screen:\n{text}"
    assert app.is_running, f"{where}: the app stopped"
    return text


@pytest.mark.timeout(600)
async def test_every_panel_shows_hostile_text_inert(sim_factory, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    sim: SimCluster = sim_factory()
    used = poison(sim.url)
    hostile_kubeconfig(sim.kubeconfig, tmp_path / "kubeconfig")
    hostile_tour(tmp_path / "config")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    app = make_app(str(tmp_path / "kubeconfig"), tour="hostile")
    async with app.run_test(size=(200, 50)) as pilot:
        overview = app.panel("overview")
        await wait_for(pilot, lambda: len(overview.pods) > 10, timeout=60, what="pods listed")
        await wait_for(pilot, lambda: "mount failed" in screen_text(app), timeout=30, what="the warning event")
        text = safe(app, "Overview with the tour drawer")
        assert "Crash␛]0;PWNED" in text, "the hostile pod's status is not shown (inert) in its row"
        await wait_for(pilot, lambda: any("next: Next" in n for n in shown_notices(app)), timeout=30,
                       what="the tour's next-step notice")
        notice = next(n for n in safe_notices(app, "the tour's next-step notice") if "next: Next" in n)
        assert "next: Next␛]0;PWNED␇" + MARKUP in notice, notice
        event = next(line for line in text.splitlines() if "mount failed" in line)
        assert "mount failed [/var/lib/ku" in event and "Evil␛]0;PWNED␇[bold red]" in event, event  # as typed, inert

        await pilot.press("slash", *used["pod"], "enter")
        await pilot.press("d")
        await wait_for(pilot, lambda: "hostile" in screen_text(app) and used["pod"] in screen_text(app),
                       timeout=30, what="the describe view with the annotation")
        safe(app, "describe view")
        await pilot.press("escape")

        await pilot.press("2")
        await wait_for(pilot, lambda: app.focused is not None, timeout=10)
        await pilot.press("e", "ctrl+u", *"-n shop -l app=catalog", "enter")
        await wait_for(pilot, lambda: "GET /hostile" in screen_text(app), timeout=60, what="the hostile log line")
        text = safe(app, "Logs")
        assert MARKUP in text, "the log line's markup was applied or dropped"
        await wait_for(pilot, lambda: any("finished" in n for n in shown_notices(app)), timeout=30,
                       what="the tour's finished notice")
        notice = next(n for n in safe_notices(app, "the tour's finished notice") if "finished" in n)
        assert "Tour␛]0;PWNED␇" + MARKUP in notice, notice

        await pilot.press("3")
        await wait_for(pilot, lambda: used["node"] in screen_text(app), timeout=60, what="the Resources rows")
        safe(app, "Resources")

        await pilot.press("4")
        traffic = app.panel("traffic")
        await wait_for(pilot, lambda: traffic.draft is not None, timeout=60, what="routes loaded")
        await wait_for(pilot, lambda: "x-user" in screen_text(app), timeout=30, what="the hostile match")
        text = safe(app, "Traffic")
        assert VISIBLE in text

        await pilot.press("5")
        await wait_for(pilot, lambda: bool(app.panel("setup").checks), timeout=60, what="the Setup checks")
        safe(app, "Setup")

        await pilot.press("question_mark")
        await pilot.pause()
        safe(app, "help")
        await pilot.press("escape")
        await pilot.press("1")
        await pilot.pause()
        text = safe(app, "back on the Overview")
        safe_notices(app, "every notice of the visit")
        assert "ctx" in text, "the header does not show the (inert) context name"
