"""Deciding a second snapshot of the same account with the first one's answers at hand.

Comparing two snapshots (rolemap diff) decides both; most of what they hold is identical, and
nothing identical should be decided twice. Sharing works at three points, each only where it
is provably the same question:

- a policy document (same name, kind and JSON text) is compiled once: the second side gets the
  first side's `CompiledPolicy` object, so every key built from it (`CompiledPolicy.key`, which
  the second book continues numbering from the first's) is equal on both sides: the decision
  caches and the per-policy bucket index parts;
- with the same bucket names, the bucket index and the per-policy parts are shared as well;
- with the same account (id, partition, Block Public Access), SCPs and assumed context, the
  engine is asked the same questions with the same inputs, so the decision caches (keyed by
  statements, bucket shape, boundary, context and, where read, the role itself) are shared.

Shared answers are then the *same objects* on both sides, which is what lets the diff skip
unchanged answers by identity instead of comparing them field by field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from graph.policy import PolicyKind

if TYPE_CHECKING:
    from graph.access.build import AccessData
    from graph.access.policies import CompiledPolicy, PolicyBook
    from graph.access.reach import ReachComputer

InternKey = tuple[str, PolicyKind, str]


def document_key(document: Any, name: str, kind: PolicyKind) -> InternKey | None:
    """What makes two compiled policies interchangeable: name (it is quoted in evidence),
    kind, and the exact JSON text. None for documents that are not plain JSON values."""
    try:
        text = document if isinstance(document, str) else json.dumps(document)
    except (TypeError, ValueError):
        return None
    return (name, kind, text)


class Reuse:
    """What the second side may take from the first side's analysis."""

    def __init__(self, first: AccessData) -> None:
        self.first = first
        self._interned: dict[InternKey, CompiledPolicy] | None = None

    @property
    def interned(self) -> Mapping[InternKey, CompiledPolicy]:
        """The first side's compiled policies by document (built on first use)."""
        if self._interned is None:
            book = self.first.book
            found: dict[InternKey, CompiledPolicy] = {}
            compiled: list[CompiledPolicy | None] = list(book._managed.values())
            for rp in book._roles.values():
                compiled.extend(rp.identity)
                compiled.append(rp.boundary)
            for bp in book._buckets.values():
                compiled.extend((bp.policy, bp.acl, bp.public_acl))
            for level in book.scps or ():
                compiled.extend(level)
            for cp in compiled:
                if cp is not None:
                    key = document_key(cp.policy.raw, cp.policy.name, cp.policy.kind)
                    if key is not None:
                        found.setdefault(key, cp)
            self._interned = found
        return self._interned

    def compiled(self, document: Any, name: str, kind: PolicyKind) -> CompiledPolicy | None:
        key = document_key(document, name, kind)
        return self.interned.get(key) if key is not None else None

    def same_buckets(self, names: list[str], partition: str) -> bool:
        first = self.first.snapshot
        return (first.account.partition == partition
                and [b.name for b in first.buckets] == names)

    def same_questions(self, data: AccessData) -> bool:
        """Whether the engine gets the same inputs apart from the policies and buckets that
        are keys of each cached decision: same account facts, SCPs and assumed context."""
        first = self.first
        return (first.snapshot.account == data.snapshot.account
                and first.snapshot.scps == data.snapshot.scps
                and first.assumed == data.assumed)

    def public_answers(self, data: AccessData) -> dict[str, Mapping[str, Any]]:
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

    def seed_reach(self, reach: ReachComputer, data: AccessData) -> None:
        """Start the decision caches from copies of the first side's (copies: what the second
        side adds stays its own)."""
        if self.same_questions(data):
            first = self.first.reach
            reach._cache = dict(first._cache)
            reach._class_cache = dict(first._class_cache)
            reach._answer_sets = dict(first._answer_sets)
            # One numbering for both sides: the copied keys hold the first side's numbers.
            reach._ids = first._ids
            reach.number_shapes()
