"""Public Textual API only: no `textual._x` / `textual.x._y` imports and no override of a Textual private method.

Fails loudly when code reaches into Textual's internals (as the old KeyedTable did with
`textual._two_way_dict`, `_row_locations` and `_update_dimensions`), so a Textual upgrade
cannot silently break a widget.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import meshtui.ui

UI_ROOT = Path(meshtui.ui.__file__).parent


def _private_module(name: str) -> bool:
    return name.startswith("textual") and any(part.startswith("_") for part in name.split("."))


def test_no_module_imports_textual_private_modules() -> None:
    offenders = []
    for path in sorted(Path(meshtui.ui.__file__).parents[1].rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{path.name}:{node.lineno} {name}" for name in names if _private_module(name)]
    assert offenders == []


def test_no_widget_overrides_a_textual_private_method() -> None:
    offenders = []
    for info in pkgutil.walk_packages([str(UI_ROOT)], prefix="meshtui.ui."):
        module = importlib.import_module(info.name)
        for cls in vars(module).values():
            if not inspect.isclass(cls) or cls.__module__ != module.__name__:
                continue
            textual_bases = [base for base in cls.__mro__[1:] if base.__module__.startswith("textual")]
            for name, value in vars(cls).items():
                written_here = inspect.isfunction(value) and value.__module__ == module.__name__
                if written_here and name.startswith("_") and not name.startswith("__") and \
                        any(name in vars(base) for base in textual_bases):
                    offenders.append(f"{cls.__module__}.{cls.__qualname__}.{name}")
    assert offenders == []


def test_the_check_can_fail() -> None:
    """The detector sees a private module and an overridden private method."""
    assert _private_module("textual._two_way_dict") and _private_module("textual.widgets._data_table")
    assert not _private_module("textual.widgets.data_table")
    from textual.widgets import DataTable
    assert "_update_dimensions" in vars(DataTable)
