"""Action, NotAction, Resource and NotResource matching.

AWS IAM User Guide, "IAM JSON policy elements: Action" (case-insensitive, `*` and `?`
anywhere), "NotAction", "Resource" (wildcards, case-sensitive resource names; in S3 a bucket
ARN and its objects' ARNs are different resources), "NotResource"; Amazon S3 User Guide,
"Policy resources for Amazon S3" (bucket vs object ARNs).
"""

from __future__ import annotations

import pytest

from graph.policy import Verdict

from .helpers import BUCKET, OBJECT, allow, deny, doc, verdict


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("s3:GetObject", "s3:GetObject", True),
        ("s3:getobject", "s3:GetObject", True),
        ("S3:GETOBJECT", "s3:GetObject", True),
        ("s3:GetObject", "s3:GetObjectAcl", False),  # no prefix matching
        ("s3:Get*", "s3:GetObjectTagging", True),
        ("s3:*", "s3:DeleteObject", True),
        ("*", "s3:DeleteObject", True),
        ("s3:*Object", "s3:PutObject", True),
        ("s3:*Object", "s3:PutObjectAcl", False),
        ("s3:?etObject", "s3:GetObject", True),
        ("s3:?etObject", "s3:PutObject", False),
        ("s3:*", "s3express:CreateSession", False),  # the service prefix must match whole
        ("ec2:*", "s3:GetObject", False),
        ("s3:List*", "s3:GetObject", False),
    ],
)
def test_action_patterns(pattern: str, action: str, expected: bool) -> None:
    result = verdict(action, OBJECT, identity=[doc(allow(pattern, "*"))])
    assert (result is Verdict.ALLOW) is expected


def test_action_list_is_ored() -> None:
    policy = doc(allow(["s3:PutObject", "s3:GetObject"], "*"))
    assert verdict("s3:GetObject", identity=[policy]) is Verdict.ALLOW
    assert verdict("s3:DeleteObject", identity=[policy]) is Verdict.IMPLICIT_DENY


def test_request_action_case_does_not_matter() -> None:
    assert verdict("S3:getObject", identity=[doc(allow("s3:GetObject"))]) is Verdict.ALLOW


def test_allow_not_action_grants_everything_else() -> None:
    policy = doc({"Effect": "Allow", "NotAction": "s3:Delete*", "Resource": "*"})
    assert verdict("s3:GetObject", identity=[policy]) is Verdict.ALLOW
    assert verdict("s3:DeleteObject", identity=[policy]) is Verdict.IMPLICIT_DENY


def test_deny_not_action_denies_everything_else() -> None:
    policy = doc(
        allow("s3:*", "*"),
        {"Effect": "Deny", "NotAction": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"},
    )
    assert verdict("s3:GetObject", identity=[policy]) is Verdict.ALLOW
    assert verdict("s3:PutObject", identity=[policy]) is Verdict.EXPLICIT_DENY


@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        (OBJECT, OBJECT, True),
        (f"{BUCKET}/*", OBJECT, True),
        (f"{BUCKET}/reports/*", OBJECT, True),
        (f"{BUCKET}/*", BUCKET, False),  # bucket/* does not cover the bucket itself
        (BUCKET, OBJECT, False),  # the bucket ARN does not cover its objects
        ("arn:aws:s3:::data-*", OBJECT, True),  # * spans "/"
        ("arn:aws:s3:::data-*", BUCKET, True),
        ("arn:aws:s3:::*/reports/*", OBJECT, True),
        (f"{BUCKET}/reports/q?.csv", OBJECT, True),
        (f"{BUCKET}/reports/q?.csv", f"{BUCKET}/reports/q10.csv", False),
        (f"{BUCKET}/Reports/*", OBJECT, False),  # object keys are case-sensitive
        (f"{BUCKET}/2026*", f"{BUCKET}/2026:01/x.csv", True),  # * spans ":" in the key
        ("*", OBJECT, True),
        ("arn:aws:s3:::other-bucket/*", OBJECT, False),
    ],
)
def test_resource_patterns(pattern: str, resource: str, expected: bool) -> None:
    action = "s3:ListBucket" if resource == BUCKET else "s3:GetObject"
    result = verdict(action, resource, identity=[doc(allow(action, pattern))])
    assert (result is Verdict.ALLOW) is expected


def test_resource_list_is_ored() -> None:
    policy = doc(allow(["s3:ListBucket", "s3:GetObject"], [BUCKET, f"{BUCKET}/*"]))
    assert verdict("s3:ListBucket", BUCKET, identity=[policy]) is Verdict.ALLOW
    assert verdict("s3:GetObject", OBJECT, identity=[policy]) is Verdict.ALLOW


def test_allow_not_resource() -> None:
    policy = doc({"Effect": "Allow", "Action": "s3:GetObject",
                  "NotResource": "arn:aws:s3:::secret-bucket/*"})
    assert verdict("s3:GetObject", OBJECT, identity=[policy]) is Verdict.ALLOW
    assert verdict("s3:GetObject", "arn:aws:s3:::secret-bucket/k",
                   identity=[policy]) is Verdict.IMPLICIT_DENY


def test_deny_not_resource_protects_everything_else() -> None:
    # IAM guide NotResource example: deny all S3 outside one folder.
    policy = doc(
        allow("s3:*", "*"),
        {"Effect": "Deny", "Action": "s3:*",
         "NotResource": [f"{BUCKET}/public/*"]},
    )
    assert verdict("s3:GetObject", f"{BUCKET}/public/a", identity=[policy]) is Verdict.ALLOW
    assert verdict("s3:GetObject", OBJECT, identity=[policy]) is Verdict.EXPLICIT_DENY
    assert verdict("s3:ListBucket", BUCKET, identity=[policy]) is Verdict.EXPLICIT_DENY


def test_deny_matching_action_but_other_resource_does_not_apply() -> None:
    policy = doc(allow("s3:*", "*"), deny("s3:GetObject", "arn:aws:s3:::secret-bucket/*"))
    assert verdict("s3:GetObject", OBJECT, identity=[policy]) is Verdict.ALLOW
