"""How `meshtui logs` writes: prefixed byte chunks, exact JSON, one notice per event, signals.

`LineSink` owns stdout for the command. Its fast paths never make an object per line:
a chunk of unstamped lines (the whole-log `--no-follow` read) is prefixed with one
`bytes.replace`; a chunk of stamped lines (`STAMP text\\n`, follow mode) becomes
`PREFIX text\\n` with one `re.sub` over the whole chunk. On a terminal
the bytes pass `inert_bytes` and names are inert and coloured; to a pipe the lines go
out as the container wrote them (like `kubectl logs`: a pipe is for programs, and
`--json` is there for exact, unambiguous output). `Signals` turns the first Ctrl-C or
SIGTERM into "flush what was received, then exit 130/143"; a second one exits at once.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import signal
import sys
import threading
from collections.abc import Iterable
from dataclasses import replace
from types import FrameType, TracebackType
from typing import BinaryIO

from meshtui.cli.context import CliContext
from meshtui.domain.logs import LogLine
from meshtui.domain.text import inert, inert_bytes, json_text
from meshtui.services.log_model import LogBatch
from meshtui.services.log_query import LogQuery
from meshtui.services.log_reader import Chunk, Notice, Source

POD_COLOURS = ["36", "35", "33", "32", "34", "31"]
_DROP_STAMP = re.compile(rb"^[^ \n]* ", re.MULTILINE)
_URL_MARK = re.compile(rb"://")
_LINE_START = re.compile(rb"^(?!\Z)", re.MULTILINE)  # not after the last newline: no dangling prefix
SHOWN = {"reconnected", "gap", "failed", "ended", "retry"}


class LineSink:
    """Writes lines for one `meshtui logs` run and keeps score of what could not be delivered."""

    def __init__(self, ctx: CliContext, query: LogQuery) -> None:
        self.out = ctx.out
        self.masker = ctx.masker
        self.query = query
        self.json = ctx.out.json_mode
        self.tty = bool(getattr(ctx.out.stream, "isatty", lambda: False)())
        self.err_tty = bool(getattr(ctx.out.err, "isatty", lambda: False)())
        self.color = ctx.out.color
        self.highlight = query.highlight_regex() if self.tty and self.color else None
        self.raw = not self.json and not query.line_filter().active and self.highlight is None
        self.binary: BinaryIO | None = getattr(ctx.out.stream, "buffer", None)
        self.problems = 0
        self.waiting_said = False
        self._prefixes: dict[tuple[str, str, str], bytes] = {}

    # -- formatting ------------------------------------------------------------------------
    def prefix(self, source: Source) -> bytes:
        key = (source.namespace, source.pod, source.container)
        cached = self._prefixes.get(key)
        if cached is None:
            pod = f"{source.namespace}/{source.pod}" if self.query.all_namespaces else source.pod
            container = source.container
            if self.tty:
                pod, container = inert(pod), inert(container)
            if self.color:
                colour = POD_COLOURS[int(hashlib.md5(source.pod.encode()).hexdigest(), 16) % len(POD_COLOURS)]
                text = f"\x1b[{colour}m{pod}\x1b[0m \x1b[2m{container}\x1b[0m "
            else:
                text = f"{pod} {container} "
            cached = self._prefixes[key] = text.encode()
        return cached

    def _marker(self, source: Source, text: str) -> bytes:
        body = inert(text) if self.tty else text
        if self.color:
            body = f"\x1b[1m{body}\x1b[0m"
        return self.prefix(source) + body.encode() + b"\n"

    def _mask(self, data: bytes) -> bytes:
        """Secrets and URL passwords masked, chunk-wise (undecodable bytes kept as they are)."""
        if not self._may_hold_secrets(data):
            return data
        text = data.decode("utf-8", "surrogateescape")
        masked = self.masker.mask(text)
        return data if masked is text else masked.encode("utf-8", "surrogateescape")

    def _may_hold_secrets(self, data: bytes) -> bool:
        """The masker's own test, on the bytes: with no secret learned only a URL (`://`) can hold one.
        ASCII bytes never occur inside a multi-byte UTF-8 character, so the bytes hold `://` exactly
        when the decoded text does; data that cannot is written without being decoded. A log without a
        `/` is told by one memchr (a search for `://` costs ~50x that where every line has a timestamp's
        colons), and a regex finds the literal faster than `in` (0.4 vs 0.7 ms a MB)."""
        return self.masker.knows_secrets or (b"/" in data and _URL_MARK.search(data) is not None)

    def _write(self, data: bytes) -> None:
        if not data:
            return
        if self.binary is not None:
            self.binary.write(data)
        else:  # a text stream without a buffer (tests): same bytes, decoded
            self.out.stream.write(data.decode("utf-8", "surrogateescape"))

    def _write_parts(self, parts: list[bytes | memoryview], may_hold_secrets: bool) -> None:
        """Write pieces of output as one: masked as a whole when they may hold a secret, else without a copy."""
        if self.binary is not None and not may_hold_secrets:
            self.binary.writelines(parts)
            return
        self._write(self._mask(b"".join(parts)))

    # -- writing -----------------------------------------------------------------------------
    def chunks(self, chunks: Iterable[Chunk]) -> None:
        """The fast path: each chunk prefixed in one regex pass and written as bytes.

        A plain chunk is one `replace` that puts the prefix after every newline; the first
        prefix goes before it and the one after the last newline is cut off by a view (no
        copy). Masking, when the bytes may hold a secret, is on the joined output as before."""
        parts: list[bytes | memoryview] = []
        secrets = False  # whether any part may hold one (tested on bytes: a view has no fast search)
        for chunk in chunks:
            if chunk.marker is not None:
                part = self._marker(chunk.source, chunk.data.decode("utf-8", "replace"))
            else:
                data = inert_bytes(chunk.data) if self.tty else chunk.data
                prefix = self.prefix(chunk.source)
                if not chunk.stamped:  # the plain whole-log read: one replace for the whole chunk
                    if not data:
                        continue
                    part = data.replace(b"\n", b"\n" + prefix)
                    # what is written is prefix + part minus its last prefix: test both and where they meet
                    secrets = secrets or any(map(self._may_hold_secrets, (prefix, part, prefix[-2:] + part[:2])))
                    parts += [prefix, memoryview(part)[:len(part) - len(prefix)]]
                    continue
                if self.query.timestamps:
                    part = _LINE_START.sub(prefix.replace(b"\\", b"\\\\"), data)
                else:
                    part = _DROP_STAMP.sub(prefix.replace(b"\\", b"\\\\"), data)
            secrets = secrets or self._may_hold_secrets(part)
            parts.append(part)
        self._write_parts(parts, secrets)

    def lines(self, lines: Iterable[LogLine]) -> None:
        """JSON, filtered or highlighted output: one formatted line per object."""
        from meshtui.domain.timefmt import format_ns

        out = []
        for line in lines:
            source = Source(line.namespace, line.pod, line.container, line.version, line.instance)
            if self.json:
                out.append(json_line(line) + "\n")
                continue
            if line.marker is not None:
                out.append(self._marker(source, line.raw).decode())
                continue
            text = inert(line.raw) if self.tty else line.raw
            if self.highlight is not None:
                text = self.highlight.sub(lambda m: f"\x1b[1;33m{m.group(0)}\x1b[0m", text)
            stamp = f"{format_ns(line.ts)} " if self.query.timestamps and line.ts else ""
            out.append(f"{self.prefix(source).decode()}{stamp}{text}\n")
        self._write(self._mask("".join(out).encode("utf-8", "surrogateescape")))

    def batch(self, batch: LogBatch) -> None:
        if batch.chunks:
            self.chunks(batch.chunks)
        if batch.lines:
            self.lines(batch.lines)
        self.notices(batch.notices)
        self.flush()

    def flush(self) -> None:
        if self.binary is not None:
            self.binary.flush()
        self.out.stream.flush()

    # -- stderr ------------------------------------------------------------------------------
    def notices(self, notices: Iterable[Notice]) -> None:
        for notice in notices:
            if notice.kind not in SHOWN:
                continue
            if notice.kind in ("gap", "failed"):
                self.problems += 1
            if self.json:
                self._note_json(notice)
            else:
                self._note(f"meshtui: {notice.text()}")

    def _note_json(self, notice: Notice) -> None:
        from meshtui.domain.timefmt import format_ns

        s = notice.source
        data: dict[str, object] = {"notice": notice.kind, "namespace": s.namespace, "pod": s.pod,
                                   "container": s.container, "instance": s.instance, "message": notice.message,
                                   "text": notice.text()}
        if notice.since is not None:
            data["since"] = format_ns(notice.since.ts)
        if notice.until is not None:
            data["until"] = format_ns(notice.until)
        if notice.kind == "reconnected":
            data.update(seconds=round(notice.seconds, 3), attempts=notice.attempts)
            if notice.cause is not None:  # machine-readable: stream_cut, api_error (with status), timeout, ...
                data["cause"] = notice.cause.kind
                if notice.cause.status is not None:
                    data["status"] = notice.cause.status
        self.out.note(json_text(data))

    def _note(self, text: str) -> None:
        self.out.note(inert(text) if self.err_tty else text)

    def say(self, kind: str, text: str, **extra: object) -> None:
        """A notice of meshtui's own: one JSON object under --json (stderr stays parseable), else a line."""
        if self.json:
            self.out.note(json_text({"notice": kind, "message": text, **extra}))
        else:
            self._note(f"meshtui: {text}")

    def failed(self, where: str, message: str) -> None:
        self.problems += 1
        if self.json:
            self.out.note(json_text({"notice": "failed", "where": where, "message": message}))
        else:
            self._note(f"meshtui: {where}: {message}")

    def waiting(self, query: LogQuery) -> None:
        self.waiting_said = True
        self.say("waiting", f"no running containers match {query.describe() or 'the query'} yet; waiting for pods "
                  "(Ctrl-C stops)")

    def nothing_matched(self, query: LogQuery) -> int:
        """--no-follow found no container: an error for a named pod/deployment, a notice for a selector."""
        named = query.pod_name or query.workload
        self.say("nothing matched", f"no running containers match {query.describe() or 'the query'}")
        return 1 if named else 0

    def exit_code(self) -> int:
        if self.problems:
            self.say("summary", f"{self.problems} problem{'s' if self.problems != 1 else ''}: some lines were not "
                      "delivered (see above)")
            return 1
        return 0


