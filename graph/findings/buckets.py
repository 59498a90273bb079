"""Bucket findings: public buckets, buckets shared with other accounts or services, and
buckets with Block Public Access off at both levels.

Each reads the access graph's decided answers for the anonymous caller and the outside
principals, so Block Public Access, ACLs and the bucket policy are already applied: a public
grant that RestrictPublicBuckets or IgnorePublicAcls cancels is not public, and is not reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from graph.access import ActionAccess
from graph.access.compile.acl import acl_document, effective_block
from graph.access.compile.policies import BUCKET_ACL
from graph.access.decide.gates.ownership import acls_disabled
from graph.access.model import unique_refs
from graph.findings.context import FindingContext, verbs, writes
from graph.findings.exposure import ExposureSummary, severity_for
from graph.findings.model import Finding, PathStep, Severity, finding_id
from graph.model import BlockPublicAccess, Bucket
from graph.policy import ConditionRef, Outcome, PolicyKind, StatementRef, parse_policy

#: Condition keys that limit who or where the caller is: a grant under them is not "anyone".
RESTRICTING_KEYS = frozenset({
    "aws:sourceip", "aws:sourcevpc", "aws:sourcevpce", "aws:vpcsourceip",
    "aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn",
    "aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths",
    "aws:sourceowner", "aws:userid", "aws:username", "aws:principalisawsservice",
    "aws:principalservicename", "aws:calledvia", "aws:calledviafirst", "aws:calledvialast",
})
#: Keys that say the grant is for the caller's own account (or the bucket owner's) when their
#: values name it: a service grant scoped this way is not cross-account.
SOURCE_KEYS = frozenset({"aws:sourceaccount", "aws:sourcearn", "aws:sourceowner",
                         "aws:principalaccount"})

#: Buckets named in a finding's detail (its JSON lists them all).
SHOWN = 10
_BPA_COMMAND = ("aws s3api put-public-access-block --bucket {bucket} "
                "--public-access-block-configuration BlockPublicAcls=true,"
                "IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true")


def _restricting(conditions: Iterable[ConditionRef]) -> list[ConditionRef]:
    """Conditions that limit who or where the caller is: an Allow's that must hold, or a
    Deny's that must not ("deny unless from this VPC endpoint" restricts as much)."""
    return [c for c in conditions if c.key.lower() in RESTRICTING_KEYS]


def _statement_fix(refs: Iterable[StatementRef], bucket: str, who: str) -> list[str]:
    out = []
    for ref in refs:
        if ref.policy_name.startswith(BUCKET_ACL):
            out.append(f"remove the ACL grant ({ref.sid}) from bucket {bucket}'s ACL")
        elif ref.policy_kind is PolicyKind.RESOURCE:
            out.append(f"remove or narrow {ref.label} of {bucket} (it grants to {who})")
        else:
            out.append(f"narrow {ref.label}: its Resource or Principal")
    return list(dict.fromkeys(out))


def _prefixes(refs: Iterable[StatementRef], arn: str) -> list[str]:
    """Object-key prefixes the granting statements name ("exports/"), or [] for all."""
    found: list[str] = []
    for ref in refs:
        raw = ref.statement if isinstance(ref.statement, dict) else {}
        resources = raw.get("Resource", [])
        for r in [resources] if isinstance(resources, str) else resources or []:
            if isinstance(r, str) and r.startswith(f"{arn}/"):
                key = r[len(arn) + 1:].rstrip("*")
                if not key:
                    return []
                found.append(key)
    return list(dict.fromkeys(found))


def _granted(actions: Mapping[str, ActionAccess]) -> list[ActionAccess]:
    return [a for a in actions.values() if a.granted]


