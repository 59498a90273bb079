"""A member account's connection: `sts:AssumeRole` into its member role.

The caller's own account is read with the caller's credentials (no role to assume into
oneself); every other account through `arn:<partition>:iam::<id>:role/<member role>`. The
credentials last an hour, AWS's limit for a role assumed from a role; a member account's load
takes minutes.
"""

from __future__ import annotations

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from graph.sources.aws_errors import describe_error
from graph.sources.connection import AwsConnection

SESSION_NAME = "rolemap-org-load"


class AssumeRefused(Exception):
    """The member role could not be assumed; `reason` is one line for warnings and `failed`."""

    def __init__(self, role_arn: str, code: str, message: str) -> None:
        self.role_arn = role_arn
        self.code = code
        self.message = message
        super().__init__(f"sts:AssumeRole {role_arn}: {message}" + (f" [{code}]" if code else ""))


def member_role_arn(partition: str, account_id: str, member_role: str) -> str:
    """The role's ARN; `member_role` may carry a path ("ops/Auditor")."""
    return f"arn:{partition}:iam::{account_id}:role/{member_role.strip('/')}"


def member_connection(conn: AwsConnection, arn: str, *, timeout: float,
                      max_attempts: int) -> AwsConnection:
    """A connection as the role `arn` (assumed with `conn`'s credentials)."""
    try:
        credentials = conn.client("sts").assume_role(RoleArn=arn,
                                                     RoleSessionName=SESSION_NAME)["Credentials"]
    except (ClientError, BotoCoreError) as exc:
        code, message = describe_error(exc)
        raise AssumeRefused(arn, code, message) from None
    session = boto3.Session(aws_access_key_id=credentials["AccessKeyId"],
                            aws_secret_access_key=credentials["SecretAccessKey"],
                            aws_session_token=credentials["SessionToken"],
                            region_name=conn.default_region)
    return AwsConnection(session, endpoint_url=conn.endpoint_url, timeout=timeout,
                         max_attempts=max_attempts)
