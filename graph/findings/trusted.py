"""Cross-account access through our own roles: another account (its root, one of its roles or
users, or any account through a trust to "*") may assume a role of this account, directly or
then chaining to further roles, and act on buckets with that role's own permissions.

The bucket-policy rule (buckets.py) only sees grants a bucket makes to outside principals;
this one reads the trust edges the access graph already decided (`AccessData.assume_edges`,
one engine question per role and outside principal, the other account's own policies standing
in as "allow") and the role chains it already keeps (`chains_from`), then what the role
reaches, read once per shared answer set (per action class), never bucket by bucket.
Services (ec2, lambda…) and this account's own root, roles and users are not outside; what
anyone may do anyway on a public bucket is not counted as access through the role; of several
ways to the same role, the surest and then the shortest is shown.

Grouping: one finding per outside account and role it can end up acting as; the buckets that
role reaches are its subject (named in the title when there is one, listed in the detail
otherwise), as the instance-exposure and escalation findings list theirs. A role granting
s3:* on "*" to a partner is one finding, not one per bucket. The id comes from the account
and the role, so it stays put when buckets come and go.

Severity is exposure.severity_for (the README's table), relative to a bucket policy granting
to another account (buckets.py):
  - any account (trust to "*") is the public's audience, one level up, since every AWS
    principal can make the call; one other account adds none;
  - the classes exposed set the base (write or permissions high, object reads medium, key
    listings low, metadata only info) and data in ten buckets or more raises it;
  - one level lower when the way in is conditioned on who the caller is (aws:PrincipalOrgID
    and the like), or when every grant on the buckets is limited to a network or caller
    (aws:SourceVpce, aws:SourceIp…). sts:ExternalId lowers only a trust to "*": it protects a
    named account against a confused deputy, not the bucket against that account, which
    knows its own ExternalId;
  - low ("may") when a step of the way could not be decided (unknown).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

from graph.access import ActionAccess
from graph.access.compile.actions import actions_in
from graph.access.decide.trust import AssumeEdge
from graph.access.model import unique_conditions, unique_refs
from graph.access.reach.build import Chain
from graph.findings.answer_values import answers_key
from graph.findings.buckets import RESTRICTING_KEYS
from graph.findings.context import FindingContext, listed, short, verbs
from graph.findings.exposure import ExposureSummary, bucket_exposure, severity_for
from graph.findings.fixes import identity_fix
from graph.findings.model import Finding, PathStep, Severity, finding_id, more_step
from graph.findings.roles import (
    SAFE_TRUST_KEYS,
    _account_of,
    _named_principals,
    _trust_statements,
)
from graph.policy import ConditionRef, Outcome, PolicyKind, StatementRef

#: Buckets named in a finding's detail (the rest are counted).
SHOWN_BUCKETS = 10
#: Buckets drawn in a finding's path.
DRAWN_BUCKETS = 3
#: Stands in for "some principal of another account" when a trust statement names "*".
STRANGER = "arn:aws:iam::000000000000:role/stranger"
#: Condition keys whose values naming this account keep a trust to "*" inside it.
OWN_KEYS = frozenset({"aws:principalaccount", "aws:principalarn", "aws:sourceaccount"})
#: Keys that limit who may come in, or from where: a way in under them ranks one level lower.
GUARD_KEYS = SAFE_TRUST_KEYS | RESTRICTING_KEYS
#: The confused-deputy guard: a secret the named account holds (see _severity).
EXTERNAL_ID = "sts:externalid"
_WORST = {Outcome.ALLOWED: 0, Outcome.CONDITIONAL: 1, Outcome.UNKNOWN: 2}


@dataclass(frozen=True)
class Grant:
    """What one shared answer set grants: actions, statements, prefixes, conditions."""

    actions: frozenset[str]
    evidence: tuple[StatementRef, ...]
    #: Object-key prefixes every object grant is limited to; () for the whole bucket.
    prefixes: tuple[str, ...]
    conditions: tuple[ConditionRef, ...]


@dataclass(frozen=True)
class WayIn:
    """How an outside account comes to act as a role: the trust edge, then role chaining."""

    account: str  # the other account's id, or "*" for any account
    principals: tuple[str, ...]  # what the trust statements name of it
    entry: AssumeEdge
    chain: Chain

    @property
    def hops(self) -> tuple[AssumeEdge, ...]:
        return (self.entry, *self.chain.hops)

    @property
    def outcome(self) -> Outcome:
        return max((h.outcome for h in self.hops), key=_WORST.__getitem__)

    @property
    def roles(self) -> tuple[str, ...]:
        return self.chain.roles

    def rank(self) -> tuple[int, int, str]:
        return (_WORST[self.outcome], len(self.roles), self.roles[0])


def trusted_findings(ctx: FindingContext) -> Iterator[Finding]:
    """One cross-account finding per outside account and role it can act as that reaches a
    bucket (granted or conditional actions)."""
    best: dict[tuple[str, str], WayIn] = {}
    for account, principals, edge in _outside_edges(ctx):
        for chain in ctx.graph.data.chains_from(edge.target_arn):
            way = WayIn(account, principals, edge, chain)
            key = (account, chain.roles[-1])
            if key not in best or way.rank() < best[key].rank():
                best[key] = way
    for (_, role_arn), way in sorted(best.items()):
        grants = _reach(ctx, role_arn)
        if grants:
            yield _finding(ctx, way, grants)


def _outside_edges(ctx: FindingContext) -> Iterator[tuple[str, tuple[str, ...], AssumeEdge]]:
    """(account, principals named, edge) for every role another account may assume: the
    graph's decided edges (its own account and services are not outside), and "*" trusts."""
    data = ctx.graph.data
    own = ctx.snapshot.account_id
    by_key: dict[tuple[str, str], AssumeEdge] = {}
    for e in data.assume_edges:
        if not e.source.startswith("account:") or not _possible(e):
            continue
        account = e.source.split(":", 1)[1]
        if account == own:
            continue
        key = (account, e.target_arn)
        if key not in by_key or _WORST[e.outcome] < _WORST[by_key[key].outcome]:
            by_key[key] = e
    role_by_arn = ctx.snapshot.role_by_arn
    for (account, arn), edge in sorted(by_key.items()):
        role = role_by_arn.get(arn)
        if role is not None:
            named = [p for s in _trust_statements(role) if s.get("Effect") == "Allow"
                     for p in _named_principals(s)]
            yield account, _principals_of(named, account), edge
    for role in ctx.snapshot.roles:
        if not any("*" in _named_principals(s) for s in _trust_statements(role)):
            continue
        edge = data.trust.account_edge(role, STRANGER)
        if _possible(edge) and not _kept_inside(edge.conditions, own):
            yield "*", ("*",), edge


