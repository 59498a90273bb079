"""The loop breaker that keeps tab activation and focus from handing each other on forever."""

from __future__ import annotations

import pytest

from tui.widgets.throttle import Throttle


def test_past_the_limit_the_action_is_skipped_until_the_window_passes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr("tui.widgets.throttle.time.monotonic", lambda: now[0])
    gate = Throttle(limit=3, seconds=1.0)
    assert [gate.allow() for _ in range(5)] == [True, True, True, False, False]
    now[0] += 1.5
    assert gate.allow()
