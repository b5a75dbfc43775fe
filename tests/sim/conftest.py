"""The simulator tests use the sim fixtures from tests/conftest.py."""

from tests.conftest import SimFactory, api_client

__all__ = ["SimFactory", "api_client"]