def _possible(e: AssumeEdge) -> bool:
    return e.granted or e.outcome is Outcome.UNKNOWN


def _principals_of(named: Iterable[str], account: str) -> tuple[str, ...]:
    """The trust policy's principals of `account`, its root (or bare id) first."""
    found = {p for p in named if _account_of(p) == account}
    return tuple(sorted(found, key=lambda p: (not (p.endswith(":root") or p == account), p))) \
        or (f"arn:aws:iam::{account}:root",)


def _kept_inside(conditions: Iterable[ConditionRef], account: str) -> bool:
    """Whether conditions on the caller's account or ARN all name this account."""
    scoped = [c for c in conditions if c.key.lower() in OWN_KEYS]
    return bool(scoped) and all(all(account in v for v in c.values) for c in scoped)


# -- what the role reaches ---------------------------------------------------------------------


def _reach(ctx: FindingContext, role_arn: str) -> list[tuple[Grant, list[str]]]:
    """(grant, bucket names) per shared answer set of the role that grants something."""
    cache: dict[str, list[tuple[Grant, list[str]]]] = ctx.__dict__.setdefault("_trusted", {})
    found = cache.get(role_arn)
    if found is None:
        found = []
        public = ctx.graph.data.public
        for res, names in ctx.graph.role_classes(role_arn):
            grant = _grant(ctx, res)
            if not grant.actions or not names:
                continue
            # What anyone may do anyway is not access through the role (the few buckets
            # with a public answer are looked at one by one; the others share the class).
            shared = [n for n in names if n not in public] if public else names
            if shared:
                found.append((grant, shared))
            for name in (n for n in names if n in public) if public else ():
                extra = grant.actions - ctx.public_granted(name)
                if extra:
                    found.append((replace(grant, actions=extra), [name]))
        cache[role_arn] = found
    return found


def _grant(ctx: FindingContext, answers: Mapping[str, ActionAccess]) -> Grant:
    """Read once per shared answer set (thousands of buckets share a few)."""
    cache: dict[Hashable, Grant] = ctx.__dict__.setdefault("_trusted_grants", {})
    key = answers_key(answers)
    hit = cache.get(key)
    if hit is not None:
        return hit
    entries = getattr(answers, "entries", None)
    granted: list[tuple[frozenset[str], ActionAccess]] = []
    if entries is not None:
        for e in entries:
            if e.answer.granted:
                granted.append((frozenset(a.name for a in actions_in(e.mask)), e.answer))
    else:
        granted = [(frozenset((a.action,)), a) for a in answers.values() if a.granted]
    names = frozenset(n for group, _ in granted for n in group)
    objects = [a for _, a in granted if a.scope == "object"]
    prefixes: tuple[str, ...] = ()
    if objects and all(a.prefixes for a in objects):
        prefixes = tuple(dict.fromkeys(p for a in objects for p in a.prefixes))
    grant = Grant(names, unique_refs(r for _, a in granted for r in a.evidence), prefixes,
                  unique_conditions(c for _, a in granted for c in a.conditions))
    cache[key] = grant
    return grant


