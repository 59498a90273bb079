"""Deciding a second snapshot of the same account with the first one's answers at hand.

Comparing two snapshots (rolemap diff) decides both; most of what they hold is identical, and
nothing identical should be decided twice. Sharing works at three points, each only where it
is provably the same question:

- a policy document (same name, kind and JSON text) is compiled once: the second side's book
  takes the first book's `CompiledPolicy` object (`PolicyBook.interned`), so every key built
  from it (`CompiledPolicy.key`, which the second book continues numbering from the first's)
  is equal on both sides: the decision caches and the per-policy bucket index parts;
- with the same bucket names, the bucket index and the per-policy parts are shared as well;
- with the same account (id, partition, Block Public Access), SCPs and assumed context, the
  engine is asked the same questions with the same inputs, so the decision caches (keyed by
  statements, bucket shape, boundary, context and, where read, the role itself) are shared.

Shared answers are then the *same objects* on both sides, which is what lets the diff skip
unchanged answers by identity instead of comparing them field by field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from graph.access.compile.index import BucketIndex
from graph.access.compile.policies import PolicyBook
from graph.access.reach.computer import ReachComputer
from graph.model import AccountSnapshot


class Analysis(Protocol):
    """What sharing reads of an analysis (build.AccessData is one)."""

    snapshot: AccountSnapshot
    assumed: dict[str, str]
    #: The request context decisions read (the time keys at `decided_at`, then `assumed`).
    context: dict[str, str]
    decided_at: datetime
    book: PolicyBook
    index: BucketIndex
    reach: ReachComputer
    public: dict[str, Any]


class Reuse:
    """What the second side may take from the first side's analysis."""

    def __init__(self, first: Analysis) -> None:
        self.first = first

    def same_buckets(self, names: list[str], partition: str) -> bool:
        first = self.first.snapshot
        return (first.account.partition == partition
                and [b.name for b in first.buckets] == names)

    def same_questions(self, data: Analysis) -> bool:
        """Whether the engine gets the same inputs apart from the policies and buckets that
        are keys of each cached decision: same account facts, SCPs and assumed context."""
        first = self.first
        return (first.snapshot.account == data.snapshot.account
                and first.snapshot.scps == data.snapshot.scps
                and first.context == data.context)

    def public_answers(self, data: Analysis) -> dict[str, Mapping[str, Any]]:
        """The first side's public answers (empty map: none) for buckets whose record is
        the same, when the account and context are too: they depend on nothing else."""
        if not self.same_questions(data):
            return {}
        first = self.first
        before = first.snapshot.bucket_by_name
        return {b.name: first.public.get(b.name, {}) for b in data.snapshot.buckets
                if before.get(b.name) == b}

    def seed_book(self, book: PolicyBook, same_buckets: bool) -> None:
        """Share the per-policy bucket index parts (only valid over the same bucket names)."""
        if same_buckets:
            book.parts.update(self.first.book.parts)
            book.statement_facts.update(self.first.book.statement_facts)
            book.statement_masks.update(self.first.book.statement_masks)

    def seed_reach(self, reach: ReachComputer, data: Analysis) -> None:
        """Start the decision caches from copies of the first side's (copies: what the second
        side adds stays its own)."""
        if self.same_questions(data):
            first = self.first.reach
            reach._cache = dict(first._cache)
            reach._class_cache = dict(first._class_cache)
            # Where each copied answer's bucket statements stood (renumber.py): the second
            # side's buckets are renumbered from them.
            reach._class_at = dict(first._class_at)
            reach._answer_sets = dict(first._answer_sets)
            # One numbering for both sides: the copied keys hold the first side's numbers.
            reach._ids = first._ids
            reach.numbering = first.numbering
            reach.number_shapes()
