"""What a role's side of the engine's evaluation depends on, for one bucket and action class.

The computer keys its class answers by the statements concerning a bucket (classify/), and a
statement whose pattern matches its buckets differently (`acme-*-logs-*`, `acme-?ata-*`) is
tagged with each bucket's name there: those answers are one bucket's own. The role's side of
the evaluation (identity policies, boundary, SCPs) need not be: two buckets on which the same
statements match each asked ARN the same way give the same identity-side hits. So the caller
key names such a statement without the bucket, and hands the statement over as a *probe*:
the decider adds whether each probe matches the ARN asked to its cache key (decider.py,
`Decider._sided`).
"""

from __future__ import annotations

from graph.access.classify.bucket_facts import BucketFacts
from graph.access.classify.role_facts import RoleFacts, SigItem
from graph.access.compile.policies import CompiledPolicy, PolicyBook
from graph.access.compile.policy_part import StmtId
from graph.policy.document import Statement
from graph.policy.hits import arn_decides, matches_arn

#: Stands for a bucket's name in a probed item: the probe's match says the rest.
_PROBED = "\x00probed"


class CallerKeys:
    """Caller keys and probes, kept per statement list (roles share their policies')."""

    def __init__(self, book: PolicyBook) -> None:
        self.book = book
        self._statements: dict[StmtId, Statement | None] = {}
        self._split: dict[tuple[SigItem, ...], tuple[tuple[SigItem, ...],
                                                     tuple[Statement, ...]]] = {}
        self._matches: dict[tuple[StmtId, str, tuple[str, ...]], tuple[bool | None, ...]] = {}
        self._class_named: dict[tuple[object, ...], object] = {}
        #: How a statement matches a bucket's ARNs (the bucket, `bucket/*`, its parts), kept:
        #: a pattern's few buckets are asked about for every statement list holding it.
        self._match: dict[tuple[Statement, str, tuple[str, ...]], tuple[bool | None, ...]] = {}

    def trim(self) -> None:
        """Forget the per-bucket memos (exact: they are made again when asked)."""
        self._matches.clear()
        self._class_named.clear()
        self._match.clear()

    def _match_all(self, stmt: Statement, arn: str, suffixes: tuple[str, ...]
                 ) -> tuple[bool | None, ...]:
        found = self._match.get((stmt, arn, suffixes))
        if found is None:
            found = self._match[(stmt, arn, suffixes)] = tuple(
                matches_arn(stmt, arn + x) for x in suffixes)
        return found

    def key(self, rf: RoleFacts, named: tuple[SigItem, ...]
            ) -> tuple[tuple[SigItem, ...], tuple[Statement, ...]]:
        """`named` with the bucket names of pattern-tagged items blanked, and those items'
        statements (the probes). Unchanged, with no probes, where a tagged statement reads
        policy variables in its Resource (its match depends on more than the ARN)."""
        found = self._split.get(named)
        if found is not None:
            return found
        tagged = [it for it in named if it[2] is not None and not it[2].startswith("not")]
        found = (named, ())
        if tagged:
            probes = tuple(dict.fromkeys(self._statement(rf, it[0]) for it in tagged))
            if all(s is not None and arn_decides(s) for s in probes):
                blanked = tuple((it[0], it[1], _PROBED) if it in tagged else it for it in named)
                found = (blanked, probes)  # type: ignore[assignment]
        self._split[named] = found
        return found

    def class_named(self, rf: RoleFacts, bf: BucketFacts, named: tuple[SigItem, ...],
                    parts: frozenset[str]) -> object:
        """`named` as an action class's cache key sees it: pattern-tagged items named by how
        their statements match every ARN the class's questions ask (the bucket, `bucket/*`,
        each object-key part of either side) instead of by the bucket, so the buckets a
        pattern matches alike share the class's answer (the role's side of the evaluation is
        all that the tag stood for: `Decider._sided` keys it the same way). Unchanged when
        nothing is tagged or a tagged statement cannot be probed."""
        blanked, probes = self.key(rf, named)
        if not probes:
            return named
        found = self._class_named.get((named, bf.bucket.name, parts))
        if found is None:
            asked = {it[1] for it in named if it[1] not in ("", "*")} | parts
            suffixes = ("", "/*", *(f"/{p}" for p in sorted(asked)))
            arn = bf.bucket.arn
            found = self._class_named[(named, bf.bucket.name, parts)] = (blanked, suffixes, tuple(
                self._match_all(stmt, arn, suffixes) for stmt in probes))
        return found

    def probed(self, rf: RoleFacts, bf: BucketFacts, ordered: tuple[SigItem, ...]
               ) -> tuple[object, ...] | None:
        """The statements concerning the bucket (`ordered`, in reading order) with each
        pattern-tagged item's bucket name replaced by how its statement matches every ARN
        the bucket's questions can ask (the bucket, `bucket/*`, each object-key part a
        statement of either side names): buckets with equal such keys (and equal shapes)
        get equal answers, so a role decides them once (the computer's whole-answer key).
        None when nothing is tagged, or an item cannot be blanked (a NotResource exclusion
        naming the bucket, a Resource reading policy variables)."""
        name = bf.bucket.name
        if not any(it[2] == name for it in ordered):
            return None
        parts = {it[1] for it in ordered if it[1] not in ("", "*")}
        parts.update(p for _, p in bf.general_parts)
        parts.update(p for _, p in bf.named_parts.get(rf.policies.role.arn, ()))
        suffixes = ("", "/*", *(f"/{p}" for p in sorted(parts)))
        arn = bf.bucket.arn
        matches = self._matches
        out: list[object] = [suffixes]
        for it in ordered:
            tag = it[2]
            if tag != name:
                if tag is None or tag.startswith("not#"):  # alike on every bucket it names
                    out.append(it)
                    continue
                return None
            mkey = (it[0], name, suffixes)
            found = matches.get(mkey)
            if found is None:
                stmt = self._statement(rf, it[0])
                if stmt is None or not arn_decides(stmt):
                    return None
                found = matches[mkey] = self._match_all(stmt, arn, suffixes)
            out.append((it[0], it[1], _PROBED, found))
        return tuple(out)

    def _statement(self, rf: RoleFacts, sid: StmtId) -> Statement | None:
        """The engine's statement an item names (by its policy's key and position)."""
        if sid in self._statements:
            return self._statements[sid]
        rp = rf.policies
        policies: list[CompiledPolicy] = [*rp.identity]
        if rp.boundary is not None:
            policies.append(rp.boundary)
        for level in self.book.scps or ():
            policies.extend(level)
        found: Statement | None = None
        for cp in policies:
            if cp.key == sid[0]:
                found = next((s for s in cp.policy.statements if s.index == sid[1]), None)
                break
        self._statements[sid] = found
        return found
