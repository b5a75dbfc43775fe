"""Open the TUI: `meshtui` (current kube context) and `meshtui demo` (the simulated cluster).

The only module outside `meshtui.ui` that imports it, and only when the TUI opens.
"""

from __future__ import annotations

import argparse

from meshtui.cli.context import CliContext


def open_app(ctx: CliContext, *, demo: bool = False, start_panel: str | None = None,
             demo_options: dict | None = None, tour: str | None = None) -> int:
    import gc

    # Textual and the app's modules (~0.5 s of imports) live as long as the process: no collector pass
    # during their import, then they leave its full passes for good (first frame ratio 2.6 -> 2.45).
    # The same rule as `adapters.imports.collector_paused`, which this layer may not import.
    enabled = gc.isenabled()
    gc.disable()
    try:
        from meshtui.config import paths
        from meshtui.config.settings import load_settings
        from meshtui.services import logfile
        from meshtui.ui.app import MeshApp
    finally:
        if enabled:
            gc.freeze()
            gc.enable()

    wiring = ctx.wiring
    if not demo:
        wiring.check_context()  # `--context typo` is bad input (exit 2) before the TUI opens
    logfile.install(paths.state_dir())
    settings = load_settings()
    app = MeshApp(wiring, settings, demo=demo, start_panel=start_panel, demo_options=demo_options, tour=tour)
    try:
        app.run()
    finally:
        wiring.close()
    return int(app.return_code or 0)


def run(args: argparse.Namespace, ctx: CliContext | None = None) -> int:
    """`meshtui` with no subcommand."""
    if ctx is None:
        ctx = CliContext.from_args(args)
    return open_app(ctx)
