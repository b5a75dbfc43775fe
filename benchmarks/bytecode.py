"""Measure meshtui as a user runs it: with its modules' bytecode cached, as the yardsticks have theirs.

Python caches each module's compiled bytecode (`__pycache__/*.pyc`) the first time it
imports it, and every later start reads that instead of compiling the source again. pip
compiles installed packages (textual, kubernetes) when installing them; meshtui is
installed editable, so its cache is written by its first run. Where
`PYTHONDONTWRITEBYTECODE` is set (as on this project's CI machines) nothing is ever
written, and every start compiles all of meshtui again: about a quarter of the TUI's start,
a cost no user pays after their first run and no yardstick pays at all. The start-up
benchmarks therefore compile the package first (`compileall`, which writes the cache
whatever that variable says), unless told `--bytecode as-is`; each prints which it measured.
"""

from __future__ import annotations

import argparse
import compileall
import os
import subprocess
import sys
from pathlib import Path


def add_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bytecode", choices=("cached", "as-is"), default="cached",
                        help="cached (default): compile meshtui's modules first, as a user's first run leaves them; "
                             "as-is: measure whatever cache there is (none under PYTHONDONTWRITEBYTECODE)")


def package_dir(env: dict[str, str] | None = None) -> Path:
    """The meshtui package the benchmarked `meshtui` command imports (PYTHONPATH and editable installs alike)."""
    done = subprocess.run([sys.executable, "-c", "import meshtui, os; print(os.path.dirname(meshtui.__file__))"],
                          capture_output=True, text=True, env=env or dict(os.environ), cwd="/", timeout=60, check=True)
    return Path(done.stdout.strip())


def prepare(mode: str, env: dict[str, str] | None = None) -> str:
    """Compile the package when `mode` is "cached"; the line the benchmark reports about it."""
    package = package_dir(env)
    if mode == "cached":
        if not compileall.compile_dir(str(package), quiet=1):
            raise SystemExit(f"could not compile {package}")
        return f"cached (compiled {package} before timing)"
    cached = sum(1 for _ in package.rglob("__pycache__/*.pyc"))
    return f"as is ({cached} cached modules under {package}; PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r})"
