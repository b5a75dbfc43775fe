"""Layering is checked, not hoped for: imports point ui -> services -> adapters, cli -> services.

Two checks: the static import graph of every module (top-level imports; imports inside
functions are how `cli` opens the TUI lazily), and a subprocess that imports each headless
package and proves `textual` was not loaded. The simulated cluster is the test oracle, so
it may import nothing of the product at all: not at module level, not inside a function,
not under TYPE_CHECKING, not dynamically - checked statically and by importing it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "meshtui"

# layer -> layers it may import at module level
ALLOWED: dict[str, set[str]] = {
    "domain": set(),
    "config": {"domain"},
    "adapters": {"domain", "config"},
    "services": {"domain", "config", "adapters"},
    "sim": set(),
    "cli": {"cli", "domain", "config", "services"},
    "ui": {"ui", "domain", "config", "services"},
    "wiring": {"domain", "config", "adapters", "services"},
}
HEADLESS = ["domain", "config", "adapters", "services", "cli", "sim"]


def layer_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py") if len(rel.parts) > 1 or rel.stem == "wiring" else "root"


def _absolute(path: Path, node: ast.ImportFrom) -> str:
    """The absolute module of `from X import y`, resolving relative imports against `path`."""
    if not node.level:
        return node.module or ""
    package = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)[:-1]
    base = package[:len(package) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def internal_imports(path: Path, top_level_only: bool) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: list[tuple[int, str]] = []
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if top_level_only and isinstance(node, (ast.If, ast.Try)):
            # `if TYPE_CHECKING:` blocks are free; try/except at top level still counts.
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            stack.extend(ast.iter_child_nodes(node))
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("meshtui")]
        elif isinstance(node, ast.ImportFrom) and _absolute(path, node).startswith("meshtui"):
            found.append((node.lineno, _absolute(path, node)))
    return found


def all_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_has_a_docstring() -> None:
    missing = [str(p.relative_to(PACKAGE)) for p in all_modules()
               if p.stat().st_size and ast.get_docstring(ast.parse(p.read_text())) is None]
    assert missing == []


def test_layers_point_one_way() -> None:
    violations = []
    for path in all_modules():
        layer = layer_of(path)
        if layer not in ALLOWED:
            continue
        for line, module in internal_imports(path, top_level_only=True):
            parts = module.split(".")
            target = parts[1] if len(parts) > 1 else "root"
            if target in ("__init__", "root") or target == layer:
                continue
            if target not in ALLOWED[layer]:
                violations.append(f"{path.relative_to(PACKAGE)}:{line} ({layer}) imports {module}")
    assert violations == []


def test_the_simulator_imports_nothing_of_the_product() -> None:
    """Everywhere in meshtui/sim: module level, functions, TYPE_CHECKING blocks, relative imports."""
    bad = [f"{p.relative_to(PACKAGE)}:{line} {mod}" for p in all_modules() if layer_of(p) == "sim"
           for line, mod in internal_imports(p, top_level_only=False)
           if mod != "meshtui" and not mod.startswith("meshtui.sim")]
    dynamic = [str(p.relative_to(PACKAGE)) for p in all_modules() if layer_of(p) == "sim"
               and any(word in p.read_text() for word in ("import_module(", "__import__("))]
    assert bad == [] and dynamic == []


def test_importing_the_simulator_loads_no_product_module() -> None:
    code = ("import importlib, pkgutil, sys\n"
            "import meshtui.sim\n"
            "for info in pkgutil.iter_modules(meshtui.sim.__path__):\n"
            "    importlib.import_module('meshtui.sim.' + info.name)\n"
            "print(sorted(m for m in sys.modules if m.startswith('meshtui') and m != 'meshtui'\n"
            "             and not m.startswith('meshtui.sim')))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_ui_never_imports_adapters_even_lazily() -> None:
    bad = [f"{p.relative_to(PACKAGE)}:{line} {mod}" for p in all_modules() if layer_of(p) == "ui"
           for line, mod in internal_imports(p, top_level_only=False) if mod.startswith("meshtui.adapters")]
    assert bad == []


def test_only_the_tui_command_imports_ui() -> None:
    bad = []
    for path in all_modules():
        if layer_of(path) in ("ui",) or path.name == "tui.py":
            continue
        bad += [f"{path.relative_to(PACKAGE)}:{line}" for line, mod in internal_imports(path, top_level_only=False)
                if mod.startswith("meshtui.ui")]
    assert bad == []


@pytest.mark.parametrize("layer", HEADLESS)
def test_headless_layers_do_not_load_textual(layer: str) -> None:
    modules = []
    for path in all_modules():
        if layer_of(path) != layer:
            continue
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        modules.append(".".join(rel.parts).removesuffix(".__init__"))
    code = ("import importlib, sys\n"
            f"for name in {modules!r}:\n"
            "    importlib.import_module(name)\n"
            "    assert 'textual' not in sys.modules, f'{name} loaded textual'\n"
            "print('ok', len(sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")


def test_version_command_imports_almost_nothing() -> None:
    code = ("import sys\nfrom meshtui.cli import main\n"
            "heavy = [m for m in ('kubernetes', 'docker', 'textual', 'pydantic', 'yaml', 'aiohttp') if m in sys.modules]\n"
            "print(heavy)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
