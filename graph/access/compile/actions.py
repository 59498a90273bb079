"""Stage 1, compile: S3 action sets as bitmasks over the catalogue.

Every statement's S3 actions (after Action/NotAction and wildcards) become one Python int with
a bit per catalogue action, computed once per distinct action set for the whole account. The
later stages only AND, OR and compare these ints: splitting ~180 actions into the classes
that the statements in play treat alike costs a few integer operations per statement.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache

from graph.catalog import S3Action, s3_actions


@cache
def _bits() -> dict[str, int]:
    return {a.name: 1 << n for n, a in enumerate(s3_actions())}


def position(name: str) -> int:
    """The bit number of a catalogue action (KeyError for other names)."""
    return _positions()[name]


@cache
def _positions() -> dict[str, int]:
    return {a.name: n for n, a in enumerate(s3_actions())}


@cache
def action_mask(names: frozenset[str]) -> int:
    """The bitmask of a set of catalogue action names (unknown names are ignored)."""
    bits = _bits()
    mask = 0
    for name in names:
        mask |= bits.get(name, 0)
    return mask


def mask_of(names: Iterable[str]) -> int:
    return action_mask(frozenset(names))


@cache
def scope_masks() -> tuple[int, int]:
    """(bucket-scoped actions, object-scoped actions): they are asked on different ARNs."""
    bucket = mask_of(a.name for a in s3_actions() if a.scope == "bucket")
    return bucket, all_actions() ^ bucket


@cache
def all_actions() -> int:
    return (1 << len(s3_actions())) - 1


def actions_in(mask: int) -> Iterator[S3Action]:
    """The catalogue actions of a mask, in catalogue order."""
    actions = s3_actions()
    while mask:
        low = mask & -mask
        yield actions[low.bit_length() - 1]
        mask ^= low


def first_action(mask: int) -> S3Action:
    """The class representative: its first action in catalogue order."""
    return s3_actions()[(mask & -mask).bit_length() - 1]
