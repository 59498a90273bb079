"""Block Public Access (the account's and the bucket's settings, combined).

A limit gate for the anonymous public: RestrictPublicBuckets confines a public bucket
policy's grants to the owner account and AWS services, so a public grant made by the policy
(not by an ACL: IgnorePublicAcls is applied where the ACL is compiled) is denied. Settings
that could not be read may block what the documents grant. It binds another account's roles
too (an organisation's analysis): a grant they get only from public statements (Principal
"*" with no condition narrowing who calls, such as aws:PrincipalOrgID) is denied.
"""

from __future__ import annotations

from graph.access.compile.acl import effective_block
from graph.access.decide.gate import Documents, Question, Stage, Unread
from graph.access.model import ActionAccess
from graph.policy import Outcome, PolicyKind

_RESTRICTED = ("Block Public Access (RestrictPublicBuckets) limits this public bucket "
               "policy to AWS services and the bucket owner's account")


class BlockPublicAccessGate:
    """RestrictPublicBuckets on public grants."""

    name = "Block Public Access"
    stage = Stage.LIMIT
    asks = frozenset[str]()
    reads = ("the account's and the bucket's Block Public Access settings",)

    def applies(self, q: Question) -> bool:
        return q.public or _other_account(q)

    def documents(self, q: Question) -> Documents:
        return Documents()

    def limit(self, q: Question, access: ActionAccess) -> ActionAccess | None:
        if not access.granted:
            return None
        if not q.public:
            return _cross_account(q, access)
        bpa, _ = effective_block(q.bucket.bucket, q.account)
        if bpa.restrict_public_buckets and any(
            e.policy_kind is PolicyKind.RESOURCE and e.effect == "Allow"
            and not e.policy_name.startswith("bucket ACL") for e in access.evidence
        ):
            return ActionAccess(access.action, access.level, access.scope, Outcome.DENIED,
                                (_RESTRICTED,) + access.reasons, access.evidence, (),
                                PolicyKind.RESOURCE, access.prefixes)
        return None

    def unread(self, q: Question) -> Unread | None:
        if not q.public:
            return None  # another account's callers: only a known setting is applied
        _, unknown = effective_block(q.bucket.bucket, q.account)
        if not unknown:
            return None
        return Unread(said=("Block Public Access settings could not be read (they may block "
                            "this)",), may_deny=True)


#: Condition keys that make a policy statement not public when it reads them (S3's
#: "The meaning of public": fixed values of these narrow who may call).
_NARROWING = frozenset({
    "aws:sourceip", "aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceaccount",
    "aws:sourceowner", "aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount",
    "aws:principalarn", "aws:userid", "aws:principalservicename", "aws:sourceorgid",
    "aws:sourceorgpaths", "s3:dataaccesspointarn", "s3:dataaccesspointaccount"})


def _other_account(q: Question) -> bool:
    """A role of another account (an organisation's analysis) asks: RestrictPublicBuckets
    confines a public policy's grants to the owner account, so it binds such callers too."""
    return q.caller is not None and q.caller.role.account_id != q.account.account_id


def _public_statement(statement: object) -> bool:
    """Whether a bucket-policy statement grants to anyone: Principal "*" (or NotPrincipal)
    without a condition on a key that narrows who calls."""
    if not isinstance(statement, dict):
        return False
    if "NotPrincipal" in statement:
        anyone = True
    else:
        principal = statement.get("Principal")
        aws = principal.get("AWS") if isinstance(principal, dict) else principal
        listed = aws if isinstance(aws, list) else [aws]
        anyone = "*" in listed
    if not anyone:
        return False
    conditions = statement.get("Condition")
    keys = {k.lower() for block in (conditions or {}).values() if isinstance(block, dict)
            for k in block} if isinstance(conditions, dict) else set()
    return not keys & _NARROWING


def _cross_account(q: Question, access: ActionAccess) -> ActionAccess | None:
    """Another account's role granted by the bucket policy: denied when RestrictPublicBuckets
    is on and every policy statement granting it is public."""
    bpa, unknown = effective_block(q.bucket.bucket, q.account)
    if not bpa.restrict_public_buckets or unknown:
        return None
    grants = [e for e in access.evidence if e.policy_kind is PolicyKind.RESOURCE
              and e.effect == "Allow" and not e.policy_name.startswith("bucket ACL")]
    if not grants or not all(_public_statement(e.statement) for e in grants):
        return None
    why = ("Block Public Access (RestrictPublicBuckets) limits this public bucket policy to "
           "AWS services and the bucket owner's account, and this role is another account's")
    return ActionAccess(access.action, access.level, access.scope, Outcome.DENIED,
                        (why,) + access.reasons, access.evidence, (), PolicyKind.RESOURCE,
                        access.prefixes)
