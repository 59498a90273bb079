"""Block Public Access (the account's and the bucket's settings, combined).

A limit gate for the anonymous public: RestrictPublicBuckets confines a public bucket
policy's grants to the owner account and AWS services, so a public grant made by the policy
(not by an ACL: IgnorePublicAcls is applied where the ACL is compiled) is denied. Settings
that could not be read may block what the documents grant.
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
        return q.public

    def documents(self, q: Question) -> Documents:
        return Documents()

    def limit(self, q: Question, access: ActionAccess) -> ActionAccess | None:
        if not access.granted:
            return None
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
            return None
        _, unknown = effective_block(q.bucket.bucket, q.account)
        if not unknown:
            return None
        return Unread(said=("Block Public Access settings could not be read (they may block "
                            "this)",), may_deny=True)