# -- the finding --------------------------------------------------------------------------------


def _who(way: WayIn) -> str:
    if way.account == "*":
        return 'any AWS account (trust to Principal "*")'
    first = way.principals[0]
    if first.endswith(":root") or first == way.account:
        return f"account {way.account}"
    return f"{short(first)} of account {way.account}"


def _severity(way: WayIn, summary: ExposureSummary, grants: list[tuple[Grant, list[str]]]
              ) -> Severity:
    """exposure.severity_for, with this way's audience and guards."""
    wide = way.account == "*"
    keys = GUARD_KEYS if wide else GUARD_KEYS - {EXTERNAL_ID}
    guarded = any(c.key.lower() in keys for h in way.hops for c in h.conditions)
    limited = all(any(c.key.lower() in RESTRICTING_KEYS for c in g.conditions)
                  for g, _ in grants)
    return severity_for(summary, audience="public" if wide else "account",
                        limited=guarded or limited, unknown=way.outcome is Outcome.UNKNOWN)


def _finding(ctx: FindingContext, way: WayIn, grants: list[tuple[Grant, list[str]]]
             ) -> Finding:
    role_arn = way.roles[-1]
    entry = way.roles[0]
    per_bucket: dict[str, Grant] = {}
    for grant, names in grants:
        for name in names:
            per_bucket.setdefault(name, grant)
    buckets = sorted(per_bucket)
    actions = sorted({a for g, _ in grants for a in g.actions})
    # Data first: buckets by the most they expose, metadata-only ones counted apart.
    buckets.sort(key=lambda b: (-bucket_exposure(per_bucket[b].actions), b))
    summary = ExposureSummary.of({b: g.actions for b, g in per_bucket.items()})
    severity = _severity(way, summary, grants)
    who = _who(way)
    trust_conditions = unique_conditions(c for h in way.hops for c in h.conditions)
    roles = " → ".join(short(r) for r in way.roles)
    guard = sorted({c.key for c in trust_conditions if c.key.lower() in GUARD_KEYS})
    how = f"can assume role {roles}"
    if way.outcome is Outcome.UNKNOWN:
        how = f"may be able to assume role {roles} (unknown)"
    elif guard:
        how += f" (only with {', '.join(guard)})"
    elif way.outcome is Outcome.CONDITIONAL:
        how += " (conditionally)"
    what = verbs(actions)
    if len(buckets) == 1:
        where = f" under {', '.join(per_bucket[buckets[0]].prefixes)}" \
            if per_bucket[buckets[0]].prefixes else ""
        title = f"{buckets[0]}: {who} {how} and {what}{where}"
    else:
        title = f"{who} {how}, which {summary.text()}"
    evidence, bucket_of = _evidence(ctx, way, grants)
    return Finding(
        finding_id("cross-account", "assume", way.account, role_arn), severity,
        "cross-account", title, _fix(ctx, way, evidence, bucket_of),
        role=entry, bucket=buckets[0] if len(buckets) == 1 else None,
        principal=way.principals[0], actions=tuple(actions), evidence=evidence,
        detail=tuple(_detail(way, buckets, per_bucket, trust_conditions)), buckets=tuple(buckets),
        path=tuple(_path(way, buckets, per_bucket)), view=("role", entry))


def _evidence(ctx: FindingContext, way: WayIn, grants: list[tuple[Grant, list[str]]]
              ) -> tuple[tuple[StatementRef, ...], dict[StatementRef, str]]:
    """The trust statements (and chaining statements), then those granting the buckets;
    bucket-policy statements quoted from each bucket's own policy, with that bucket."""
    refs: list[StatementRef] = [r for h in way.hops for r in h.evidence]
    bucket_of: dict[StatementRef, str] = {}
    for grant, names in sorted(grants, key=lambda gn: gn[1][0]):
        own = grant.evidence
        if any(r.policy_kind is PolicyKind.RESOURCE for r in own):
            own = ctx.graph.own_evidence(names[0], own)
            for r in own:
                if r.policy_kind is PolicyKind.RESOURCE:
                    bucket_of.setdefault(r, names[0])
        refs.extend(own)
    return unique_refs(refs), bucket_of


