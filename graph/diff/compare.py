"""Comparing two analysed snapshots: gained, lost and changed rows.

Definitions (the issue's): **gained** — not allowed or conditional before, allowed or
conditional now; **lost** — the reverse; **changed** — reachable both times but different:
conditional ↔ allowed, other conditions, object-key prefixes widened or narrowed, a different
deciding statement (or the same statement with other content), or a different chain of roles.

Instances are compared per pair of chain sets (instances sharing a profile on both sides
share the result) and, within it, only on buckets whose shared answer differs between the
sides; other principals (public, other accounts, services) only on buckets whose own record,
or the account's settings, differ. Anything identical on both sides is neither decided
twice (graph.access.reach.reuse) nor compared.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace

from graph.access import AccessGraph, ActionAccess
from graph.access.reach.build import Chain
from graph.diff.answers import Merged, SideAnswers, group_difference
from graph.diff.causes import narrow
from graph.diff.model import (
    ACCOUNT,
    CHANGED,
    GAINED,
    LOST,
    PUBLIC,
    SERVICE,
    ChangeRow,
    Fact,
    granted,
)
from graph.diff.why import PathFacts
from graph.model import AccountSnapshot, Instance
from graph.policy import Outcome, StatementRef

#: A differing cell without its instance: the row, the roles of both sides' paths, and the
#: texts of the statements that decided it before and after.
InstanceCell = tuple[ChangeRow, tuple[str, ...], frozenset[str], frozenset[str]]

#: (bucket, action, before answer and chain, after answer and chain)
Cell = tuple[str, str, tuple[ActionAccess, tuple[str, ...]] | None,
             tuple[ActionAccess, tuple[str, ...]] | None]


def _prefixes(a: ActionAccess) -> str:
    return ", ".join(a.prefixes) if a.prefixes else "whole bucket"


#: A deciding statement as compared across the sides: its policy and its content, never its
#: position (inserting a statement before it changes nothing about it).
RefKey = tuple[str, str, str]


def _ref_key(ref: StatementRef) -> RefKey:
    return (ref.policy_name, ref.policy_kind.value, ref.content)


def _short(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _lines(facts: tuple[Fact, ...]) -> tuple[str, ...]:
    return tuple(line for fact in facts for line in fact.lines)


class Comparer:
    """Compares two analysed snapshots of (usually) the same account."""

    def __init__(self, old: AccessGraph, new: AccessGraph,
                 facts_from: tuple[AccountSnapshot, AccountSnapshot] | None = None) -> None:
        self.old = SideAnswers(old)
        self.new = SideAnswers(new)
        #: `facts_from`: the snapshots whose facts explain the answers, when more than the
        #: graphs' own (an organisation's: the other accounts' roles and buckets reached).
        self.facts = PathFacts(*(facts_from or (old.snapshot, new.snapshot)))
        self._pairs: dict[tuple[object, ...], list[InstanceCell]] = {}
        self._roles: dict[tuple[str, str, str], set[str]] = {}
        self._evidence: dict[tuple[bool, str, tuple[StatementRef, ...], tuple[str, ...]],
                             tuple[RefKey, ...]] = {}

    # -- classification ---------------------------------------------------------------------

    def _evidence_key(self, side: SideAnswers, bucket: str, access: ActionAccess
                      ) -> tuple[RefKey, ...]:
        # What it depends on: the side (whose bucket documents `own_evidence` reads), the
        # bucket, and the statements quoted, each by its place and by what it says.
        refs = access.evidence
        key = (side is self.new, bucket, refs, tuple(r.content for r in refs))
        found = self._evidence.get(key)
        if found is None:
            if bucket in side.buckets:
                refs = side.graph.own_evidence(bucket, refs)
            found = self._evidence[key] = tuple(sorted(map(_ref_key, refs)))
        return found

    def _texts(self, side: SideAnswers, bucket: str,
               answer: tuple[ActionAccess, tuple[str, ...]] | None) -> frozenset[str]:
        """The texts of the statements that decided an answer (none for no answer)."""
        if answer is None:
            return frozenset()
        return frozenset(key[2] for key in self._evidence_key(side, bucket, answer[0]))

    def _conditions(self, side: SideAnswers, bucket: str, access: ActionAccess
                    ) -> list[tuple[str, RefKey]]:
        """The answer's conditions as compared across the sides: each as written, with its
        statement by content (a statement that moved down one number is the same), the
        bucket's own statement for a bucket policy's (see `own_evidence`)."""
        if not access.conditions:
            return []
        refs = tuple(c.statement for c in access.conditions)
        if bucket in side.buckets:
            refs = side.graph.own_evidence(bucket, refs)
        return sorted((c.raw, _ref_key(ref))
                      for c, ref in zip(access.conditions, refs, strict=True))

    def classify(self, bucket: str, before: tuple[ActionAccess, tuple[str, ...]] | None,
                 after: tuple[ActionAccess, tuple[str, ...]] | None) -> tuple[str, str] | None:
        """(kind, how) for one action, or None when nothing a reviewer cares about differs."""
        b_out = before[0].outcome if before else Outcome.DENIED
        a_out = after[0].outcome if after else Outcome.DENIED
        if not granted(b_out) and granted(a_out):
            return GAINED, f"{b_out.value} → {a_out.value}"
        if granted(b_out) and not granted(a_out):
            return LOST, f"{b_out.value} → {a_out.value}"
        if not (granted(b_out) and before and after):
            return None
        (b, b_via), (a, a_via) = before, after
        if b is a and b_via == a_via:
            return None
        how: list[str] = []
        if b_out is not a_out:
            how.append(f"{b_out.value} → {a_out.value}")
        if b.prefixes != a.prefixes:
            how.append(f"keys {_prefixes(b)} → {_prefixes(a)}")
        if self._conditions(self.old, bucket, b) != self._conditions(self.new, bucket, a):
            how.append("conditions " + (", ".join(map(str, b.conditions)) or "none") + " → "
                       + (", ".join(map(str, a.conditions)) or "none"))
        if b_via != a_via:
            how.append(f"via {' → '.join(map(_short, b_via))} → "
                       f"{' → '.join(map(_short, a_via))}")
        if self._evidence_key(self.old, bucket, b) != self._evidence_key(self.new, bucket, a):
            keys_b = {_ref_key(r) for r in b.evidence}
            keys_a = {_ref_key(r) for r in a.evidence}
            added = list(dict.fromkeys(r.label for r in a.evidence
                                       if _ref_key(r) not in keys_b))
            removed = list(dict.fromkeys(r.label for r in b.evidence
                                         if _ref_key(r) not in keys_a))
            if not (added or removed):
                how.append("deciding statement rewritten: "
                           + "; ".join(dict.fromkeys(r.label for r in a.evidence)))
            if added:
                how.append("deciding statement added: " + "; ".join(added))
            if removed:
                how.append("deciding statement gone: " + "; ".join(removed))
        return (CHANGED, "; ".join(how)) if how else None

    def _cells(self, bucket: str, before: Merged, after: Merged) -> Iterator[Cell]:
        for action in sorted(before.keys() | after.keys()):
            yield bucket, action, before.get(action), after.get(action)

    # -- instances ----------------------------------------------------------------------------

    def _role_candidates(self, old_chain: Chain, new_chain: Chain, oi: Instance | None,
                         ni: Instance | None) -> set[str]:
        o_own = oi if len(old_chain.roles) == 1 and self.old.own(oi) else None
        n_own = ni if len(new_chain.roles) == 1 and self.new.own(ni) else None
        key = (old_chain.roles[-1], o_own.instance_id if o_own else "",
               n_own.instance_id if n_own else "")
        found = self._roles.get(key)
        if found is None:
            found = group_difference(self.old.groups(old_chain.roles[-1], o_own),
                                     self.new.groups(new_chain.roles[-1], n_own))
            self._roles[key] = found
        return found

    def instance_cells(self, oi: Instance | None, ni: Instance | None,
                       only_bucket: str | None) -> list[InstanceCell]:
        """Differing cells of one instance as rows without the instance (and the roles of
        both sides' paths): shared by every instance with the same plans on both sides."""
        o_plan, n_plan = self.old.plan(oi), self.new.plan(ni)
        key = (o_plan, n_plan, only_bucket)
        found = self._pairs.get(key)
        if found is not None:
            return found
        o_chains, n_chains = self.old.chains(oi), self.new.chains(ni)
        same_chains = o_plan[0] == n_plan[0]
        if same_chains:
            candidates: set[str] = set()
            for oc, nc in zip(o_chains, n_chains, strict=True):
                candidates |= self._role_candidates(oc, nc, oi, ni)
        else:
            candidates = self.old.touched(o_chains, oi) | self.new.touched(n_chains, ni)
        if only_bucket is not None:
            candidates &= {only_bucket}
        cells: list[InstanceCell] = []
        for bucket in sorted(candidates):
            if same_chains and all(
                    self.old.role_answers(oc, bucket, oi) is self.new.role_answers(nc, bucket, ni)
                    for oc, nc in zip(o_chains, n_chains, strict=True)):
                continue
            before = self.old.merged(o_chains, bucket, oi)
            after = self.new.merged(n_chains, bucket, ni)
            for _, action, b, a in self._cells(bucket, before, after):
                found = self.classify(bucket, b, a)
                if found is not None:
                    roles = tuple(dict.fromkeys((*(b[1] if b else ()), *(a[1] if a else ()))))
                    cells.append((self._row(*found, bucket, action, b, a), roles,
                                  self._texts(self.old, bucket, b),
                                  self._texts(self.new, bucket, a)))
        self._pairs[key] = cells
        return cells

    def instance_rows(self, only_instance: str | None = None,
                      only_bucket: str | None = None) -> Iterator[ChangeRow]:
        old_snap, new_snap = self.old.graph.snapshot, self.new.graph.snapshot
        ids = list(new_snap.instance_by_id)
        ids += [i for i in old_snap.instance_by_id if i not in new_snap.instance_by_id]
        if only_instance is not None:
            ids = [i for i in ids if i == only_instance]
        for iid in ids:
            oi, ni = old_snap.instance_by_id.get(iid), new_snap.instance_by_id.get(iid)
            label = ni or oi
            assert label is not None
            for row, roles, before, after in self.instance_cells(oi, ni, only_bucket):
                facts = narrow(self.facts.why(iid, roles, row.bucket), row.kind, before, after)
                yield replace(row, instance_id=iid, instance_name=label.name,
                              why=_lines(facts), causes=tuple(f.id for f in facts))

    # -- other principals ---------------------------------------------------------------------

    def _bucket_same(self, name: str) -> bool:
        o, n = self.old.graph, self.new.graph
        ob, nb = o.snapshot.bucket_by_name.get(name), n.snapshot.bucket_by_name.get(name)
        return (ob is not None and ob == nb and o.snapshot.account == n.snapshot.account
                and dict(o.assumed) == dict(n.assumed))

    @staticmethod
    def _principals(side: SideAnswers, bucket: str
                    ) -> dict[tuple[str, str], Mapping[str, ActionAccess]]:
        if bucket not in side.own_buckets:
            return {}
        out: dict[tuple[str, str], Mapping[str, ActionAccess]] = {}
        public = side.graph.public_access(bucket)
        if public:
            out[(PUBLIC, "public")] = public
        for p in side.graph.external(bucket):
            kind = ACCOUNT if p.kind == "account" else SERVICE
            out[(kind, p.name)] = p.actions
        return out

    def principal_rows(self, only_bucket: str | None = None) -> Iterator[ChangeRow]:
        names = list(self.new.own_buckets)
        names += [b for b in self.old.own_buckets if b not in self.new.own_buckets]
        if only_bucket is not None:
            names = [b for b in names if b == only_bucket]
        for bucket in names:
            if self._bucket_same(bucket):
                continue
            before_all = self._principals(self.old, bucket)
            after_all = self._principals(self.new, bucket)
            for who in sorted(before_all.keys() | after_all.keys()):
                before = {k: (a, ()) for k, a in before_all.get(who, {}).items()}
                after = {k: (a, ()) for k, a in after_all.get(who, {}).items()}
                for _, action, b, a in self._cells(bucket, before, after):
                    found = self.classify(bucket, b, a)
                    if found is not None:
                        row = self._row(*found, bucket, action, b, a)
                        facts = narrow(self.facts.why("", (), bucket), row.kind,
                                       self._texts(self.old, bucket, b),
                                       self._texts(self.new, bucket, a))
                        yield replace(row, principal=who[1], principal_kind=who[0],
                                      why=_lines(facts), causes=tuple(f.id for f in facts))

    # -- rows ---------------------------------------------------------------------------------

    def _row(self, kind: str, how: str, bucket: str, action: str,
             before: tuple[ActionAccess, tuple[str, ...]] | None,
             after: tuple[ActionAccess, tuple[str, ...]] | None) -> ChangeRow:
        """The row without its subject and its why (which the caller adds)."""
        side, granting = (self.old, before) if kind == LOST else (self.new, after)
        labels: tuple[str, ...] = ()
        via: tuple[str, ...] = ()
        if granting is not None:
            access, via = granting
            refs = access.evidence
            if bucket in side.buckets:
                refs = side.graph.own_evidence(bucket, refs)
            labels = tuple(dict.fromkeys(r.label for r in refs))
        return ChangeRow(
            kind=kind, bucket=bucket, action=action,
            before=before[0].outcome if before else Outcome.DENIED,
            after=after[0].outcome if after else Outcome.DENIED,
            role=via[-1] if via else "", granted_by=labels, via=via, change=how)
