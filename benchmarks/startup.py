"""`meshtui --version` cold start, beside `python -c pass` and `kubectl version --client`.

Goal (issue 2): < 0.25 s. Run: .venv/bin/python benchmarks/startup.py
"""

from __future__ import annotations

import shutil
import sys

from benchmarks.common import MESHTUI, report, summary, time_command


def main() -> None:
    runs = 20
    data = {
        "meshtui --version": summary(time_command([str(MESHTUI), "--version"], runs)),
        "meshtui --help": summary(time_command([str(MESHTUI), "--help"], runs)),
        "python -c pass": summary(time_command([sys.executable, "-c", "pass"], runs)),
    }
    kubectl = shutil.which("kubectl")
    if kubectl:
        data["kubectl version --client"] = summary(time_command([kubectl, "version", "--client"], runs))
    data["goal_seconds"] = 0.25
    data["met"] = data["meshtui --version"]["median"] < 0.25
    report("startup", data)


if __name__ == "__main__":
    main()
