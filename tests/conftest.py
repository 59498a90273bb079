"""Every test: state files (the wizard's journals) go to a temporary folder, not ~/.local, and
the demo's cache to a folder of this run, not ~/.cache (nor one an older checkout wrote)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.sources.demo_cache import CACHE_ENV


@pytest.fixture(autouse=True)
def _state_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    state = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    return state


@pytest.fixture(scope="session", autouse=True)
def _demo_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One cache folder for the whole run (subprocesses inherit it): the first demo opened
    builds the account, later ones read it, as for a user."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_ENV, str(folder))
        yield folder
