"""Fixture accounts (AWS CLI export folders under tests/fixtures/accounts/), loaded once."""

from __future__ import annotations

import pytest

from graph.access import AccessGraph, build_access_graph
from graph.model import AccountSnapshot
from graph.sources import SourceSpec, open_source

from .helpers import LAYERS


@pytest.fixture(scope="session")
def layers_snapshot() -> AccountSnapshot:
    return open_source(SourceSpec(snapshot=str(LAYERS))).snapshot


@pytest.fixture(scope="session")
def layers(layers_snapshot: AccountSnapshot) -> AccessGraph:
    return build_access_graph(layers_snapshot)
