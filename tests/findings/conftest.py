"""The findings account, loaded once per session (it resets the shared emulator)."""

from __future__ import annotations

import pytest

from graph.access import AccessGraph, build_access_graph
from graph.model import AccountSnapshot

from .account import load_findings_account


@pytest.fixture(scope="session")
def findings_snapshot() -> AccountSnapshot:
    return load_findings_account()


@pytest.fixture(scope="session")
def findings_graph(findings_snapshot: AccountSnapshot) -> AccessGraph:
    return build_access_graph(findings_snapshot)


@pytest.fixture(scope="session")
def trust_graph() -> AccessGraph:
    from .trust_account import load_trust_account

    return build_access_graph(load_trust_account())
