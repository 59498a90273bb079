"""The what-if preview's numbers on a small account whose answers can be worked out by hand."""

from __future__ import annotations

from graph.access import build_access_graph
from graph.model import (
    Account,
    AccountSnapshot,
    Bucket,
    InlinePolicy,
    Instance,
    InstanceProfile,
    Role,
)
from graph.wizard import BucketGrant, RolePlan
from graph.wizard.whatif import WhatIf, planned_snapshot, what_if

ACCT = "111122223333"
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
READ_B = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket-b/*"}]}
PUBLIC = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::site/*"}]}
OLD_ROLE = f"arn:aws:iam::{ACCT}:role/old"
OLD_PROFILE = f"arn:aws:iam::{ACCT}:instance-profile/old"

SNAP = AccountSnapshot(
    account=Account(ACCT),
    roles=(Role(OLD_ROLE, "old", TRUST, inline_policies=(InlinePolicy("b", READ_B),)),),
    instance_profiles=(InstanceProfile(OLD_PROFILE, "old", role_arns=(OLD_ROLE,)),),
    instances=(Instance("i-bare", "eu-west-1", "running", ACCT, name="bare"),
               Instance("i-old", "eu-west-1", "running", ACCT, name="old",
                        instance_profile_arn=OLD_PROFILE),
               Instance("i-other", "eu-west-1", "running", ACCT)),
    buckets=(Bucket("bucket-a"), Bucket("bucket-b"), Bucket("site", policy=PUBLIC)),
)
PLAN = RolePlan(name="reader-a", trusted_services=("ec2.amazonaws.com",),
                grants=(BucketGrant.parse("list,read:bucket-a"),))


def test_planned_snapshot_adds_role_profile_and_attachment_only() -> None:
    after = planned_snapshot(PLAN, SNAP, ["i-old"])
    assert len(after.roles) == 2 and after.role_by_name["reader-a"].inline_policies
    new_profile = f"arn:aws:iam::{ACCT}:instance-profile/reader-a"
    assert after.profile_by_arn[new_profile].role_arns == (f"arn:aws:iam::{ACCT}:role/reader-a",)
    assert after.instance_by_id["i-old"].instance_profile_arn == new_profile
    assert after.instance_by_id["i-bare"].instance_profile_arn is None
    assert SNAP.instance_by_id["i-old"].instance_profile_arn == OLD_PROFILE  # copy, not edit


def test_buckets_gained_and_lost_per_instance() -> None:
    current = build_access_graph(SNAP, assumed={"aws:SecureTransport": "true"})
    preview = what_if(PLAN, SNAP, ["i-bare", "i-old"], current)
    bare, old = preview.changes
    # No role before: nothing. With the new role: bucket-a, plus the public site.
    assert bare.before == frozenset()
    assert bare.gained == {"bucket-a", "site"} and bare.lost == frozenset()
    # The old role read bucket-b (and the public site); the new one reads bucket-a instead.
    assert old.before == {"bucket-b", "site"}
    assert old.gained == {"bucket-a"} and old.lost == {"bucket-b"}
    assert "s3:GetObject" in old.actions_after["bucket-a"]
    assert "s3:ListBucket" in old.actions_after["bucket-a"]
    assert "s3:PutObject" not in old.actions_after["bucket-a"]
    assert preview.role_buckets == {"bucket-a", "site"}
    # A role cannot change who outside the account reaches a bucket.
    assert preview.public_unchanged and preview.public_before == {"site"}
    lines = preview.lines()
    assert "bare (i-bare): 0 -> 2 bucket(s); +2 buckets: bucket-a, site" in lines
    assert "old (i-old): 2 -> 2 bucket(s); +1 bucket: bucket-a; -1 bucket: bucket-b" in lines
    assert not any("[" in line or "'" in line for line in lines)  # no Python lists
    assert lines[-1] == "public exposure unchanged"


def test_no_instances_chosen_still_previews_the_role() -> None:
    preview = what_if(PLAN, SNAP, [])
    assert preview.changes == () and preview.role_buckets == {"bucket-a", "site"}


def test_preview_lines_read_as_text_when_public_exposure_moves() -> None:
    preview = WhatIf("arn:aws:iam::123456789012:role/r", frozenset({"one"}), (),
                     frozenset(), frozenset({"site", "docs"}))
    assert preview.lines() == [
        "role arn:aws:iam::123456789012:role/r would reach 1 bucket: one",
        "public exposure CHANGES: public before: none; public after: docs, site",
    ]