def public_findings(ctx: FindingContext) -> Iterator[Finding]:
    g = ctx.graph
    for bucket in ctx.snapshot.buckets:
        answers = g.public_access(bucket.name)
        if not answers:
            continue
        given = _granted(answers)
        if not given:
            unknown = [a for a in answers.values() if a.outcome is Outcome.UNKNOWN]
            if unknown:
                yield _unknown_public(bucket, unknown)
            continue
        names = sorted(a.action for a in given)
        evidence = g.own_evidence(bucket.name, unique_refs(e for a in given for e in a.evidence))
        conditions = [c for a in given for c in a.conditions]
        limiting = _restricting(conditions)
        severity = severity_for(ExposureSummary.of({bucket.name: names}), audience="public",
                                limited=bool(limiting))
        what = verbs(names)
        title = f"{bucket.name}: anyone can {what} ({len(names)} action(s))"
        detail = [f"conditions: {', '.join(dict.fromkeys(str(c) for c in conditions))}"] \
            if conditions else []
        if limiting:
            keys = ", ".join(dict.fromkeys(c.key for c in limiting))
            title = f"{bucket.name}: anyone matching {keys} can {what} ({len(names)} action(s))"
        prefixes = _prefixes(evidence, bucket.arn)
        if prefixes:
            detail.append(f"only objects under {', '.join(prefixes)}")
        fixes = _statement_fix(evidence, bucket.name, '"*"')
        fixes.append("or turn on Block Public Access for the bucket: "
                     + _BPA_COMMAND.format(bucket=bucket.name))
        yield Finding(
            finding_id("public-bucket", bucket.name), severity, "public-bucket", title,
            "; ".join(fixes), bucket=bucket.name, principal="*", actions=tuple(names),
            evidence=evidence, detail=tuple(detail),
            path=(PathStep("public", f"bucket:{bucket.name}", f"can {what}", evidence),),
            view=("bucket", bucket.name))


def _unknown_public(bucket: Bucket, unknown: list[ActionAccess]) -> Finding:
    why = unknown[0].reasons[0] if unknown[0].reasons else "a setting could not be read"
    return Finding(
        finding_id("public-bucket", bucket.name), Severity.LOW, "public-bucket",
        f"{bucket.name}: may be public (unknown: {why})",
        "let the loader read the bucket policy and Block Public Access "
        "(s3:GetBucketPolicy, s3:GetBucketPublicAccessBlock) and reload",
        bucket=bucket.name, principal="*", actions=tuple(sorted(a.action for a in unknown)),
        path=(PathStep("public", f"bucket:{bucket.name}", "may act on"),),
        view=("bucket", bucket.name))


def cross_account_findings(ctx: FindingContext) -> Iterator[Finding]:
    g = ctx.graph
    own = ctx.snapshot.account_id
    for bucket in ctx.snapshot.buckets:
        for p in g.external(bucket.name):
            given = _granted(p.actions)
            if not given:
                continue
            conditions = [c for a in given for c in a.conditions]
            if p.kind == "service" and _scoped_to(conditions, own):
                continue
            names = sorted(a.action for a in given)
            evidence = g.own_evidence(bucket.name,
                                      unique_refs(e for a in given for e in a.evidence))
            what = verbs(names)
            prefixes = _prefixes(evidence, bucket.arn)
            where = f" under {', '.join(prefixes)}" if prefixes else ""
            if p.kind == "account":
                severity = Severity.HIGH if writes(names) else Severity.MEDIUM
                who = f"account {p.id}" if p.name.endswith(":root") or p.name == p.id \
                    else f"{p.name} (account {p.id})"
                node = f"account:{p.id}"
            else:
                severity = Severity.MEDIUM if writes(names) else Severity.LOW
                who = f"service {p.name} (for any account's use: no aws:SourceAccount)"
                node = f"service:{p.name}"
            if _restricting(conditions):
                severity = severity.lowered()
            detail = [f"conditions: {', '.join(dict.fromkeys(str(c) for c in conditions))}"] \
                if conditions else []
            if p.kind == "account":
                detail.append(f"and only if account {p.id}'s own policies allow it (not loaded)")
            fix = _statement_fix(evidence, bucket.name, who)
            if p.kind == "service":
                fix.append(f'add "Condition": {{"StringEquals": {{"aws:SourceAccount": '
                           f'"{own}"}}}} to the statement')
            yield Finding(
                finding_id("cross-account", bucket.name, p.kind, p.name), severity,
                "cross-account", f"{bucket.name}: {who} can {what}{where}",
                "; ".join(fix) or "check the grant is intended", bucket=bucket.name,
                principal=p.name, actions=tuple(names), evidence=evidence, detail=tuple(detail),
                path=(PathStep(node, f"bucket:{bucket.name}", f"can {what}", evidence),),
                view=("bucket", bucket.name))
        yield from _acl_grants(ctx, bucket)


