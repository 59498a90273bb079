"""Per-account progress of an organisation load (live or from collected files).

An organisation takes minutes: the person is told each account as it starts and ends, and
why one failed. The events come from the thread that consumes the loaded snapshots.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from graph.model import AccountSnapshot

#: AccountEvent.state values.
STARTED = "loading"
LOADED = "loaded"
FAILED = "failed"
#: The operations of the warnings saying an account failed as a whole.
ASSUME_OPERATION = "sts:AssumeRole"
LOAD_OPERATION = "load"
FAILURE_OPERATIONS = frozenset({ASSUME_OPERATION, LOAD_OPERATION})


@dataclass(frozen=True)
class AccountEvent:
    """One account started, loaded or failed; `done` of `total` accounts are finished."""

    account_id: str
    name: str
    state: str
    done: int
    total: int
    #: LOADED: "12 roles, 3 instances, 4 buckets, 0 warnings"; FAILED: the reason.
    detail: str = ""


OrgProgress = Callable[[AccountEvent], None]


def quiet(event: AccountEvent) -> None:
    return None


def counts(snapshot: AccountSnapshot) -> str:
    """LOADED's detail."""
    return (f"{len(snapshot.roles)} roles, {len(snapshot.instances)} instances, "
            f"{len(snapshot.buckets)} buckets, {len(snapshot.warnings)} warnings")
