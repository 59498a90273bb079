"""Live calls watched while they run: which one is waiting, and no endless waits on one kind.

botocore's timeouts and retry budget (see `AwsConnection`) bound one call; an account has
thousands of calls of the same kind (one GetBucketPolicy per bucket). If an endpoint stops
answering a kind of call, each would wait its whole budget. So the first call of a kind that
times out marks the kind as hung: later calls of that kind fail at once, and each becomes the
usual warning ("unknown", never "no"). Meanwhile the loader's progress line names the call
that has been waiting longest, so a person can see what the load is stuck on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from botocore.exceptions import (
    BotoCoreError,
    ReadTimeoutError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

Progress = Callable[[str, int, int], None]
#: A call is named in the progress line once it has waited this long (seconds).
SHOW_AFTER = 2.0


class CallKindHung(BotoCoreError):
    """Not sent: an earlier call of the same kind timed out (caught like any botocore error)."""

    fmt = "not sent: an earlier {operation} call got no answer in time ({why})"


class CallWatch:
    """In-flight calls (for the progress line) and the kinds of call that have hung."""

    def __init__(self, progress: Progress, clock: Callable[[], float] = time.monotonic) -> None:
        self._progress = progress
        self._clock = clock
        self._lock = threading.Lock()
        self._running: dict[int, tuple[str, str, float]] = {}
        self._hung: dict[str, str] = {}
        self._step: tuple[str, int, int] = ("", 0, 0)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def progress(self, step: str, done: int, total: int) -> None:
        """Forward to the caller's progress, remembering the step for the waiting line."""
        self._step = (step, done, total)
        self._progress(step, done, total)

    @contextmanager
    def call(self, operation: str, target: str = "") -> Iterator[None]:
        """Run one call (or one paginated read) of `operation` under watch."""
        why = self._hung.get(operation)
        if why is not None:
            raise CallKindHung(operation=operation, why=why)
        key = threading.get_ident()
        with self._lock:
            self._running[key] = (operation, target, self._clock())
        try:
            yield
        except (ReadTimeoutError, BotoConnectionError) as exc:
            # Connect/read timeouts after the whole retry budget: this kind is not answering.
            self._hung.setdefault(operation, type(exc).__name__)
            raise
        finally:
            with self._lock:
                self._running.pop(key, None)

    def waiting(self) -> str | None:
        """ "s3:GetBucketPolicy acme-logs (12 s)" for the longest-waiting call, if any waits."""
        now = self._clock()
        with self._lock:
            calls = list(self._running.values())
        if not calls:
            return None
        operation, target, started = min(calls, key=lambda c: c[2])
        waited = now - started
        if waited < SHOW_AFTER:
            return None
        where = f" {target}" if target else ""
        more = f", {len(calls) - 1} more running" if len(calls) > 1 else ""
        return f"waiting for {operation}{where} ({waited:.0f} s{more})"

    def __enter__(self) -> CallWatch:
        self._thread = threading.Thread(target=self._tick, name="rolemap-call-watch",
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            line = self.waiting()
            if line is not None:
                step, done, total = self._step
                self._progress(f"{step} — {line}" if step else line, done, total)
