"""Helpers for Pilot tests: build the app the way the CLI does, and wait for conditions."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from meshtui.config.settings import UserSettings
from meshtui.ui.app import MeshApp
from meshtui.wiring import Wiring


def make_app(kubeconfig: str | None, *, read_only: bool = False, allow_remote: bool = False,
             settings: UserSettings | None = None, **kwargs: object) -> MeshApp:
    wiring = Wiring(kubeconfig=kubeconfig, read_only=read_only, allow_remote=allow_remote)
    return MeshApp(wiring, settings or UserSettings(), **kwargs)  # type: ignore[arg-type]


async def wait_for(pilot, condition: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause()
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what or condition}")


def notifications(app: MeshApp) -> list[str]:
    return [n.message for n in app._notifications]


def screen_text(app: MeshApp) -> str:
    """What the terminal shows now, as plain text lines (from Textual's own screenshot)."""
    import html
    import re

    rows: dict[float, list[tuple[float, str]]] = {}
    for match in re.finditer(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>',
                             app.export_screenshot()):
        rows.setdefault(float(match.group(2)), []).append((float(match.group(1)), html.unescape(match.group(3))))
    return "\n".join("".join(text for _x, text in sorted(row)).replace("\xa0", " ") for _y, row in sorted(rows.items()))
