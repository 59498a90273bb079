"""The SCPs and RCPs of a synthetic organisation, as real ones write them.

SCPs (REALISTIC-ACCOUNTS.md): deny leaving the organisation, a region deny, deny disabling the
guardrails, a few S3 denies. The pool is ordered by popularity: the plan draws it with a Zipf
skew, so the first ones sit on most OUs and the last on one. RCPs: a data perimeter (no
principal outside the organisation, AWS services excepted) and TLS only.
"""

from __future__ import annotations

from typing import Any

Document = dict[str, Any]
REGIONS = ["us-east-1", "eu-west-1", "us-west-2"]

FULL_ACCESS: Document = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"}]}
RCP_FULL_ACCESS: Document = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}


def _doc(*statements: Document) -> Document:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def scp_pool(org_id: str) -> list[tuple[str, Document]]:
    """(name, document), the most widely attached first."""
    return [
        ("deny-leave-organization", _doc({
            "Sid": "DenyLeaveOrg", "Effect": "Deny",
            "Action": "organizations:LeaveOrganization", "Resource": "*"})),
        ("protect-guardrails", _doc({
            "Sid": "ProtectTrail", "Effect": "Deny",
            "Action": ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail",
                       "config:DeleteConfigurationRecorder", "config:StopConfigurationRecorder",
                       "guardduty:DeleteDetector"], "Resource": "*"})),
        ("region-guard", _doc({
            "Sid": "DenyOtherRegions", "Effect": "Deny",
            "NotAction": ["iam:*", "organizations:*", "sts:*", "support:*", "cloudfront:*",
                          "route53:*", "s3:GetBucketLocation", "s3:ListAllMyBuckets"],
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": REGIONS}}})),
        ("deny-s3-public", _doc({
            "Sid": "KeepBlockPublicAccess", "Effect": "Deny",
            "Action": ["s3:PutBucketPublicAccessBlock", "s3:PutAccountPublicAccessBlock",
                       "s3:PutBucketAcl", "s3:PutObjectAcl"], "Resource": "*"})),
        ("deny-writes-outside-org", _doc({
            "Sid": "NoExfiltration", "Effect": "Deny",
            "Action": ["s3:PutObject", "s3:PutObjectAcl"], "Resource": "*",
            "Condition": {"StringNotEqualsIfExists": {"aws:ResourceOrgID": org_id}}})),
        ("nonprod-no-iam-users", _doc({
            "Sid": "NoUsers", "Effect": "Deny",
            "Action": ["iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile"],
            "Resource": "*"})),
        ("deny-s3-deletes", _doc({
            "Sid": "KeepData", "Effect": "Deny",
            "Action": ["s3:DeleteBucket", "s3:DeleteObject", "s3:DeleteObjectVersion"],
            "Resource": "*"})),
    ]


def rcp_pool(org_id: str) -> list[tuple[str, Document]]:
    return [
        ("data-perimeter", _doc({
            "Sid": "OnlyTheOrganisation", "Effect": "Deny", "Principal": "*",
            "Action": "s3:*", "Resource": "*",
            "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": org_id},
                          "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}})),
        ("require-tls", _doc({
            "Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": "*", "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}}})),
    ]
