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
def bulk_allocation() -> Iterator[None]:
    """Pause the cyclic GC for the block (re-enabled after, if it was enabled).

    The pause is process-wide (a loader in a worker thread pauses it for the UI thread too),
    so it wraps only parsing and transforming, which take seconds, never network waits.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