def _scoped_to(conditions: list[ConditionRef], account: str) -> bool:
    """Whether a service grant holds only for requests on behalf of `account`."""
    scoped = [c for c in conditions if c.key.lower() in SOURCE_KEYS]
    return bool(scoped) and all(all(account in v for v in c.values) for c in scoped)


def _acl_grants(ctx: FindingContext, bucket: Bucket) -> Iterator[Finding]:
    """ACL grants to another account's canonical user (the bucket policy is read above)."""
    doc = acl_document(bucket, public_only=False, ignore_public=True)
    if doc is None or acls_disabled(bucket):  # BucketOwnerEnforced: the ACL grants nothing
        return
    policy = parse_policy(doc, name=BUCKET_ACL, kind=PolicyKind.RESOURCE)
    by_grantee: dict[str, list[StatementRef]] = {}
    for stmt in policy.statements:
        principal = stmt.raw.get("Principal") if isinstance(stmt.raw, dict) else None
        if isinstance(principal, dict) and "CanonicalUser" in principal:
            by_grantee.setdefault(str(principal["CanonicalUser"]), []).append(stmt.ref)
    names = {g.grantee: g.display_name for g in bucket.acl_grants}
    for grantee, refs in by_grantee.items():
        actions = sorted({a for r in refs for a in _as_list(r.statement.get("Action"))})
        label = names.get(grantee) or grantee[:12]
        severity = Severity.HIGH if writes(actions) else Severity.MEDIUM
        yield Finding(
            finding_id("cross-account", bucket.name, "acl", grantee), severity, "cross-account",
            f"{bucket.name}: canonical user {label} (another account) can {verbs(actions)} "
            "through the bucket ACL",
            f"remove the grant to {label} from bucket {bucket.name}'s ACL (or disable ACLs: "
            "Object Ownership = BucketOwnerEnforced)",
            bucket=bucket.name, principal=grantee, actions=tuple(actions), evidence=tuple(refs),
            path=(PathStep(f"account:{label}", f"bucket:{bucket.name}",
                           f"can {verbs(actions)}", tuple(refs)),),
            view=("bucket", bucket.name))


def _as_list(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)] if value else []


def no_block_findings(ctx: FindingContext) -> Iterator[Finding]:
    """One finding for the account: its own setting is the one change that covers every
    bucket without a setting of its own, so the buckets are listed under it, not counted as
    findings of their own (on a realistic account they were 435 near-identical rows)."""
    account = ctx.snapshot.account
    off: list[tuple[bool, str]] = []
    for bucket in ctx.snapshot.buckets:
        bpa, unknown = effective_block(bucket, account)
        if unknown or bpa != BlockPublicAccess():
            continue
        public = any(a.granted for a in ctx.graph.public_access(bucket.name).values())
        off.append((not public, bucket.name))
    if not off:
        return
    off.sort()
    names = [name for _, name in off]
    public = [name for open_, name in off if not open_]
    severity = Severity.MEDIUM if public else Severity.INFO
    note = (f"{len(public)} of them with something public" if public
            else "nothing public is granted now")
    detail = [f"{name}: public" if name in public else name for name in names[:SHOWN]]
    if len(names) > SHOWN:
        detail.append(f"… and {len(names) - SHOWN} more bucket(s)")
    yield Finding(
        finding_id("no-block-public-access", account.account_id), severity,
        "no-block-public-access",
        f"Block Public Access is off for the account and {len(names)} bucket(s) set none of "
        f"their own ({note})",
        "turn it on for the account (aws s3control put-public-access-block --account-id "
        f"{account.account_id} --public-access-block-configuration BlockPublicAcls=true,"
        "IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true); if a "
        "bucket must stay public (the account's setting would block it too: S3 applies the "
        "stricter of the two), turn it on for each of the others instead: "
        + _BPA_COMMAND.format(bucket="BUCKET"),
        bucket=names[0] if len(names) == 1 else None, detail=tuple(detail),
        buckets=tuple(names), view=("bucket", names[0]))