def _detail(way: WayIn, buckets: list[str], per_bucket: Mapping[str, Grant],
            trust_conditions: tuple[ConditionRef, ...]) -> list[str]:
    lines: list[str] = []
    if len(way.principals) > 1:
        lines.append(f"trust names {', '.join(way.principals)}")
    if len(way.roles) > 1:
        lines.append(f"by assuming {short(way.roles[0])}, then "
                     + ", then ".join(short(r) for r in way.roles[1:]))
    if trust_conditions:
        lines.append(f"only if {', '.join(str(c) for c in trust_conditions)}")
    for hop in way.hops:
        if hop.outcome is Outcome.UNKNOWN:
            lines.append(f"unknown: assuming {short(hop.target_arn)}: "
                         + "; ".join(hop.reasons))
    if way.account != "*":
        lines.append(f"and only if account {way.account}'s own policies allow it (not loaded)")
    for name in buckets[:SHOWN_BUCKETS]:
        g = per_bucket[name]
        under = f" (only under {', '.join(g.prefixes)})" if g.prefixes else ""
        lines.append(f"{name}: {listed(g.actions)}{under}")
        if g.conditions:
            lines.append(f"  only if {', '.join(dict.fromkeys(str(c) for c in g.conditions))}")
    if len(buckets) > SHOWN_BUCKETS:
        lines.append(f"… and {len(buckets) - SHOWN_BUCKETS} more bucket(s)")
    return lines


def _fix(ctx: FindingContext, way: WayIn, evidence: tuple[StatementRef, ...],
         bucket_of: Mapping[StatementRef, str]) -> str:
    """The trust statement to narrow (or guard), then each chaining step, then the
    statements granting the buckets: removing any one of them closes the way."""
    entry = short(way.roles[0])
    trust = [r for r in way.entry.evidence if r.policy_kind is PolicyKind.TRUST]
    stated = ", ".join(r.label for r in trust) or "its trust policy"
    guarded = any(c.key.lower() in SAFE_TRUST_KEYS for c in way.entry.conditions)
    parts = []
    if guarded:
        parts.append(f"check {_who(way)} is meant to reach these buckets; keep {stated} of "
                     f"role {entry} limited to it")
    else:
        parts.append(f"in role {entry}'s trust policy, narrow {stated} to the exact "
                     'principal and add "Condition": {"StringEquals": {"sts:ExternalId": '
                     '"<secret agreed with the third party>"}} (or aws:PrincipalOrgID for '
                     "your own organization)")
    for hop in way.chain.hops:
        caller = short(hop.source.split(":", 1)[1])
        target = short(hop.target_arn)
        own = [r.label for r in hop.evidence if r.policy_kind is PolicyKind.IDENTITY]
        trusts = [r.label for r in hop.evidence if r.policy_kind is PolicyKind.TRUST]
        if own:
            parts.append(f"or remove sts:AssumeRole on {target} from {', '.join(own)}")
        if trusts:
            parts.append(f"or stop {', '.join(trusts)} of role {target} naming {caller}")
    acting = short(way.roles[-1])
    role = ctx.snapshot.role_by_arn.get(way.roles[-1])
    hop_refs = {r for h in way.hops for r in h.evidence}
    for ref in evidence:
        if ref.policy_kind is PolicyKind.IDENTITY and ref not in hop_refs:
            parts.append("or " + identity_fix(
                ctx.snapshot, ref, "narrow its Resource to the buckets and prefixes the other "
                f"account needs (role {acting} acts for it)", role))
    for ref in evidence:
        if ref.policy_kind is PolicyKind.RESOURCE:
            parts.append(f"or narrow {ref.label} of bucket {bucket_of.get(ref, '?')} (role "
                         f"{acting} gets access through it)")
    return "; ".join(dict.fromkeys(parts))


def _path(way: WayIn, buckets: list[str], per_bucket: Mapping[str, Grant]
          ) -> list[PathStep]:
    node = f"account:{way.account}"
    steps = [PathStep(node, f"role:{way.roles[0]}", "can assume", way.entry.evidence)]
    for hop in way.chain.hops:
        steps.append(PathStep(f"role:{hop.source.split(':', 1)[1]}", f"role:{hop.target_arn}",
                              "can assume", hop.evidence))
    for name in buckets[:DRAWN_BUCKETS]:
        g = per_bucket[name]
        steps.append(PathStep(f"role:{way.roles[-1]}", f"bucket:{name}",
                              f"can {verbs(g.actions)}", g.evidence))
    if len(buckets) > DRAWN_BUCKETS:
        steps.append(more_step(f"role:{way.roles[-1]}", len(buckets) - DRAWN_BUCKETS))
    return steps
