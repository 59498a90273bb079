"""Fixtures: the demo account, loaded once per session and handed to each app under test.

Opening the demo starts moto's server and seeds it (seconds); the app's own opening path is
still exercised, it just receives the already-loaded source.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from graph.sources import LoadedSource, SourceSpec, open_source
from tui.app import RolemapApp

from .masked import masked

DEMO = SourceSpec(demo=True)


@pytest.fixture(scope="session")
def demo_loaded() -> LoadedSource:
    return open_source(DEMO)


def _app_maker(loaded: LoadedSource) -> Callable[[], RolemapApp]:
    def opener(spec: SourceSpec, progress: Any = None) -> LoadedSource:
        assert spec == DEMO
        if progress is not None:
            progress("demo", 1, 1)
        return loaded

    def make() -> RolemapApp:
        return RolemapApp(DEMO, opener=opener)

    return make


@pytest.fixture
def make_app(demo_loaded: LoadedSource) -> Callable[[], RolemapApp]:
    return _app_maker(demo_loaded)


@pytest.fixture(scope="session")
def demo_masked(demo_loaded: LoadedSource) -> LoadedSource:
    return masked(demo_loaded)


@pytest.fixture
def make_masked_app(demo_masked: LoadedSource) -> Callable[[], RolemapApp]:
    """An app on the demo with the emulator's ids made stable (for screen snapshots)."""
    return _app_maker(demo_masked)
