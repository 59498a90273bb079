"""The issue's three edits to a realistic account, for the cause tests and the measurement.

    python -m tests.diff.three_edits OLD NEW.json   # OLD: `rolemap snapshot synth` output

1. one statement added to a role (inserted first in its inline policy, so every later
   statement moves down one number);
2. one public statement added to a bucket policy (inserted first, likewise), on a bucket
   whose Block Public Access lets a public policy through (if the account's blocks them all,
   on the first bucket with a policy: the statement is then blocked);
3. one instance's profile swapped for a profile with another role.

The subjects are picked deterministically from the account (the first that fit), so the
edits make the same three changes on every run.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from typing import Any

from graph.model import AccountSnapshot, Bucket, InlinePolicy, Role

ADDED_SID = "ThreeEditsRead"
PUBLIC_SID = "ThreeEditsPublic"


@dataclass(frozen=True)
class Edits:
    """What was edited: the role, the bucket made public, the instance and its profiles."""

    role: str
    #: The role's inline policy that got the statement.
    policy: str
    role_bucket: str
    public_bucket: str
    instance: str
    old_profile: str
    new_profile: str


def _statements(document: Any) -> list[Any]:
    found = document.get("Statement", []) if isinstance(document, dict) else []
    return [found] if isinstance(found, dict) else list(found)


def _public_policy_allowed(snapshot: AccountSnapshot, bucket: Bucket) -> bool:
    own, account = bucket.public_access_block, snapshot.account.public_access_block
    effective = own.merged(account) if own is not None else account
    return effective is None or not (effective.block_public_policy
                                     or effective.restrict_public_buckets)


def _role_on_instances(snapshot: AccountSnapshot) -> Role:
    profiles = snapshot.profile_by_arn
    on_instances = {arn for i in snapshot.instances if i.instance_profile_arn in profiles
                    for arn in profiles[i.instance_profile_arn or ""].role_arns}
    return next(r for r in snapshot.roles if r.arn in on_instances
                and r.inline_policies and len(_statements(r.inline_policies[0].document)) >= 2)


def three_edits(snapshot: AccountSnapshot) -> tuple[AccountSnapshot, Edits]:
    """The account after the three edits, and what they touched."""
    role = _role_on_instances(snapshot)
    # A bucket Block Public Access lets a public policy through; where the account blocks
    # them all, any bucket with a policy (the statement is added, and blocked).
    # Not an SSE-KMS bucket: an anonymous request cannot use a KMS key, so a public statement
    # there reads no object.
    with_policy = [b for b in snapshot.buckets if b.policy is not None and not b.unknown
                   and not (b.encryption is not None and b.encryption.uses_kms)]
    public = next((b for b in with_policy if _public_policy_allowed(snapshot, b)),
                  with_policy[0])
    target = next(b for b in snapshot.buckets if b.name != public.name and not b.unknown)
    first = role.inline_policies[0]
    grant = {"Sid": ADDED_SID, "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
             "Resource": [f"arn:aws:s3:::{target.name}", f"arn:aws:s3:::{target.name}/*"]}
    document = {**first.document, "Statement": [grant, *_statements(first.document)]}
    new_role = replace(role, inline_policies=(InlinePolicy(first.name, document),
                                              *role.inline_policies[1:]))
    release = {"Sid": PUBLIC_SID, "Effect": "Allow", "Principal": "*",
               "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{public.name}/release/*"}
    policy = {**public.policy, "Statement": [release, *_statements(public.policy)]}  # type: ignore[dict-item]
    # An instance whose profile is swapped for one whose roles are neither its own nor the
    # edited role (so each edit stays its own cause).
    profiles = snapshot.profile_by_arn
    inst = next(i for i in snapshot.instances if i.instance_profile_arn in profiles
                and profiles[i.instance_profile_arn or ""].role_arns
                and role.arn not in profiles[i.instance_profile_arn].role_arns)
    old_roles = profiles[inst.instance_profile_arn or ""].role_arns
    swap = next(p for p in snapshot.instance_profiles if p.role_arns
                and role.arn not in p.role_arns and not set(p.role_arns) & set(old_roles))
    edited = replace(
        snapshot,
        roles=tuple(new_role if r.arn == role.arn else r for r in snapshot.roles),
        buckets=tuple(replace(b, policy=policy) if b.name == public.name else b
                      for b in snapshot.buckets),
        instances=tuple(replace(i, instance_profile_arn=swap.arn)
                        if i.instance_id == inst.instance_id else i for i in snapshot.instances),
        taken_at="2026-12-08T00:00:00+00:00")
    return edited, Edits(role.name, first.name, target.name, public.name, inst.instance_id,
                         inst.instance_profile_arn or "", swap.arn)


def main(argv: list[str]) -> int:
    from graph.sources import SourceSpec, open_source
    from graph.sources.snapshot_file import save_snapshot

    old = open_source(SourceSpec(snapshot=argv[0])).snapshot
    new, edits = three_edits(old)
    save_snapshot(new, argv[1])
    print(edits)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
