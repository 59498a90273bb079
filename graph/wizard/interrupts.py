"""Signals during the wizard's writes: stop writing, roll back, and let nothing cut it short.

Ctrl-C, SIGTERM (a `timeout`, a cancelled CI job) and SIGHUP (a closed SSH session) all mean
"stop": during the writes each raises Interrupted, which apply turns into a rollback. During
the rollback a signal is held back — the first one only says so — because an abandoned
rollback is what leaves resources behind; a further one is taken as meaning it and ends the
process at once, after saying how to finish with `rolemap role undo` (the journal on disk is
always current). Handlers can only be installed from the main thread: elsewhere (the app's
worker) the guard does nothing, and the app asks the writes to stop with a StopRequest,
which apply checks before each call.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any, TextIO

SIGNALS = tuple(s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None))
                if s is not None)


class Interrupted(KeyboardInterrupt):
    """A signal asked the writes to stop; `signum` gives the exit status (128 + signum)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return "Ctrl-C" if self.signum == signal.SIGINT else signal.Signals(self.signum).name


class StopRequest:
    """A signal the app caught for writes running in a worker thread (where no handler can
    interrupt them): apply checks it before each call and rolls back as for Ctrl-C."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.signum = signal.SIGTERM

    def request(self, signum: int) -> None:
        """Ask the writes to stop; later signals while they roll back change nothing."""
        if not self._event.is_set():
            self.signum = signum
            self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise Interrupted when a stop was requested."""
        if self._event.is_set():
            raise Interrupted(self.signum)


class SignalGuard:
    """Installed around `apply_plan` by the command line; apply tells it the phase."""

    def __init__(self, journal_path: str | None, stderr: TextIO | None = None,
                 kill: Callable[[int], Any] = os._exit) -> None:
        self.journal_path = journal_path
        self.stderr = stderr
        self.kill = kill
        self.phase = "idle"
        self.held = 0
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> SignalGuard:
        if threading.current_thread() is threading.main_thread():
            for signum in SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()

    def writing(self) -> None:
        self.phase = "writing"

    def rolling_back(self) -> None:
        self.phase = "rolling back"

    def done(self) -> None:
        self.phase = "idle"

    def _say(self, text: str) -> None:
        stream = self.stderr if self.stderr is not None else sys.stderr
        try:
            stream.write(f"rolemap: {text}\n")
            stream.flush()
        except (OSError, ValueError):
            pass  # the terminal is gone (SIGHUP): the journal still says it all

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.phase == "writing":
            self.phase = "rolling back"  # a second signal, however soon, is held
            raise Interrupted(signum)
        if self.phase == "idle":
            raise Interrupted(signum)
        self.held += 1
        undo = (f"rolemap role undo {self.journal_path}" if self.journal_path
                else "remove what is left by hand")
        if self.held == 1:
            self._say("rolling back what was created; interrupt once more to abandon the "
                      f"rollback (then: {undo})")
            return
        self._say(f"rollback abandoned; to remove what is left: {undo}")
        self.kill(128 + signum)
