"""The one YAML reader for everything meshtui reads: profiles, tours, settings, overlays, manifests, kubeconfigs.

PyYAML's safe loader is safe from code execution, not from resource exhaustion: an
alias bomb of a few hundred bytes stands for billions of nodes (every later walk of
the data expands it), deep nesting overflows the recursive composer, a 4,301-digit
integer or a 13th month raises a bare ValueError, and a duplicated key silently keeps
the last value. This module measures the event stream first (size, nesting depth,
alias count and the node count with every alias expanded; all in one pass without
recursion, so a bomb is refused in microseconds), then composes and constructs with
a loader that rejects duplicate keys and out-of-range scalars. Every problem is one
`ProfileError` (exit 2) naming the file and line.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from meshtui.domain.errors import ProfileError
from meshtui.domain.text import inert

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: faster


@dataclass(frozen=True)
class Limits:
    """What one YAML file may cost; generous for real files, tiny next to a bomb."""

    max_bytes: int = 8 * 1024 * 1024
    """Size cap of a file (8 MiB; a kubeconfig with hundreds of contexts is well under 1 MiB)."""
    max_depth: int = 128
    """Nesting of mappings and sequences (Kubernetes objects nest about 15 deep)."""
    max_aliases: int = 1000
    """`*alias` references per file."""
    max_nodes: int = 1_000_000
    """Nodes with every alias expanded, as any consumer walking the data would see them."""


LIMITS = Limits()
MERGE_TAG = "tag:yaml.org,2002:merge"


def _error(source: str, message: str, mark: object = None, hint: str | None = None) -> ProfileError:
    """`mark` is a PyYAML Mark (pure-Python or libyaml's): its 0-based line becomes file:line."""
    line = getattr(mark, "line", None)  # the message may quote the file (a duplicated key): made inert
    return ProfileError(inert(message), path=source, line=line + 1 if isinstance(line, int) else None, hint=hint)


def read_text(path: Path, *, limits: Limits = LIMITS, missing_hint: str | None = None) -> str:
    """A file's text, refusing files over the size cap before reading them."""
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise _error(str(path), f"the file is {size / 1048576:.1f} MiB; meshtui reads YAML files of up to "
                                    f"{limits.max_bytes // 1048576} MiB")
        with path.open("rb") as handle:
            data = handle.read(limits.max_bytes + 1)
    except FileNotFoundError:
        raise ProfileError("file not found", path=str(path), hint=missing_hint) from None
    except IsADirectoryError:
        raise ProfileError("is a directory, not a file", path=str(path)) from None
    except OSError as exc:
        raise ProfileError(f"cannot read: {exc.strerror or exc}", path=str(path)) from None
    if len(data) > limits.max_bytes:  # it grew while we looked
        raise _error(str(path), f"the file is larger than {limits.max_bytes // 1048576} MiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ProfileError(f"not UTF-8 text (byte 0x{data[exc.start]:02x})", path=str(path), line=line) from None


def measure(text: str, source: str, limits: Limits = LIMITS) -> None:
    """Walk the event stream once and refuse what is too big, too deep or too aliased."""
    if len(text.encode("utf-8", "surrogatepass")) > limits.max_bytes:
        raise _error(source, f"the text is larger than {limits.max_bytes // 1048576} MiB")
    anchors: dict[str, int] = {}
    open_anchors: set[str] = set()
    # one frame per open collection: [expanded node count so far, anchor name or None]
    frames: list[list[Any]] = [[0, None]]
    aliases = 0
    try:
        for event in yaml.parse(text, Loader=_Base):
            if isinstance(event, yaml.CollectionStartEvent):
                frames.append([1, event.anchor])
                if event.anchor is not None:
                    open_anchors.add(str(event.anchor))
                if len(frames) - 1 > limits.max_depth:
                    raise _error(source, f"nesting deeper than {limits.max_depth} levels", event.start_mark)
                continue
            if isinstance(event, yaml.CollectionEndEvent):
                size, anchor = frames.pop()
                open_anchors.discard(str(anchor))
            elif isinstance(event, yaml.ScalarEvent):
                size, anchor = 1, event.anchor
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > limits.max_aliases:
                    raise _error(source, f"more than {limits.max_aliases} aliases (*name)", event.start_mark)
                if str(event.anchor) in open_anchors:
                    raise _error(source, f"alias *{event.anchor} refers to a node that contains it", event.start_mark)
                size, anchor = anchors.get(str(event.anchor), 1), None
            else:
                continue
            if anchor is not None:
                anchors[str(anchor)] = size
            frames[-1][0] += size
            if frames[-1][0] > limits.max_nodes:
                raise _error(source, f"the aliases expand to more than {limits.max_nodes:,} nodes "
                                     "(an alias bomb?)", event.start_mark)
    except yaml.YAMLError as exc:
        raise _syntax(source, exc) from None


def _syntax(source: str, exc: yaml.YAMLError) -> ProfileError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if "maximum nesting depth" in str(exc):
        problem = "nesting is too deep"
    if isinstance(exc, yaml.constructor.ConstructorError):
        return _error(source, str(problem), mark)
    return _error(source, f"YAML syntax error: {problem}", mark)


class _Loader(_Base):  # type: ignore[misc,valid-type]
    """SafeLoader that refuses values Python cannot hold instead of raising ValueError."""

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        digits = sum(ch.isdigit() for ch in str(node.value))
        limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 4300
        if limit and digits > limit:
            raise yaml.constructor.ConstructorError(None, None, f"an integer of {digits} digits is too long "
                                                                f"(the limit is {limit})", node.start_mark)
        return int(super().construct_yaml_int(node))

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(None, None, f"not a valid date or time: {exc}",
                                                    node.start_mark) from None


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _key_text(node: yaml.Node) -> str | None:
    return f"{node.tag}\0{node.value}" if isinstance(node, yaml.ScalarNode) else None


def _check_duplicates(root: yaml.Node, source: str) -> None:
    """Refuse a mapping that names a key twice (the merge key `<<` aside); no recursion."""
    seen_nodes: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, yaml.Node] = {}
            for key, value in node.value:
                text = _key_text(key)
                if text is not None and key.tag != MERGE_TAG:
                    if text in first:
                        raise _error(source, f"duplicate key '{key.value}' (first at line "
                                             f"{first[text].start_mark.line + 1}); remove one of them",
                                     key.start_mark)
                    first[text] = key
                stack += [key, value]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value


def _documents(text: str, source: str, limits: Limits) -> Iterator[tuple[yaml.Node, Any]]:
    measure(text, source, limits)
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            _check_duplicates(node, source)
            yield node, loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _syntax(source, exc) from None
    except RecursionError:
        raise _error(source, "nesting is too deep") from None
    except (ValueError, TypeError, OverflowError) as exc:  # a scalar the constructors cannot hold
        raise _error(source, f"cannot read a value: {exc}") from None
    finally:
        loader.dispose()


def load(text: str, source: str, *, limits: Limits = LIMITS) -> tuple[yaml.Node | None, Any]:
    """The composed node (for line numbers) and the data of a single-document YAML text."""
    docs = list(_documents(text, source, limits))
    if len(docs) > 1:
        raise _error(source, "expected one YAML document, found several ('---')", docs[1][0].start_mark)
    return docs[0] if docs else (None, None)


def load_all(text: str, source: str, *, limits: Limits = LIMITS) -> list[tuple[yaml.Node, Any]]:
    """Every document of a multi-document YAML text (manifests)."""
    return list(_documents(text, source, limits))


def load_file(path: Path, *, limits: Limits = LIMITS, missing_hint: str | None = None) -> tuple[yaml.Node | None, Any]:
    """`load` of a file read through `read_text` (size cap first)."""
    return load(read_text(path, limits=limits, missing_hint=missing_hint), str(path), limits=limits)


def load_file_all(path: Path, *, limits: Limits = LIMITS) -> list[tuple[yaml.Node, Any]]:
    return load_all(read_text(path, limits=limits), str(path), limits=limits)
