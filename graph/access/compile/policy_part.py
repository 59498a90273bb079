"""One policy's statements indexed by the buckets they name: kept as sets, never per bucket.

A statement with a wildcard resource (`arn:aws:s3:::acme-*`, a perimeter NotResource) names
hundreds or thousands of buckets, and a role holds several such statements. Writing an entry
per (statement, bucket) made indexing cost policies x buckets in time and memory on large
accounts; here each resource pattern keeps the bucket set the index returns, and what a
bucket needs is read from those sets: its statements (`sig_of`), its granted actions
(`specific_of`), and the grouping of buckets by identical statements (`groups`), made by
splitting sets, not by visiting every name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property

from graph.access.compile.actions import action_mask
from graph.access.compile.index import BucketIndex, PatternScope
from graph.access.compile.policies import CompiledPolicy, PolicyBook
from graph.access.compile.statements import PRINCIPAL_KEY_PREFIXES, StatementFacts

#: A statement's identity: (its CompiledPolicy's key, statement position).
StmtId = tuple[int, int]
#: How a statement concerns a bucket: (statement, object-key part, tag). The tag is None when
#: the statement treats every bucket it concerns alike, else the bucket's name (prefixed
#: "not:" for a NotResource exclusion; "not#<n>" names the excluding uniform pattern):
#: equal items mean equal matching.
SigItem = tuple[StmtId, str, str | None]


@dataclass(frozen=True)
class NamedScope:
    """One resource pattern of one statement and the buckets it names."""

    stmt: StmtId
    key_part: str
    #: The item every bucket of the scope gets; None when the pattern matches its buckets
    #: differently, and each bucket's item carries its name after `tag`.
    item: SigItem | None
    tag: str
    buckets: frozenset[str]
    #: The actions an identity Allow grants on these buckets (None for other statements).
    grants: frozenset[str] | None

    def item_for(self, name: str) -> SigItem:
        return self.item or (self.stmt, self.key_part, self.tag + name)


@dataclass(frozen=True)
class PolicyPart:
    """What one policy contributes to a role's facts; shared by every role it is attached to."""

    universal_actions: frozenset[str]
    universal_sig: frozenset[SigItem]
    #: The patterns naming buckets, in statement order (the order of each bucket's items).
    scopes: tuple[NamedScope, ...]
    special: frozenset[str]
    keys_read: frozenset[str]
    sensitive: bool
    #: The principal keys its statements read (lower-cased; "*" for one that is not a
    #: principal tag, e.g. aws:PrincipalArn or ${aws:username}).
    principal_keys: frozenset[str]
    _specific: dict[tuple[int, ...], frozenset[str]] = field(
        default_factory=dict, repr=False, compare=False)

    def sig_of(self, name: str) -> tuple[SigItem, ...]:
        """The items of the statements naming one bucket (empty when none does)."""
        if name not in self.special:
            return ()
        return tuple(s.item_for(name) for s in self.scopes if name in s.buckets)

    def specific_of(self, name: str) -> frozenset[str]:
        """S3 actions this policy's Allow statements grant on the bucket specifically."""
        if name not in self.special:
            return frozenset()
        which = tuple(n for n, s in enumerate(self.scopes)
                      if s.grants is not None and name in s.buckets)
        found = self._specific.get(which)
        if found is None:
            found = frozenset().union(*(self.scopes[n].grants or () for n in which))
            self._specific[which] = found
        return found

    @cached_property
    def groups(self) -> dict[tuple[SigItem, ...], list[str]]:
        """The named buckets grouped by identical items, each list sorted, groups in the
        order of their first name. Made by splitting the bucket set by each scope's set."""
        split: dict[tuple[int, ...], frozenset[str]] = {(): self.special}
        for n, scope in enumerate(self.scopes):
            refined: dict[tuple[int, ...], frozenset[str]] = {}
            for key, names in split.items():
                inside = names & scope.buckets
                if not inside:
                    refined[key] = names
                    continue
                refined[key + (n,)] = inside
                if len(inside) < len(names):
                    refined[key] = names - inside
            split = refined
        by_sig: dict[tuple[SigItem, ...], list[str]] = {}
        for key, names in split.items():
            scopes = [self.scopes[n] for n in key]
            if all(s.item is not None for s in scopes):
                by_sig.setdefault(tuple(s.item for s in scopes), []).extend(names)  # type: ignore[misc]
            else:
                for name in names:
                    by_sig.setdefault(tuple(s.item_for(name) for s in scopes), []).append(name)
        for names in by_sig.values():
            names.sort()
        return dict(sorted(by_sig.items(), key=lambda kv: kv[1][0]))


