"""Findings about the KMS keys on the data path (SSE-KMS).

- `kms-key-shared`: a key whose key policy lets another account, or anyone ("*"), use it
  (decrypt, generate data keys, create grants), one finding per key with its statements.
- `undecryptable-grant` (info): an S3 grant to read a bucket's objects, naming the bucket,
  that cannot work because its default-encryption key does not let the grantee decrypt:
  one finding per cause (the granting statement and the key), listing who and which buckets.
  Wildcard grants ("*") are left out: they are not meant for the bucket.
"""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase

from graph.access.decide.gates.kms import PER_DEFAULT
from graph.findings.context import FindingContext
from graph.findings.model import Finding, PathStep, Severity, finding_id
from graph.model_kms import KmsKey
from graph.policy import Outcome, PolicyKind, StatementRef, parse_policy

#: Key operations that hand the key's use (or the right to grant it) to a principal.
USE_ACTIONS = ("kms:decrypt", "kms:generatedatakey", "kms:encrypt", "kms:reencryptfrom",
               "kms:creategrant")
#: Condition keys that confine a statement to named accounts or an organisation.
_CONFINING = ("kms:calleraccount", "aws:principalaccount", "aws:principalorgid",
              "aws:sourceaccount", "aws:principalarn")
SHOWN = 8


def _list(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)] if value else []


def _principals(statement: dict[str, object]) -> list[str]:
    p = statement.get("Principal")
    if p == "*":
        return ["*"]
    if isinstance(p, dict):
        return _list(p.get("AWS"))
    return []


def _account_of(principal: str) -> str:
    if principal.isdigit():
        return principal
    parts = principal.split(":")
    return parts[4] if len(parts) > 4 else ""


def _uses(statement: dict[str, object]) -> bool:
    actions = [a.lower() for a in _list(statement.get("Action"))]
    return any(fnmatchcase(u, a) for a in actions for u in USE_ACTIONS)


def _confined(statement: dict[str, object], own: str) -> bool:
    cond = statement.get("Condition")
    if not isinstance(cond, dict):
        return False
    for block in cond.values():
        if isinstance(block, dict):
            for key, values in block.items():
                if key.lower() in _CONFINING and all(own in v or v.startswith("o-")
                                                     for v in _list(values)):
                    return True
    return False


def outsiders(key: KmsKey, own: str) -> tuple[list[StatementRef], set[str]]:
    """The key policy's statements letting other accounts or anyone use the key, and who."""
    if not isinstance(key.policy, dict):
        return [], set()
    policy = parse_policy(key.policy, name=f"key policy of key {key.key_id}",
                          kind=PolicyKind.RESOURCE)
    refs: list[StatementRef] = []
    who: set[str] = set()
    for st in policy.statements:
        raw = st.raw if isinstance(st.raw, dict) else {}
        if raw.get("Effect") != "Allow" or not _uses(raw):
            continue
        found = {p if p == "*" else _account_of(p) for p in _principals(raw)}
        found = {a for a in found if a and a != own}
        if "*" in found and _confined(raw, own):
            found.discard("*")
        if found:
            refs.append(st.ref)
            who |= found
    return refs, who


def shared_key_findings(ctx: FindingContext) -> Iterator[Finding]:
    own = ctx.snapshot.account_id
    for region in ctx.snapshot.kms or ():
        for key in region.keys:
            if key.aws_managed:
                continue
            refs, who = outsiders(key, own)
            grants = {g.grantee_principal for g in key.grants
                      if _account_of(g.grantee_principal) not in ("", own)}
            if not refs and not grants:
                continue
            anyone = "*" in who
            names = sorted(who - {"*"}) + sorted(grants)
            label = key.key_id + (f" ({key.aliases[0]})" if key.aliases else "")
            whom = "anyone (\"*\")" if anyone else f"{len(set(names))} other account(s)"
            detail = [f"other accounts: {', '.join(names[:SHOWN])}"] if names else []
            if grants:
                detail.append(f"grants to: {', '.join(sorted(grants)[:SHOWN])}")
            buckets = tuple(b.name for b in ctx.snapshot.buckets
                            if b.encryption is not None and b.encryption.key_ref is not None
                            and _same_key(region.resolve(b.encryption.key_ref), key))
            yield Finding(
                finding_id("kms-key-shared", key.arn), Severity.HIGH if anyone
                else Severity.MEDIUM, "kms-key-shared",
                f"KMS key {label} can be used by {whom}",
                "limit the key policy's use statements to this account's principals (or add "
                f'"Condition": {{"StringEquals": {{"kms:CallerAccount": "{own}"}}}}), and '
                "retire grants to other accounts that are not needed",
                principal="*" if anyone else (names[0] if names else None),
                evidence=tuple(refs), detail=tuple(detail), buckets=buckets,
                bucket=buckets[0] if buckets else None,
                path=tuple(PathStep("public" if anyone else f"account:{n}",
                                    f"kms:{key.arn}", "can use", tuple(refs))
                           for n in (["*"] if anyone else names[:SHOWN])),
                view=("bucket", buckets[0]) if buckets else None)