def json_line(line: LogLine) -> str:
    """One `--json` object, always valid UTF-8 JSON. A line whose bytes are not UTF-8 (decoded with
    `surrogateescape` by the engine) has them as U+FFFD in `line` (and its `fields`) and exactly, base64,
    in `line_base64`; a lone surrogate a JSON line wrote as an escape (`\\ud800`) stays an escape."""
    exact = None
    if not line.raw.isascii():
        try:
            line.raw.encode("utf-8")
        except UnicodeEncodeError:
            exact = line.raw.encode("utf-8", "surrogateescape")
            line = replace(line, raw=exact.decode("utf-8", "replace"), _parsed=None)
    data = line.to_dict()
    if exact is not None:
        data["line_base64"] = base64.b64encode(exact).decode()
    text = json_text(data)
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate in `fields` (from a JSON escape): written as that escape
        return json.dumps(data)
    return text


class Signals:
    """First Ctrl-C / SIGTERM: stop reading, write what was received, exit 130 / 143. Second: exit now."""

    def __init__(self) -> None:
        self.wake = threading.Event()
        self.received: int | None = None
        self._previous: dict[int, object] = {}

    def __enter__(self) -> Signals:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.received is not None:  # asked twice: the output is stuck (a full pipe?); go now
            sys.stderr.write("meshtui: interrupted\n")
            raise SystemExit(self.exit_code)
        self.received = signum
        self.wake.set()

    @property
    def exit_code(self) -> int:
        return 128 + int(self.received or signal.SIGINT)
