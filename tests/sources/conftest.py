"""Fixtures for the source tests: the demo emulator, seeded once per module."""

from __future__ import annotations

import pytest

from graph.sources.connection import AwsConnection
from graph.sources.demo import reset_demo


@pytest.fixture(scope="module")
def demo_conn() -> AwsConnection:
    """A freshly seeded demo (once per test module)."""
    return reset_demo()
