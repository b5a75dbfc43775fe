"""Results of health checks (doctor, provisioning preflight): pass / warn / fail.

Each check carries a one-line reason and, when it is not a pass, the exact command
or step that fixes it, so the user never has to search for the remedy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import Enum


class Status(str, Enum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Check:
    """One check's verdict."""

    name: str
    status: Status
    reason: str
    fix: str | None = None
    data: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        out = asdict(self)
        out["status"] = self.status.value
        return out


def passed(name: str, reason: str, **data: object) -> Check:
    return Check(name, Status.PASS, reason, None, dict(data))


def warned(name: str, reason: str, fix: str | None = None, **data: object) -> Check:
    return Check(name, Status.WARN, reason, fix, dict(data))


def failed(name: str, reason: str, fix: str | None = None, **data: object) -> Check:
    return Check(name, Status.FAIL, reason, fix, dict(data))


def has_failures(checks: Iterable[Check]) -> bool:
    return any(check.status is Status.FAIL for check in checks)


def counts(checks: Iterable[Check]) -> dict[str, int]:
    totals = {status.value: 0 for status in Status}
    for check in checks:
        totals[check.status.value] += 1
    return totals


def human_bytes(value: float) -> str:
    """1536 -> '1.5 KiB' (binary units, as docker and kubectl print)."""
    units = ["B", "KiB", "MiB", "GiB", "TiB"]
    size = float(value)
    for unit in units:
        if abs(size) < 1024 or unit == units[-1]:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"
