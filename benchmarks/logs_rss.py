"""Memory over a long session: `meshtui demo --rate 50` with the Logs panel following all pods.

The app runs headless in this process, as `meshtui demo` runs it (the simulated cluster
in-process, 50 requests/s, crashes on), the Logs panel on `-A` (every pod of every
namespace; sidecars hidden as by default). RSS is sampled every `--sample` seconds.
Reported: RSS at the first sample, after the warm-up (the view's 20,000-line buffer and
the simulated nodes' per-container logs fill in the first minutes, by design), at the
end; the growth from each; and the slope over the second half, in MB per hour.
Goal (issue 17): growth over one hour < 20 MB.

Run: .venv/bin/python -m benchmarks.logs_rss [--seconds 3600] [--rate 50] [--sample 30] [--warmup 300]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import psutil

from benchmarks.common import ROOT, report


def slope_mb_per_hour(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of RSS (MB) over time (h)."""
    if len(samples) < 3:
        return 0.0
    xs = [t / 3600 for t, _ in samples]
    ys = [rss for _, rss in samples]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else 0.0


async def run(seconds: float, rate: float, sample: float, warmup: float) -> dict:
    from meshtui.config.settings import UserSettings
    from meshtui.sim import SimOptions
    from meshtui.ui.app import MeshApp
    from meshtui.wiring import Wiring

    options = SimOptions(seed=None, rate=rate, metrics=True, mesh=True, workers=2, crashes=True)
    app = MeshApp(Wiring(), UserSettings(), demo=True, demo_options=asdict(options))
    process = psutil.Process()
    samples: list[tuple[float, float]] = []
    rows: list[dict] = []
    async with app.run_test(size=(160, 45)) as pilot:
        while app.session is None:
            await pilot.pause(0.1)
        await pilot.press("2")
        panel = app.panel("logs")
        panel.open_query("-A", None)
        while panel.summary is None or not panel.summary.following:
            await pilot.pause(0.1)
        started = time.monotonic()
        next_sample = started
        while time.monotonic() - started < seconds:
            await pilot.pause(1.0)
            now = time.monotonic()
            if now >= next_sample:
                rss = process.memory_info().rss / 1e6
                elapsed = now - started
                samples.append((elapsed, rss))
                summary = panel.summary
                rows.append({"t": round(elapsed), "rss_mb": round(rss, 1), "received": panel.received,
                             "kept": len(panel.view.lines), "evicted": panel.view.evicted,
                             "streams": summary.following if summary else 0,
                             "reconnects": summary.reconnects if summary else 0, "gaps": summary.gaps if summary else 0})
                print(rows[-1], flush=True)
                next_sample += sample
    first = samples[0][1]
    after_warmup = next((rss for t, rss in samples if t >= warmup), samples[-1][1])
    second_half = [(t, rss) for t, rss in samples if t >= seconds / 2]
    return {
        "duration s": round(samples[-1][0]), "rate": rate, "lines received": rows[-1]["received"],
        "lines kept / evicted": [rows[-1]["kept"], rows[-1]["evicted"]], "gaps": rows[-1]["gaps"],
        "RSS MB first / after warm-up / end": [round(first, 1), round(after_warmup, 1), round(samples[-1][1], 1)],
        "growth MB from first sample": round(samples[-1][1] - first, 1),
        f"growth MB after a {warmup:.0f} s warm-up": round(samples[-1][1] - after_warmup, 1),
        "slope over the second half (MB/h)": round(slope_mb_per_hour(second_half), 1),
        "goal": "growth over one hour < 20 MB", "samples": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=3600)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--sample", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=300)
    args = parser.parse_args()
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            check=False).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("XDG_STATE_HOME", "XDG_CONFIG_HOME"):
            os.environ[name] = str(Path(tmp) / name.lower())
        os.environ["KUBECONFIG"] = str(Path(tmp) / "kubeconfig")
        data = asyncio.run(run(args.seconds, args.rate, args.sample, args.warmup))
    data["commit"] = commit
    report("logs_rss", data)


if __name__ == "__main__":
    main()
