"""An account whose roles other accounts may assume, for the cross-account-through-trust rule:
the ways in (another account's root, one of its roles, "*" under an organization condition,
an ExternalId, a role chain) and the near-misses (services, this account's own principals, a
Deny, a role that reaches no bucket); seeded into moto through boto3, read by the live loader.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from graph.model import AccountSnapshot
from graph.sources.demo import demo_connection, demo_endpoint
from graph.sources.live import load_live

from .account import ALL_BLOCKED, PARTNER, REGION, THIRD_PARTY

ETL = f"arn:aws:iam::{PARTNER}:role/etl"


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _trust(principal: Any, effect: str = "Allow", **extra: Any) -> dict[str, Any]:
    return {"Effect": effect, "Principal": principal, "Action": "sts:AssumeRole", **extra}


def _allow(action: Any, resource: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


#: role -> (trust, inline policy or None); in creation order (a trust may name an earlier role).
ROLES: dict[str, tuple[dict[str, Any], dict[str, Any] | None]] = {
    # Another account's root, no ExternalId: reads part of `data`.
    "partner-reader": (_doc(_trust({"AWS": f"arn:aws:iam::{PARTNER}:root"})), _doc(
        {"Sid": "List", **_allow("s3:ListBucket", "arn:aws:s3:::data")},
        {"Sid": "Exports", **_allow("s3:GetObject", "arn:aws:s3:::data/exports/*")})),
    # A third party with an ExternalId: writes `drop`.
    "vendor-writer": (_doc(_trust({"AWS": f"arn:aws:iam::{THIRD_PARTY}:root"}, Condition={
        "StringEquals": {"sts:ExternalId": "v-42"}})),
        _doc(_allow("s3:PutObject", "arn:aws:s3:::drop/*"))),
    # A role of another account comes in through a role that reaches nothing itself, then
    # chains to one that writes.
    "partner-hop": (_doc(_trust({"AWS": ETL})),
                    _doc(_allow("sts:AssumeRole", "arn:aws:iam::{account}:role/inner-writer"))),
    "inner-writer": (_doc(_trust({"AWS": "arn:aws:iam::{account}:role/partner-hop"})),
                     _doc(_allow(["s3:PutObject", "s3:GetObject"], "arn:aws:s3:::drop/*"))),
    # Any account of an organization.
    "org-any": (_doc(_trust({"AWS": "*"}, Condition={
        "StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})),
        _doc(_allow("s3:GetObject", "arn:aws:s3:::data/*"))),
    # Near-misses: none of these is reachable from another account.
    "services-only": (_doc(_trust({"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]})),
                      _doc(_allow("s3:*", ["arn:aws:s3:::data", "arn:aws:s3:::data/*"]))),
    "internal": (_doc(_trust({"AWS": "arn:aws:iam::{account}:role/services-only"})),
                 _doc(_allow("s3:GetObject", "arn:aws:s3:::data/*"))),
    "own-root": (_doc(_trust({"AWS": "arn:aws:iam::{account}:root"})),
                 _doc(_allow("s3:GetObject", "arn:aws:s3:::data/*"))),
    "denied": (_doc(_trust({"Service": "ec2.amazonaws.com"}),
                    _trust({"AWS": f"arn:aws:iam::{PARTNER}:root"}, effect="Deny")),
               _doc(_allow("s3:GetObject", "arn:aws:s3:::data/*"))),
    "own-only-star": (_doc(_trust({"AWS": "*"}, Condition={
        "StringEquals": {"aws:PrincipalAccount": "{account}"}})),
        _doc(_allow("s3:GetObject", "arn:aws:s3:::data/*"))),
    "idle-partner": (_doc(_trust({"AWS": f"arn:aws:iam::{PARTNER}:root"})), None),
}
BUCKETS = ("data", "drop")


def load_trust_account() -> AccountSnapshot:
    """Reset the emulator, seed this account, read it back with the live loader."""
    endpoint = demo_endpoint()
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=30):
        pass
    conn = demo_connection()
    account = conn.account_id

    def js(doc: dict[str, Any]) -> str:
        return json.dumps(doc).replace("{account}", account)

    iam = conn.client("iam")
    for name, (trust, inline) in ROLES.items():
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=js(trust))
        if inline is not None:
            iam.put_role_policy(RoleName=name, PolicyName=f"{name}-policy",
                                PolicyDocument=js(inline))
    s3 = conn.client("s3", REGION)
    for bucket in BUCKETS:
        s3.create_bucket(Bucket=bucket)
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=ALL_BLOCKED)
    return load_live(conn, (REGION,))
