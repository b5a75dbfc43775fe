"""What meshtui's JSON state files share beyond `services.state.read_model`: a bound on nesting.

meshtui's own files (the undo history, tour progress) nest about 15 levels: route specs
inside entries inside clusters. A file nested deeper was not written by meshtui, and
left unchecked it would reach recursion limits in whatever reads it next (pydantic,
`json.dumps` on the next write). The depth is measured iteratively, so any depth is
measured safely; readers treat a deeper file like any other unreadable one.
"""

from __future__ import annotations

MAX_DEPTH = 64
"""Deeper than any state file meshtui writes, far below Python's recursion limit."""


def nesting_depth(data: object, limit: int = MAX_DEPTH) -> int:
    """How deeply `data` nests lists and objects (counting stops just past `limit`)."""
    deepest, todo = 0, [(data, 1)]
    while todo:
        value, level = todo.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, level)
            if deepest > limit:
                break
            todo.extend((v, level + 1) for v in (value.values() if isinstance(value, dict) else value))
    return deepest


def too_deep(data: object, limit: int = MAX_DEPTH) -> bool:
    return nesting_depth(data, limit) > limit