def _names_bucket(ref: StatementRef, bucket: str) -> bool:
    """Whether a statement grants on this bucket by name: a grant meant for its objects. A
    wildcard grant ("*", an administrator's) is not one that "cannot work"."""
    raw = ref.statement if isinstance(ref.statement, dict) else {}
    return any(f":::{bucket}" in r for r in _list(raw.get("Resource")))


def _same_key(found: KmsKey | None, key: KmsKey) -> bool:
    return found is not None and found.key_id == key.key_id


def undecryptable_findings(ctx: FindingContext) -> Iterator[Finding]:
    """Grants that cannot work: the grantee may read objects, the key does not let it
    decrypt them. One finding per key (the key policy is the one place to fix them all),
    with every such granting statement as its evidence."""
    g = ctx.graph
    #: key ARN -> (key label, statements by label and bucket, who, buckets)
    causes: dict[str, tuple[str, dict[tuple[str, str], StatementRef], set[str], set[str]]] = {}

    def add(key_arn: str, key_label: str, ref: StatementRef, who: str, bucket: str) -> None:
        found = causes.setdefault(key_arn, (key_label, {}, set(), set()))
        found[1].setdefault((ref.label, bucket), ref)
        found[2].add(who)
        found[3].add(bucket)

    names = {bf.bucket.name: bf for bf in g.data.buckets
             if bf.kms is not None and not bf.kms.unread}
    for role in ctx.snapshot.roles:
        for bucket, bf in names.items():
            got = g.role_bucket(role.arn, bucket).get("s3:GetObject")
            if got is None or got.outcome is not Outcome.DENIED or not got.reasons \
                    or PER_DEFAULT not in got.reasons[0]:
                continue
            for ref in got.evidence:
                if ref.effect == "Allow" and _names_bucket(ref, bucket):
                    assert bf.kms is not None
                    add(bf.kms.key_arn, bf.kms.key_label, ref, role.name, bucket)
    own = ctx.snapshot.account_id
    for bucket, bf in names.items():
        kf = bf.kms
        assert kf is not None
        for p in g.external(bucket):
            read = p.actions.get("s3:GetObject")
            if p.kind != "account" or read is None or not read.granted:
                continue
            if not kf.aws_managed and kf.key is not None and p.id in outsiders(kf.key, own)[1]:
                continue
            for ref in g.own_evidence(bucket, read.evidence):
                if ref.effect == "Allow":  # a Deny quoted for its conditions grants nothing
                    add(kf.key_arn, kf.key_label, ref, f"account {p.id}", bucket)
    for key_arn, (key_label, refs, who, buckets) in sorted(causes.items()):
        why = ("the AWS managed key aws/s3 serves only its own account"
               if "aws/s3" in key_label else f"key {key_label} does not let them decrypt")
        shown = sorted(who)
        statements = [refs[k] for k in sorted(refs)]
        counted = (f"{len(statements)} grant(s) to read objects of {len(buckets)} bucket(s)"
                   if len(statements) > 1 else f"{statements[0].label} grants object reads that")
        yield Finding(
            finding_id("undecryptable-grant", key_arn), Severity.INFO,
            "undecryptable-grant",
            f"{counted} cannot work: {why} ({PER_DEFAULT})",
            f"allow kms:Decrypt on key {key_label} to those who need it (key policy, or "
            "delegate to IAM), or remove the grants",
            bucket=min(buckets), buckets=tuple(sorted(buckets)),
            evidence=tuple(statements[:SHOWN]), actions=("s3:GetObject",),
            detail=(f"who: {', '.join(shown[:SHOWN])}"
                    + (f" and {len(shown) - SHOWN} more" if len(shown) > SHOWN else ""),
                    *((f"{len(statements) - SHOWN} more statements",)
                      if len(statements) > SHOWN else ())),
            path=(PathStep(f"kms:{key_arn}", f"bucket:{min(buckets)}", "cannot decrypt",
                           tuple(statements[:SHOWN])),),
            view=("bucket", min(buckets)))
