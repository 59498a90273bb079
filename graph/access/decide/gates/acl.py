"""The bucket's access control list.

A grant gate: ACL grants are written as resource-policy statements (compile/acl.py) and
decided by the engine on their own, only when the policies neither allow nor explicitly
deny; they can only grant. With Object Ownership BucketOwnerEnforced, ACLs are disabled: the
ACL is not compiled for the bucket (classify/bucket_facts.py) and an unread one grants
nothing (gates/ownership.py). An ACL that could not be read may grant (to the owner's
canonical id, to the public groups), never deny. For the public, IgnorePublicAcls (known to
be on) means no public ACL grant counts, read or not.
"""

from __future__ import annotations

from graph.access.compile.acl import acl_unknown, effective_block
from graph.access.decide.gate import Documents, Question, Stage, Unread
from graph.access.decide.gates.ownership import acls_disabled
from graph.access.model import ActionAccess


class AclGate:
    """The bucket ACL's grants (only its public-group grants for the anonymous public)."""

    name = "bucket ACL"
    stage = Stage.GRANT
    asks = frozenset[str]()
    reads = ("the bucket ACL (GetBucketAcl)", "Block Public Access (IgnorePublicAcls)")

    def applies(self, q: Question) -> bool:
        policies = q.bucket.policies
        return (policies.public_acl if q.public else policies.acl) is not None

    def documents(self, q: Question) -> Documents:
        policies = q.bucket.policies
        compiled = policies.public_acl if q.public else policies.acl
        return Documents(resource=compiled.policy if compiled is not None else None)

    def limit(self, q: Question, access: ActionAccess) -> ActionAccess | None:
        return None

    def unread(self, q: Question) -> Unread | None:
        bucket = q.bucket.bucket
        if not acl_unknown(bucket) or acls_disabled(bucket):
            return None
        if q.public:
            bpa, bpa_unknown = effective_block(bucket, q.account)
            if bpa.ignore_public_acls and not bpa_unknown:
                return None
        return Unread(what="the bucket ACL", may_grant=True)
