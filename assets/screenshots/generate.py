"""Regenerate the README screenshots: one SVG per panel and one of a tour step.

    .venv/bin/python assets/screenshots/generate.py [--out DIR]

Starts the simulated cluster in this process (fixed seed), drives the real app with
Textual's Pilot at a pinned size and saves SVGs into assets/screenshots/ (or DIR).
Nothing outside 127.0.0.1 is contacted; your kubeconfig and state are not touched.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZE = (150, 42)


async def _until(pilot, condition, timeout: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause()
        if condition():
            return
        await asyncio.sleep(0.1)
    raise SystemExit(f"screenshots: timed out waiting for {condition}")


async def shoot(out: Path, kubeconfig: str) -> list[Path]:
    from meshtui.config.settings import UserSettings
    from meshtui.ui.app import MeshApp
    from meshtui.wiring import Wiring

    saved: list[Path] = []

    def save(app, name: str) -> None:  # type: ignore[no-untyped-def]
        saved.append(Path(app.save_screenshot(f"{name}.svg", str(out))))

    app = MeshApp(Wiring(kubeconfig=kubeconfig), UserSettings())
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, lambda: app.session is not None and len(app.panel("overview").pods) > 10)
        await _until(pilot, lambda: "ingress 200" in str(app.query_one("#health").render()))
        save(app, "overview")
        await pilot.press("2")
        app.panel("logs").open_query("-n shop storefront --sidecars", None)
        await _until(pilot, lambda: len(app.panel("logs").view.lines) > 20)
        save(app, "logs")
        await pilot.press("3")
        await _until(pilot, lambda: app.panel("resources").samples >= 2)
        save(app, "resources")
        await pilot.press("4")
        traffic = app.panel("traffic")
        await _until(pilot, lambda: bool(getattr(traffic, "hosts", None)))
        traffic.select_host("catalog")
        await _until(pilot, lambda: traffic.draft is not None and traffic.draft.host == "catalog"
                     and traffic.observation is not None and traffic.observation.total > 0)
        save(app, "traffic")
        await pilot.press("5")
        setup = app.panel("setup")
        await _until(pilot, lambda: bool(setup.checks) and setup.plan_profile is not None)
        save(app, "setup")
    tour = MeshApp(Wiring(kubeconfig=kubeconfig), UserSettings(), tour="canary")
    async with tour.run_test(size=SIZE) as pilot:
        await _until(pilot, lambda: tour.tour_run is not None)
        await pilot.press("4")
        await _until(pilot, lambda: tour.tour_run.index >= 1)
        traffic = tour.panel("traffic")
        await _until(pilot, lambda: traffic.draft is not None and traffic.observation is not None
                     and traffic.observation.total > 0)
        save(tour, "tour")
        tour.tour_run.reset()
    return saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="directory for the SVGs (default: next to this script)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(HERE.parent.parent))
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_STATE_HOME"] = os.path.join(tmp, "state")
        os.environ["XDG_CONFIG_HOME"] = os.path.join(tmp, "config")
        from meshtui.sim import SimCluster, SimOptions

        sim = SimCluster(SimOptions(seed=7, rate=25.0, crashes=False), kubeconfig=Path(tmp) / "kubeconfig").start()
        try:
            sim.wait_ready()
            saved = asyncio.run(shoot(args.out, str(sim.kubeconfig)))
        finally:
            sim.stop()
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
