"""The demo account's cast: a small organisation that tells the story of IAM roles for EC2.

Plain data (documents and names), seeded into moto by `demo.py` through ordinary boto3 calls,
then read back by the same live loader as a real account. Each character shows one thing a
reader of rolemap should learn to spot; README's "Demo account" section mirrors this list.
"""

from __future__ import annotations

from typing import Any

REGIONS = ("us-east-1", "eu-west-1")
PARTNER_ACCOUNT = "210987654321"

PUBLIC_BUCKET = "acme-public-website"
PRIVATE_BUCKET = "acme-customer-data"
LOGS_BUCKET = "acme-app-logs"
SHARED_BUCKET = "acme-partner-exchange"
ARTIFACTS_BUCKET = "acme-build-artifacts"


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(actions: list[str] | str, resources: list[str] | str, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def trust(*services: str) -> dict[str, Any]:
    return _doc({"Effect": "Allow", "Principal": {"Service": list(services) if len(services) > 1
                 else services[0]}, "Action": "sts:AssumeRole"})


def bucket_arn(name: str, suffix: str = "") -> str:
    return f"arn:aws:s3:::{name}{suffix}"


#: bucket name -> (region, bucket policy or None, Block Public Access or None).
BUCKETS: dict[str, tuple[str, dict[str, Any] | None, dict[str, bool] | None]] = {
    # Public: anyone on the internet may read objects (policy with Principal "*").
    PUBLIC_BUCKET: ("us-east-1", _doc({
        "Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
        "Action": "s3:GetObject", "Resource": bucket_arn(PUBLIC_BUCKET, "/*"),
    }), None),
    # Private: all Block Public Access flags, and an explicit deny of insecure transport.
    PRIVATE_BUCKET: ("eu-west-1", _doc({
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [bucket_arn(PRIVATE_BUCKET), bucket_arn(PRIVATE_BUCKET, "/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }), {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
         "RestrictPublicBuckets": True}),
    # No policy at all: only identity policies decide.
    LOGS_BUCKET: ("us-east-1", None, {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                                      "BlockPublicPolicy": True, "RestrictPublicBuckets": True}),
    # Shared with another account through the bucket policy.
    SHARED_BUCKET: ("eu-west-1", _doc({
        "Sid": "PartnerReadsExports", "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{PARTNER_ACCOUNT}:root"},
        "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": [bucket_arn(SHARED_BUCKET), bucket_arn(SHARED_BUCKET, "/exports/*")],
    }), None),
    ARTIFACTS_BUCKET: ("us-east-1", None, None),
}

#: Customer managed policies: name -> (description, document).
MANAGED_POLICIES: dict[str, tuple[str, dict[str, Any]]] = {
    "AcmeS3Boundary": ("Permissions boundary: nothing beyond reading and writing acme-* objects",
                       _doc(_allow(["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
                                   ["arn:aws:s3:::acme-*", "arn:aws:s3:::acme-*/*"]))),
    "AcmeAnalyticsRead": ("Read logs and partner exports", _doc(
        _allow("s3:ListBucket", [bucket_arn(LOGS_BUCKET), bucket_arn(SHARED_BUCKET)]),
        _allow("s3:GetObject", [bucket_arn(LOGS_BUCKET, "/*"), bucket_arn(SHARED_BUCKET, "/*")]),
    )),
    "LegacyFullS3": ("Over-privileged: every S3 action on every bucket",
                     _doc(_allow("s3:*", "*"))),
    "AcmeAdministrator": ("Break-glass administrator: every action on everything",
                          _doc(_allow("*", "*"))),
}

#: Roles: name -> settings. "profile": gets an instance profile of the same name.
ROLES: dict[str, dict[str, Any]] = {
    # Least privilege: read the site's objects, append its own logs.
    "web-server": {
        "trust": trust("ec2.amazonaws.com"), "profile": True, "tags": {"team": "web"},
        "inline": {"web-least-privilege": _doc(
            _allow("s3:GetObject", bucket_arn(PUBLIC_BUCKET, "/*")),
            _allow("s3:PutObject", bucket_arn(LOGS_BUCKET, "/web/*")),
        )},
    },
    # Least privilege under a permissions boundary: the DeleteObject it asks for is cut off.
    "batch-etl": {
        "trust": trust("ec2.amazonaws.com"), "profile": True, "tags": {"team": "data"},
        "boundary": "AcmeS3Boundary",
        "inline": {"etl-customer-data": _doc(
            _allow(["s3:GetObject", "s3:ListBucket"],
                   [bucket_arn(PRIVATE_BUCKET), bucket_arn(PRIVATE_BUCKET, "/*")]),
            _allow(["s3:PutObject", "s3:DeleteObject"], bucket_arn(SHARED_BUCKET, "/exports/*")),
        )},
    },
    # Trusted by several services: EC2, ECS tasks and Lambda can all wear it.
    "analytics": {
        "trust": trust("ec2.amazonaws.com", "ecs-tasks.amazonaws.com", "lambda.amazonaws.com"),
        "profile": True, "tags": {"team": "data"}, "managed": ["AcmeAnalyticsRead"],
    },
    # Over-privileged: s3:* on everything, on a forgotten reporting box.
    "legacy-reporting": {
        "trust": trust("ec2.amazonaws.com"), "profile": True, "tags": {"team": "finance"},
        "managed": ["LegacyFullS3"],
    },
    # Can assume another role: the CI runner becomes the deployer to publish the website.
    "ci-runner": {
        "trust": trust("ec2.amazonaws.com"), "profile": True, "tags": {"team": "platform"},
        "inline": {"ci-artifacts": _doc(
            _allow(["s3:PutObject", "s3:GetObject"], bucket_arn(ARTIFACTS_BUCKET, "/*")),
            _allow("sts:AssumeRole", "arn:aws:iam::{account}:role/website-deployer"),
        ), "ci-deploy-functions": _doc(
            # Meant for the pipeline's own functions, written for every function: it can
            # rewrite log-digest, which runs as analytics (escalation through existing compute).
            _allow("lambda:UpdateFunctionCode", "arn:aws:lambda:us-east-1:{account}:function:*"),
        ), "ci-test-instances": _doc(
            # Meant for launching throwaway test boxes; the PassRole names the wrong role, so
            # the runner can start an instance as the administrator (privilege escalation).
            _allow("ec2:RunInstances", "*"),
            _allow("iam:PassRole", "arn:aws:iam::{account}:role/admin-box"),
        )},
    },
    "website-deployer": {
        "trust": _doc({"Effect": "Allow",
                       "Principal": {"AWS": "arn:aws:iam::{account}:role/ci-runner"},
                       "Action": "sts:AssumeRole"}),
        "profile": False, "tags": {"team": "platform"},
        "inline": {"publish-site": _doc(
            _allow("s3:ListBucket", bucket_arn(PUBLIC_BUCKET)),
            _allow(["s3:PutObject", "s3:DeleteObject"], bucket_arn(PUBLIC_BUCKET, "/*")),
        )},
    },
    # An administrator role with an instance profile but no instance: only an escalation
    # (ci-runner's PassRole + RunInstances) puts it on a machine.
    "admin-box": {
        "trust": trust("ec2.amazonaws.com"), "profile": True, "tags": {"team": "platform"},
        "managed": ["AcmeAdministrator"],
    },
}

#: IAM groups: name -> inline policies. Every member's requests carry them.
GROUPS: dict[str, dict[str, dict[str, Any]]] = {
    # Auditors read the logs bucket's policy and ACL (no object data).
    "auditors": {"audit-bucket-settings": _doc(
        _allow(["s3:GetBucketPolicy", "s3:GetBucketAcl"], bucket_arn(LOGS_BUCKET)),
    )},
}

#: IAM users: name -> (groups, inline policies). A person with access keys is a principal of
#: their own: who-can lists them beside instances and roles.
USERS: dict[str, tuple[tuple[str, ...], dict[str, dict[str, Any]]]] = {
    # A data analyst's keys: read the application logs, and the auditors' group's settings.
    "dana-analyst": (("auditors",), {"read-app-logs": _doc(
        _allow("s3:ListBucket", bucket_arn(LOGS_BUCKET)),
        _allow("s3:GetObject", bucket_arn(LOGS_BUCKET, "/*")),
    )}),
}

#: Instances: (Name tag, region, role/profile name or None, running?).
INSTANCES: tuple[tuple[str, str, str | None, bool], ...] = (
    ("web-1", "us-east-1", "web-server", True),
    ("web-2", "us-east-1", "web-server", True),
    ("ci-runner-1", "us-east-1", "ci-runner", True),
    ("legacy-reports", "us-east-1", "legacy-reporting", True),
    ("bastion", "us-east-1", None, True),
    ("etl-worker-1", "eu-west-1", "batch-etl", True),
    ("analytics-1", "eu-west-1", "analytics", False),
)

#: Instances whose metadata service still answers IMDSv1 (no session token); every other
#: instance requires IMDSv2. With its public IP, legacy-reports is an SSRF away from its
#: role's credentials (instance exposure).
IMDSV1_INSTANCES: frozenset[str] = frozenset({"legacy-reports"})

#: Lambda functions: name -> (region, the role it runs as). log-digest runs as analytics,
#: which reads the logs and the partner exports that ci-runner cannot: ci-runner's
#: UpdateFunctionCode on every function is an escalation path through it.
FUNCTIONS: dict[str, tuple[str, str]] = {"log-digest": ("us-east-1", "analytics")}
