"""The fastest complete read of a whole log: no timestamps on the wire, none to strip.

`meshtui logs --no-follow` on big logs is limited by what it does per line; a stamped
line costs a regex match to strip its stamp, an unstamped one costs nothing (the CLI
prefixes a whole chunk with one `bytes.replace`). Reading a log from its first line
needs no stamp unless the connection is cut. Then the read starts again, stamped and
resumable, and skips as many lines as were delivered, checking that the last of them
read the same (if not, the log was rotated meanwhile: a reported gap, never silence).
"""

from __future__ import annotations

from meshtui.adapters.kube import KubeClient, path_for
from meshtui.services.log_reader import Chunk, Source

RECENT = 16
"""Lines kept to recognise where a cut plain read stopped."""
PLAIN_TIMEOUT = (5.0, 120.0)
"""(connect, read) seconds of the unstamped whole-log read."""


class PlainProgress:
    """What a cut plain read delivered: how many lines, and the last few of them."""

    def __init__(self) -> None:
        self.count = 0
        self.recent: list[bytes] = []

    def add(self, data: bytes, lines: int) -> None:
        """`data`, whole lines, `lines` of them (counted once, by the caller)."""
        self.count += lines
        tail = data.rsplit(b"\n", RECENT + 1)[-RECENT - 1:-1]
        self.recent = (self.recent + tail)[-RECENT:]


def read_plain(kube: KubeClient, source: Source, chunks: list[Chunk], progress: PlainProgress) -> None:
    """One unstamped read of the whole current log into `chunks` (stamped=False). Raises when cut."""
    path = path_for("", "v1", "pods", source.namespace, source.pod, "log")
    response = kube.open_stream(path, query={"container": source.container}, timeout=PLAIN_TIMEOUT, accept="*/*")
    try:
        pending = b""
        while True:
            chunk = response.read1(262_144)
            if not chunk:
                return
            data = pending + chunk if pending else chunk
            end = data.rfind(b"\n") + 1
            pending, data = data[end:], data[:end]
            if data:
                lines = data.count(b"\n")
                chunks.append(Chunk(source, data, lines, stamped=False))
                progress.add(data, lines)
    finally:
        response.release_conn()
