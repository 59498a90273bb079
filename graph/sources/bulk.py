"""Bulk loading without the cyclic garbage collector walking the growing heap.

Loading an account builds millions of acyclic objects (parsed JSON, model records); every
few thousand allocations the collector would traverse all of them again. Pausing it while
loading changes no result and removes most of the overhead over a bare json.load.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def bulk_allocation(keep: bool = False) -> Iterator[None]:
    """Pause the cyclic GC for the block (re-enabled after, if it was enabled).

    The pause is process-wide (a loader in a worker thread pauses it for the UI thread too),
    so it wraps only parsing and transforming, which take seconds, never network waits.

    `keep`: what the block built is kept (an analysis). Its millions of objects are then
    moved out of the collector's sight (`gc.freeze`) before it resumes; otherwise its first
    pass walks every one of them (two seconds on a 2,500-role account). They are still
    freed when nothing refers to them; only reference cycles among them wait for an
    `gc.unfreeze()` (the app unfreezes when it replaces an account).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if keep:
            gc.freeze()
        if was_enabled:
            gc.enable()
