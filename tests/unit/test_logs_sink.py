"""`meshtui logs` byte fast path: what reaches stdout for plain and stamped chunks, and masking.

The plain path writes views of one `replace` per chunk and decodes for the masker only
bytes that may hold a secret; these check the bytes out are the lines with their prefix,
and that a URL password or a learned secret is still masked on that path.
"""

from __future__ import annotations

import argparse
import io

from meshtui.cli.commands.logs_output import LineSink
from meshtui.cli.context import CliContext
from meshtui.services.log_query import LogQuery
from meshtui.services.log_reader import Chunk, Source

A = Source("shop", "catalog-a", "app", "v1", 0)
B = Source("shop", "catalog-b", "app", "v1", 0)


def written(chunks: list[list[Chunk]], *, secrets: tuple[str, ...] = (), timestamps: bool = False) -> bytes:
    buffer = io.BytesIO()
    ctx = CliContext.from_args(argparse.Namespace(json=False, kubeconfig=None, context=None, allow_remote=False,
                                                  read_only=False))
    ctx.out.stream = io.TextIOWrapper(buffer, encoding="utf-8")
    ctx.masker.add(secrets)
    sink = LineSink(ctx, LogQuery(namespace="shop", follow=False, timestamps=timestamps))
    for batch in chunks:
        sink.chunks(batch)
    sink.flush()
    return buffer.getvalue()


def test_plain_chunks_are_each_line_with_its_prefix() -> None:
    out = written([[Chunk(A, b"one\ntwo\n", 2, stamped=False), Chunk(B, b"\xff raw\n", 1, stamped=False)],
                   [Chunk(A, b"three\n", 1, stamped=False)]])
    assert out == b"catalog-a app one\ncatalog-a app two\ncatalog-b app \xff raw\ncatalog-a app three\n"


def test_stamped_chunks_and_markers_keep_their_form() -> None:
    out = written([[Chunk(A, b"2026-01-01T00:00:00.000000001Z hello\n", 1),
                    Chunk(A, b"container restarted", 0, marker="restart")]])
    assert out == b"catalog-a app hello\ncatalog-a app container restarted\n"
    stamped = written([[Chunk(A, b"2026-01-01T00:00:00.000000001Z hello\n", 1)]], timestamps=True)
    assert stamped == b"catalog-a app 2026-01-01T00:00:00.000000001Z hello\n"


def test_a_url_password_on_the_plain_path_is_masked() -> None:
    out = written([[Chunk(A, b"ok\n", 1, stamped=False), Chunk(B, b"db mysql://root:s3cr3t@db/shop\n", 1,
                                                             stamped=False)]])
    assert b"s3cr3t" not in out and b"catalog-b app db mysql://root:" in out and out.startswith(b"catalog-a app ok\n")


def test_a_learned_secret_on_the_plain_path_is_masked() -> None:
    out = written([[Chunk(A, b"token hunter2 here\n", 1, stamped=False)]], secrets=("hunter2",))
    assert b"hunter2" not in out and out.startswith(b"catalog-a app token ") and out.endswith(b" here\n")