def _scopes(index: BucketIndex, facts: StatementFacts) -> list[PatternScope]:
    return [index.scope(r) for r in facts.resources]


_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_TAG_KEY = re.compile(r"aws:principaltag/[^\s,'\"*?$]+")


def _principal_keys(cp: CompiledPolicy, n: int, f: StatementFacts) -> set[str]:
    """The principal keys a statement reads in conditions and policy variables; "*" for
    any that is not a plain principal tag (then the whole role is what answers depend on)."""
    keys = {k for k in f.condition_keys if k.startswith(PRINCIPAL_KEY_PREFIXES)}
    if f.has_variables:
        text = json.dumps(cp.policy.statements[n].ref.statement)
        keys |= {v.strip().lower() for v in _VARIABLE.findall(text)}
    return {k if _TAG_KEY.fullmatch(k) else "*" for k in keys}


def policy_part(cp: CompiledPolicy, grants: bool, book: PolicyBook,
                index: BucketIndex) -> PolicyPart:
    """Index one policy's statements by the buckets they concern (once per policy)."""
    cache: dict[tuple[int, bool], PolicyPart] = book.parts
    found = cache.get((cp.key, grants))
    if found is not None:
        return found
    universal: set[str] = set()
    special: list[frozenset[str]] = []
    keys_read: set[str] = set()
    sensitive = False
    principal_keys: set[str] = set()
    uni_sig: set[SigItem] = set()
    scopes: list[NamedScope] = []
    for n, f in enumerate(cp.facts):
        keys_read |= f.condition_keys
        if f.principal_sensitive:
            sensitive = True
            principal_keys |= _principal_keys(cp, n, f)
        if not f.s3_actions:
            continue
        allow = grants and f.effect == "Allow"
        stmt_id = (cp.key, n)
        book.statement_facts[stmt_id] = f
        book.statement_masks[stmt_id] = action_mask(f.s3_actions)
        for k, scope in enumerate(_scopes(index, f)):
            if f.not_resource:
                uni_sig.add((stmt_id, "", None))
                if scope.buckets:
                    special.append(scope.buckets)
                    # A uniform pattern excludes all of its buckets alike: the tag names the
                    # pattern, and buckets excluded by the same patterns share decisions (a
                    # perimeter deny over "acme-*" must not make every bucket one of a kind).
                    item = (stmt_id, "", f"not#{k}") if scope.uniform else None
                    scopes.append(NamedScope(stmt_id, "", item, "not:", scope.buckets, None))
                if allow and not scope.universal:
                    universal |= f.s3_actions
                continue
            if scope.universal:
                uni_sig.add((stmt_id, scope.key_part, None))
                if allow:
                    universal |= f.s3_actions
                continue
            if not scope.buckets:
                continue
            special.append(scope.buckets)
            item = (stmt_id, scope.key_part, None) if scope.uniform else None
            scopes.append(NamedScope(stmt_id, scope.key_part, item, "", scope.buckets,
                                     f.s3_actions if allow else None))
    part = PolicyPart(
        universal_actions=frozenset(universal),
        universal_sig=frozenset(uni_sig),
        scopes=tuple(scopes),
        special=special[0] if len(special) == 1 else frozenset().union(*special),
        keys_read=frozenset(keys_read),
        sensitive=sensitive,
        principal_keys=frozenset(principal_keys),
    )
    cache[(cp.key, grants)] = part
    return part
