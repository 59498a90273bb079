"""SIGTERM and SIGHUP in the app: leave like `q` does, but never in the middle of writes.

Without a handler either signal ends the process where it stands: the terminal is left in
the app's mode and a role being created in a worker thread is abandoned half made. With one,
the app exits with 128 + the signal's number (143, 129) as every command does; when the
wizard is writing, the writes are asked to stop (they roll back as for Ctrl-C) and the app
leaves once the rollback has been read back and shown. Further signals meanwhile are held:
an abandoned rollback is what leaves resources behind (SIGKILL still ends it, and the
journal on disk says how to `rolemap role undo`).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

from graph.wizard.interrupts import StopRequest

SIGNALS = tuple(s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None)


class AppSignals:
    """The app's writes in flight and what a signal asks of them."""

    def __init__(self, leave: Callable[[int], None]) -> None:
        self.leave = leave
        """Exits the app with a return code (the app's exit)."""
        self.writes: set[StopRequest] = set()
        """Stop requests of the writes running now (one per wizard create)."""
        self.exit_code: int | None = None
        """Set once a signal asked the app to leave: it leaves when the writes end."""

    def install(self) -> None:
        """Handle the signals on the app's event loop (only the main thread can)."""
        try:
            loop = asyncio.get_running_loop()
            for signum in SIGNALS:
                loop.add_signal_handler(signum, self.received, signum)
        except (RuntimeError, NotImplementedError, ValueError):
            pass  # not the main thread, or a platform without them: the default stays

    def received(self, signum: int) -> None:
        if self.exit_code is None:
            self.exit_code = 128 + signum
        if self.writes:
            for stop in self.writes:
                stop.request(signum)
            return
        self.leave(self.exit_code)

    def writing(self) -> StopRequest:
        """A stop request for writes about to start (stopped at once when a signal came)."""
        stop = StopRequest()
        if self.exit_code is not None:
            stop.request(self.exit_code - 128)
        self.writes.add(stop)
        return stop

    def written(self, stop: StopRequest) -> None:
        """The writes behind `stop` ended (done or rolled back): leave if a signal asked."""
        self.writes.discard(stop)
        if self.exit_code is not None and not self.writes:
            self.leave(self.exit_code)
