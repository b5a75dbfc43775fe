"""docker stats formulas, quantities, sparklines and thresholds."""

from __future__ import annotations

import pytest

from meshtui.domain.usage import RollingSeries, cpu_percent, level, memory_used
from meshtui.services.usage import quantity


def test_cpu_percent_is_docker_cli_formula() -> None:
    sample = {"cpu_stats": {"cpu_usage": {"total_usage": 2_000_000_000}, "system_cpu_usage": 20_000_000_000,
                            "online_cpus": 4},
              "precpu_stats": {"cpu_usage": {"total_usage": 1_500_000_000}, "system_cpu_usage": 16_000_000_000}}
    assert cpu_percent(sample) == pytest.approx(0.5 / 4 * 4 * 100)
    assert cpu_percent({"cpu_stats": sample["cpu_stats"], "precpu_stats": {}}) is None  # first stream sample
    v2 = {"cpu_stats": {"cpu_usage": {"total_usage": 3, "percpu_usage": [1, 1]}, "system_cpu_usage": 10},
          "precpu_stats": {"cpu_usage": {"total_usage": 1}, "system_cpu_usage": 6}}
    assert cpu_percent(v2) == pytest.approx(2 / 4 * 2 * 100)


def test_memory_subtracts_inactive_file_cgroup_v1_and_v2() -> None:
    v1 = {"memory_stats": {"usage": 100, "limit": 1000, "stats": {"total_inactive_file": 30, "cache": 50}}}
    v2 = {"memory_stats": {"usage": 100, "limit": 1000, "stats": {"inactive_file": 40}}}
    assert memory_used(v1) == (70, 1000)
    assert memory_used(v2) == (60, 1000)
    assert memory_used({"memory_stats": {"usage": 10, "stats": {"inactive_file": 50}}}) == (10, 0)


@pytest.mark.parametrize("text,value", [("123456789n", 0.123456789), ("250000u", 0.25), ("250m", 0.25), ("2", 2.0),
                                        ("1.5", 1.5), ("1234Ki", 1263616.0), ("128Mi", 134217728.0),
                                        ("1Gi", 1073741824.0), ("1000", 1000.0), ("10mi", None), ("", None)])
def test_quantities(text: str, value: float | None) -> None:
    assert quantity(text) == (pytest.approx(value) if value is not None else None)


def test_sparkline_and_window() -> None:
    series = RollingSeries(window=10)
    for i in range(12):
        series.add(float(i), at=float(i))
    assert series.values[0] == 1.0  # older than 10 s dropped
    line = series.sparkline(width=5)
    assert len(line) == 5 and line[-1] == "█" and line[0] in "▁▂"
    assert RollingSeries().sparkline() == ""


def test_threshold_levels() -> None:
    assert level(None) == "ok" and level(59.9) == "ok" and level(60) == "warn" and level(80) == "critical"
