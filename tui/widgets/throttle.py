"""A breaker for feedback loops between widgets: at most `limit` events in `seconds`.

Moving the focus to the active tab's table when a tab is activated is what a person expects;
but a focus request into another tab activates that tab, and under load two such requests in
flight can hand the tabs back and forth without end, so the app never goes idle. Past the
limit the move is skipped: the tab stays shown, and the next key press focuses as usual.
"""

from __future__ import annotations

import time
from collections import deque


class Throttle:
    """Allows an action at most `limit` times within any `seconds`."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self._times: deque[float] = deque()

    def allow(self) -> bool:
        now = time.monotonic()
        times = self._times
        while times and now - times[0] > self.seconds:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        return True
