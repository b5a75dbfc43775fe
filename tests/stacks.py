"""What a thread is doing right now, read from its stack: for tests that must catch a thread inside a
blocking call (waiting for a response that will never come) before they act on it."""

from __future__ import annotations

import sys
import threading


def blocked_in(thread: threading.Thread | None, *functions: str) -> bool:
    """Is `thread` (alive) inside every one of `functions` (names of frames on its stack) right now?"""
    frame = sys._current_frames().get(thread.ident) if thread is not None and thread.ident else None
    names = set()
    while frame is not None:
        names.add(frame.f_code.co_name)
        frame = frame.f_back
    return set(functions) <= names

