"""AWS managed policies with their real documents, as moto (a dependency) ships them.

A realistic account attaches AmazonSSMManagedInstanceCore to half its EC2 roles and a few roles
carry PowerUserAccess (NotAction) or AdministratorAccess; hand-written look-alikes would miss
what makes the real ones hard (dozens of actions, NotAction, `s3-object-lambda:*`).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from graph.errors import SourceError


@dataclass(frozen=True)
class AwsPolicy:
    name: str
    #: Share of EC2 roles that attach it (REALISTIC-ACCOUNTS.md).
    share: float

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::aws:policy{_data()[self.name].get('Path', '/')}{self.name}"


#: The AWS managed policies real EC2 roles attach, with their shares.
COMMON = (
    AwsPolicy("AmazonSSMManagedInstanceCore", 0.45),
    AwsPolicy("CloudWatchAgentServerPolicy", 0.20),
    AwsPolicy("AmazonS3ReadOnlyAccess", 0.06),
    AwsPolicy("AmazonEC2RoleforSSM", 0.03),
    AwsPolicy("AmazonS3FullAccess", 0.02),
    AwsPolicy("PowerUserAccess", 0.005),
    AwsPolicy("AdministratorAccess", 0.005),
)
ADMIN = COMMON[-1]


@functools.cache
def _data() -> dict[str, Any]:
    try:
        from moto.iam.aws_managed_policies import aws_managed_policies_data
    except ImportError:
        raise SourceError("synthetic accounts take the AWS managed policy documents from moto: "
                          "pip install 'rolemap[demo]'") from None
    data: dict[str, Any] = json.loads(aws_managed_policies_data)
    return data


def policy_detail(policy: AwsPolicy, attachments: int) -> dict[str, Any]:
    """The policy as get-account-authorization-details lists it (default version only)."""
    raw = _data()[policy.name]
    version = raw.get("DefaultVersionId", "v1")
    ident = "ANPA" + "".join(c for c in policy.name.upper() if c.isalnum())[:17].ljust(17, "Z")
    return {
        "PolicyName": policy.name, "PolicyId": ident, "Arn": policy.arn,
        "Path": raw.get("Path", "/"), "DefaultVersionId": version,
        "AttachmentCount": attachments, "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": True, "CreateDate": raw["CreateDate"], "UpdateDate": raw["UpdateDate"],
        "PolicyVersionList": [{"Document": raw["Document"], "VersionId": version,
                               "IsDefaultVersion": True, "CreateDate": raw["UpdateDate"]}],
    }
