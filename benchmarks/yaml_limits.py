"""Hostile YAML is refused fast: `istio lint` of the 342-byte alias bomb and of a 9 MiB file, beside linting a clean
overlay (the yardstick, measured in the same run).

Goal (issue 14): the bomb answers in well under a second with exit 2, i.e. in about the time of linting a clean
file (ratio near 1), not after expanding a billion nodes. Run: .venv/bin/python benchmarks/yaml_limits.py
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from benchmarks.common import MESHTUI, ROOT, report, summary, time_command

BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{name}: &{name} [{','.join([f'*{prev}'] * 9)}]\n" for prev, name in zip("abcdefgh", "bcdefghi", strict=True))


def main() -> None:
    runs = 10
    with tempfile.TemporaryDirectory() as tmp:
        bomb, big = Path(tmp) / "bomb.yaml", Path(tmp) / "big.yaml"
        bomb.write_text(BOMB)
        big.write_text("spec:\n  values:\n" + "".join(f"    k{i:07d}: {'x' * 80}\n" for i in range(100_000)))
        clean = ROOT / "assets" / "istio" / "seed-modern.yaml"
        codes = {name: subprocess.run([str(MESHTUI), "istio", "lint", str(path)], capture_output=True).returncode
                 for name, path in (("bomb", bomb), ("big", big), ("clean", clean))}
        yardstick = summary(time_command([str(MESHTUI), "istio", "lint", str(clean)], runs))
        data = {
            "bomb_bytes": len(BOMB.encode()),
            "exit_codes": codes,
            "istio lint clean overlay (yardstick)": yardstick,
            "istio lint 342-byte alias bomb": summary(time_command([str(MESHTUI), "istio", "lint", str(bomb)], runs)),
            "istio lint 9 MiB file": summary(time_command([str(MESHTUI), "istio", "lint", str(big)], runs)),
        }
    for key in ("istio lint 342-byte alias bomb", "istio lint 9 MiB file"):
        data[f"ratio {key} / yardstick (median)"] = round(data[key]["median"] / yardstick["median"], 2)
    data["met"] = codes["bomb"] == 2 and codes["big"] == 2 and data["istio lint 342-byte alias bomb"]["median"] < 1.0
    report("yaml_limits", data)


if __name__ == "__main__":
    main()
