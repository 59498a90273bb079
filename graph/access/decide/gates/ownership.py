"""Object Ownership: with BucketOwnerEnforced, ACLs are disabled.

S3 then ignores every ACL (the bucket's and its objects'): a grant to AllUsers makes nothing
public, a grant to another account's canonical id gives it nothing. So the bucket ACL gate
stops applying (classify/bucket_facts.py leaves the ACL out of what the engine is asked, and
of what makes buckets alike). Where the setting could not be read, this limit gate makes a
grant that only the ACL gives *unknown*: with ACLs disabled it would grant nothing.
"""

from __future__ import annotations

from graph.access.compile.acl import PUBLIC_GROUPS, acl_document
from graph.access.decide.gate import Documents, Question, Stage, Unread
from graph.access.model import ActionAccess
from graph.model import UNKNOWN_OWNERSHIP, Bucket
from graph.model_s3 import OWNERSHIP_ENFORCED
from graph.policy import Outcome

UNREAD = ("Object Ownership could not be read (GetBucketOwnershipControls): if it is "
          "BucketOwnerEnforced, ACLs are disabled and this ACL grant grants nothing")


def acls_disabled(bucket: Bucket) -> bool:
    """Whether S3 ignores the bucket's ACLs (Object Ownership BucketOwnerEnforced)."""
    return bucket.object_ownership == OWNERSHIP_ENFORCED


def ownership_unread(bucket: Bucket) -> bool:
    return UNKNOWN_OWNERSHIP in bucket.unknown


def ignored_grants(bucket: Bucket) -> tuple[str, ...]:
    """The ACL grants an enforced Object Ownership makes ineffective ("AllUsers READ"), for
    the bucket card and traces; empty when ACLs are in effect or grant nothing beyond the
    owner."""
    if not acls_disabled(bucket) or acl_document(bucket, public_only=False) is None:
        return ()
    out: list[str] = []
    for g in bucket.acl_grants:
        if g.grantee_type == "CanonicalUser" and g.grantee == bucket.owner_id:
            continue
        who = (PUBLIC_GROUPS.get(g.grantee, g.grantee) if g.grantee_type == "Group"
               else g.display_name or g.grantee[:12])
        out.append(f"{who} {g.permission}")
    return tuple(out)


def ownership_note(bucket: Bucket) -> str | None:
    """One line for the bucket card and traces: what Object Ownership does to the ACL."""
    ignored = ignored_grants(bucket)
    if ignored:
        return (f"Object Ownership BucketOwnerEnforced: ACLs are disabled, so the ACL's "
                f"grants ({', '.join(ignored)}) grant nothing")
    if ownership_unread(bucket) and acl_document(bucket, public_only=False) is not None:
        return ("Object Ownership could not be read: the ACL's grants count only if ACLs are "
                "not disabled (BucketOwnerEnforced)")
    return None


def _acl_only(access: ActionAccess) -> bool:
    return bool(access.evidence) and all(e.policy_name.startswith("bucket ACL")
                                         for e in access.evidence if e.effect == "Allow")


class OwnershipGate:
    """Unread Object Ownership, where a grant rests on the ACL alone."""

    name = "Object Ownership"
    stage = Stage.LIMIT
    asks = frozenset[str]()
    reads = ("Object Ownership (GetBucketOwnershipControls)",)

    def applies(self, q: Question) -> bool:
        return ownership_unread(q.bucket.bucket)

    def documents(self, q: Question) -> Documents:
        return Documents()

    def limit(self, q: Question, access: ActionAccess) -> ActionAccess | None:
        if not (access.granted and _acl_only(access)):
            return None
        return ActionAccess(access.action, access.level, access.scope, Outcome.UNKNOWN,
                            (UNREAD,) + access.reasons, access.evidence, access.conditions,
                            access.blocked_by, access.prefixes)

    def unread(self, q: Question) -> Unread | None:
        return None
