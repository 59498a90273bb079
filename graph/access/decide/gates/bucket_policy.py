"""The bucket's own policy.

A policy gate: decided with the caller's identity policies in one engine evaluation. An
unreadable policy (not returned, or not parseable) may grant anything to anyone in the same
account and may deny what IAM grants, so both "allowed" and "denied" become unknown, unless
an explicit deny or the SCPs settle it. For the public, Block Public Access's
RestrictPublicBuckets (known to be on) confines any policy grant to the owner account and
AWS services, so the unread policy cannot make a public grant.
"""

from __future__ import annotations

from graph.access.compile.acl import effective_block
from graph.access.decide.gate import Documents, Question, Stage, Unread
from graph.access.model import ActionAccess


class BucketPolicyGate:
    """The resource policy of the bucket."""

    name = "bucket policy"
    stage = Stage.POLICY
    asks = frozenset[str]()
    reads = ("the bucket policy (GetBucketPolicy)",)

    def applies(self, q: Question) -> bool:
        return True

    def documents(self, q: Question) -> Documents:
        compiled = q.bucket.policies.policy
        return Documents(resource=compiled.policy if compiled is not None else None)

    def limit(self, q: Question, access: ActionAccess) -> ActionAccess | None:
        return None

    def unread(self, q: Question) -> Unread | None:
        bucket = q.bucket.bucket
        if not (bucket.policy_unknown or (bucket.policy is not None
                                          and q.bucket.policies.policy is None)):
            return None
        if q.public:
            bpa, bpa_unknown = effective_block(bucket, q.account)
            if bpa.restrict_public_buckets and not bpa_unknown:
                return None
            return Unread(what="the bucket policy", may_grant=True)
        return Unread(what="the bucket policy", may_grant=True, may_deny=True)
