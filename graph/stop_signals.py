"""SIGTERM and SIGHUP stop a command the way Ctrl-C does: by an exception, so every
`finally` runs (temporaries removed, forked writers stopped) before the process ends.

A `timeout`, a cancelled CI job or a closed SSH session sends SIGTERM or SIGHUP; their
default action ends the process on the spot, leaving whatever it was writing. `Stopped` is a
KeyboardInterrupt, so code that cleans up after Ctrl-C cleans up after these too. The exit
status is the shell's convention for a death by signal, 128 + its number (143, 129).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType

#: The signals that stop a command with clean-up (SIGINT is Python's KeyboardInterrupt).
STOPPING = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Stopped(KeyboardInterrupt):
    """The process was asked to stop by `signum`."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


#: The stopping signal received within `stop_on_signals`, if any. Python drops an exception
#: raised where it cannot propagate (an at-fork hook, a finaliser): this remembers the stop.
_requested: int | None = None


def _stop(signum: int, frame: FrameType | None) -> None:
    global _requested
    _requested = signum
    # Once is enough: a second signal while unwinding must not cut the clean-up short.
    for sig in STOPPING:
        signal.signal(sig, signal.SIG_IGN)
    raise Stopped(signum)


def raise_if_stopped() -> None:
    """Raise `Stopped` if a stop came whose exception was lost; called before an output is
    put in place, so a stop always means the target is left as it was."""
    if _requested is not None:
        raise Stopped(_requested)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold back the stopping signals (and SIGINT) for a step that must not be cut in two;
    one that came meanwhile is handled when the block ends."""
    block = getattr(signal, "pthread_sigmask", None)
    if block is None:
        yield
        return
    previous = block(signal.SIG_BLOCK, {signal.SIGINT, *STOPPING})
    try:
        yield
    finally:
        block(signal.SIG_SETMASK, previous)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise `Stopped`; a signal the process was told to
    ignore (`nohup`) stays ignored. Handlers are restored afterwards; a stop whose exception
    was lost is raised then."""
    global _requested
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _requested = None
    previous = {sig: signal.getsignal(sig) for sig in STOPPING}
    for sig, handler in previous.items():
        if handler is not signal.SIG_IGN:
            signal.signal(sig, _stop)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        requested, _requested = _requested, None
    if requested is not None:
        raise Stopped(requested)


def default_in_child() -> None:
    """In a forked worker: stopping signals end it at once (it holds no file of its own),
    except those the process ignores."""
    global _requested
    _requested = None
    for sig in (signal.SIGINT, *STOPPING):
        if signal.getsignal(sig) is not signal.SIG_IGN:
            signal.signal(sig, signal.SIG_DFL)


def die_with_parent(parent: int) -> None:
    """In a forked worker: end when `parent` ends, however it ends (SIGKILL included), so a
    worker never writes on into an output its parent will not finish. Linux only
    (prctl PR_SET_PDEATHSIG); elsewhere workers notice the parent gone at their next turn."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it ended before the request was made
        os._exit(1)
