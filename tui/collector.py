"""How the app keeps Python's garbage collector off a loaded account (see `settle_collector`)."""

from __future__ import annotations

import gc

#: Allocations between young-generation collections once an account is loaded.
_YOUNG_THRESHOLD = 20_000


def settle_collector(collect: bool) -> None:
    """Keep the garbage collector off the account's objects once they are loaded.

    A large account is millions of long-lived objects (and the explorer's tables index every
    row); without freezing them, the collector's full passes show up as stalls of tens to
    hundreds of milliseconds between keystrokes. The young generation is also given more room
    than Python's default of 700 allocations: building one screen allocates thousands of
    short-lived objects, and each young pass costs a few milliseconds on a large heap.

    Frozen objects are never collected, garbage included: after a reload the previous
    account (held in reference cycles by the screens that showed it) must be collected
    first (`collect`), or every reload would keep one more account in memory for good.
    """
    if collect:
        # The analysis froze what it built, the previous account included if it was still
        # shown then (graph.sources.bulk): thaw it all, so that account can go.
        gc.unfreeze()
        gc.collect()
    gc.freeze()
    gc.set_threshold(_YOUNG_THRESHOLD, 20, 20)


#: Seconds between a reload (or a new assumed context) and collecting the previous account:
#: time for every screen to let go of it. The collection itself takes about half a second
#: on a 10,000-instance account, once.
SETTLE_AFTER_CHANGE = 1.0
