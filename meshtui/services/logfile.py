"""The TUI's log file under the state directory, written off the event loop.

Handlers on the event loop may log (a worker failed, a watch reconnected) but may not
do file IO, so records go through a `QueueHandler` and a listener thread writes them
to `~/.local/state/meshtui/meshtui.log` (rotated at 1 MB, two old files kept). The
status line and the notification say where to look; the full traceback is here.
"""

from __future__ import annotations

import atexit
import logging
import logging.handlers
import queue
from pathlib import Path

LOGGER = "meshtui"
_listener: logging.handlers.QueueListener | None = None


def install(state_dir: Path) -> Path:
    """Send the `meshtui` logger to a file under `state_dir` (idempotent); returns the file's path."""
    global _listener
    path = state_dir / "meshtui.log"
    if _listener is not None:
        return path
    state_dir.mkdir(parents=True, exist_ok=True)
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    sink = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=2, delay=True,
                                                encoding="utf-8")
    sink.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    _listener = logging.handlers.QueueListener(records, sink)
    _listener.start()
    atexit.register(uninstall)
    logger = logging.getLogger(LOGGER)
    logger.addHandler(logging.handlers.QueueHandler(records))
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return path


def uninstall() -> None:
    """Flush and stop the writer thread (at exit)."""
    global _listener
    if _listener is not None:
        _listener.stop()
        _listener = None
    logger = logging.getLogger(LOGGER)
    for handler in [h for h in logger.handlers if isinstance(h, logging.handlers.QueueHandler)]:
        logger.removeHandler(handler)


def log_path(state_dir: Path) -> Path:
    return state_dir / "meshtui.log"
