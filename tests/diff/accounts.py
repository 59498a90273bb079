"""A small hand-built account and one-change variants of it, for the diff tests.

Account 111111111111: role `app` (trusts EC2; inline policy `app-inline`; managed policy
AppRead v1: s3:GetObject on data/reports/*) in profile `app-profile` on instance app-1; role
`reports` (s3:GetObject on all of data) in `reports-profile`, on no instance; bucket `data`
(no policy, all Block Public Access on); bucket `site` (public s3:GetObject on
site/public/index.html, no Block Public Access).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from graph.model import (
    Account,
    AccountSnapshot,
    BlockPublicAccess,
    Bucket,
    InlinePolicy,
    Instance,
    InstanceProfile,
    ManagedPolicy,
    Role,
    SourceInfo,
)

ACCT = "111111111111"
V = "2012-10-17"
APP = f"arn:aws:iam::{ACCT}:role/app"
REPORTS = f"arn:aws:iam::{ACCT}:role/reports"
APP_READ = f"arn:aws:iam::{ACCT}:policy/AppRead"
APP_PROFILE = f"arn:aws:iam::{ACCT}:instance-profile/app-profile"
REPORTS_PROFILE = f"arn:aws:iam::{ACCT}:instance-profile/reports-profile"
APP_1 = "i-0000000000000a001"
ALL_ON = BlockPublicAccess(True, True, True, True)

EC2_TRUST = {"Version": V, "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                           "Principal": {"Service": "ec2.amazonaws.com"}}]}


def allow(sid: str, action: str | list[str], resource: str | list[str]) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource}


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": V, "Statement": list(statements)}


def public_read(resource: str) -> dict[str, Any]:
    return doc({"Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
                "Action": "s3:GetObject", "Resource": resource})


APP_READ_V1 = doc(allow("ReadReports", "s3:GetObject", "arn:aws:s3:::data/reports/*"))
APP_INLINE = doc(allow("Logs", "s3:PutObject", "arn:aws:s3:::data/logs/*"))


def base(taken_at: str = "2026-01-01T00:00:00+00:00") -> AccountSnapshot:
    return AccountSnapshot(
        account=Account(ACCT),
        roles=(
            Role(APP, "app", EC2_TRUST, inline_policies=(InlinePolicy("app-inline", APP_INLINE),),
                 attached_policy_arns=(APP_READ,)),
            Role(REPORTS, "reports", EC2_TRUST, inline_policies=(InlinePolicy(
                "reports-inline", doc(allow("ReadAll", "s3:GetObject", "arn:aws:s3:::data/*"))),)),
        ),
        managed_policies=(ManagedPolicy(APP_READ, "AppRead", APP_READ_V1, attachment_count=1),),
        instance_profiles=(InstanceProfile(APP_PROFILE, "app-profile", role_arns=(APP,)),
                           InstanceProfile(REPORTS_PROFILE, "reports-profile",
                                           role_arns=(REPORTS,))),
        instances=(Instance(APP_1, "us-east-1", "running", ACCT, name="app-1",
                            instance_profile_arn=APP_PROFILE),),
        buckets=(
            Bucket("data", public_access_block=ALL_ON),
            Bucket("site", policy=public_read("arn:aws:s3:::site/public/index.html")),
        ),
        source=SourceInfo("snapshot", "hand-built"),
        taken_at=taken_at,
    )


def with_role(snapshot: AccountSnapshot, arn: str, **changes: Any) -> AccountSnapshot:
    roles = tuple(replace(r, **changes) if r.arn == arn else r for r in snapshot.roles)
    return replace(snapshot, roles=roles)


def with_bucket(snapshot: AccountSnapshot, name: str, **changes: Any) -> AccountSnapshot:
    buckets = tuple(replace(b, **changes) if b.name == name else b for b in snapshot.buckets)
    return replace(snapshot, buckets=buckets)


def statement_added(snapshot: AccountSnapshot) -> AccountSnapshot:
    """app-inline gains a statement: s3:ListBucket on data."""
    inline = doc(*APP_INLINE["Statement"], allow("List", "s3:ListBucket", "arn:aws:s3:::data"))
    return with_role(snapshot, APP, inline_policies=(InlinePolicy("app-inline", inline),))


def version_made_default(snapshot: AccountSnapshot) -> AccountSnapshot:
    """AppRead v2 (also s3:DeleteObject on data/reports/*) becomes the default version."""
    v2 = doc(*APP_READ_V1["Statement"],
             allow("Prune", "s3:DeleteObject", "arn:aws:s3:::data/reports/*"))
    policies = (ManagedPolicy(APP_READ, "AppRead", v2, default_version_id="v2",
                              attachment_count=1),)
    return replace(snapshot, managed_policies=policies)


def profile_reassociated(snapshot: AccountSnapshot) -> AccountSnapshot:
    """app-1 now runs with reports-profile instead of app-profile."""
    instances = tuple(replace(i, instance_profile_arn=REPORTS_PROFILE)
                      for i in snapshot.instances)
    return replace(snapshot, instances=instances)


def bucket_policy_widened(snapshot: AccountSnapshot) -> AccountSnapshot:
    """site's public read widens from one object to the public/ prefix."""
    return with_bucket(snapshot, "site", policy=public_read("arn:aws:s3:::site/public/*"))


def public_data(snapshot: AccountSnapshot) -> AccountSnapshot:
    """data with a public read of data/shared/* that its Block Public Access keeps out."""
    return with_bucket(snapshot, "data", policy=public_read("arn:aws:s3:::data/shared/*"))


def bpa_turned_off(snapshot: AccountSnapshot) -> AccountSnapshot:
    """data's Block Public Access configuration removed."""
    return with_bucket(snapshot, "data", public_access_block=None)
