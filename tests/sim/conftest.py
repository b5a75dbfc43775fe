"""Fixtures for the simulated cluster: a fresh sim per test, and the Istio schema audit.

Every Istio object written to a sim during a test (by the test, by meshtui, or by
the sim's own bootstrap) is validated against the real CRD schema when the test ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from meshtui.sim import SimCluster, SimOptions
from tests.istio_schema import assert_valid

SimFactory = Callable[..., SimCluster]


@pytest.fixture
def sim_factory(tmp_path: Path) -> Iterator[SimFactory]:
    started: list[SimCluster] = []

    def make(**options: object) -> SimCluster:
        defaults = {"seed": 42, "rate": 0.0, "crashes": False, "speed": 4.0}
        cluster = SimCluster(SimOptions(**{**defaults, **options}),
                             kubeconfig=tmp_path / f"kubeconfig-{len(started)}").start()
        started.append(cluster)
        cluster.wait_ready()
        return cluster

    yield make
    try:
        for cluster in started:
            audit = cluster.call(lambda c=cluster: list(c.state.store.audit))
            for obj in audit:
                assert_valid(obj)
    finally:
        for cluster in started:
            cluster.stop()


@pytest.fixture
def sim(sim_factory: SimFactory) -> SimCluster:
    return sim_factory()


def api_client(cluster: SimCluster):  # type: ignore[no-untyped-def]
    """The official client, configured from the sim's kubeconfig only."""
    from kubernetes import config

    return config.new_client_from_config(config_file=str(cluster.kubeconfig))
