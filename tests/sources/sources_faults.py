"""AWS fault helpers for the source tests: auditors with denials, fault injection.

Denials come from moto itself where it enforces IAM (a user whose policy denies one action);
throttling and the few denials moto does not enforce (s3control, bucket public access block)
are injected with a botocore `before-send` handler, the documented hook for short-circuiting a
request with a response.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse

from graph.sources.connection import AwsConnection
from graph.sources.demo import demo_endpoint


def auditor_connection(admin: AwsConnection, user: str, denied: str | None,
                       max_attempts: int = 1) -> AwsConnection:
    """Credentials of an IAM user allowed everything except `denied`, on the demo endpoint."""
    iam = admin.client("iam")
    statements: list[dict[str, Any]] = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    if denied:
        statements.append({"Effect": "Deny", "Action": denied, "Resource": "*"})
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="audit", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": statements}))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    session = boto3.Session(aws_access_key_id=key["AccessKeyId"],
                            aws_secret_access_key=key["SecretAccessKey"], region_name="us-east-1")
    return AwsConnection(session, endpoint_url=demo_endpoint(), retry_mode="standard",
                         max_attempts=max_attempts)


def fresh_connection(max_attempts: int = 1) -> AwsConnection:
    """A new connection (no clients yet), so session-level handlers reach every client."""
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                            region_name="us-east-1")
    return AwsConnection(session, endpoint_url=demo_endpoint(), retry_mode="standard",
                         max_attempts=max_attempts)


class _Body:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def error_body(protocol: str, code: str, message: str) -> bytes:
    """An error document in the service protocol's documented shape."""
    if protocol == "ec2":
        return (f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message>"
                f"</Error></Errors><RequestID>r</RequestID></Response>").encode()
    if protocol == "json":  # kms, organizations
        return json.dumps({"__type": code, "message": message}).encode()
    if protocol == "query":
        return (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
                f"<Message>{message}</Message></Error><RequestId>r</RequestId></ErrorResponse>"
                ).encode()
    return (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error>").encode()


def inject_error(conn: AwsConnection, event: str, *, status: int, code: str, message: str,
                 protocol: str = "rest-xml",
                 when: Callable[[Any], bool] = lambda request: True,
                 times: int | None = None) -> list[str]:
    """Answer requests matching `event` (e.g. "before-send.s3.GetBucketPolicy") with an error.

    Returns the list of intercepted URLs (one per attempt, retries included). `times` limits
    how many requests fail; later ones go through to moto.
    """
    seen: list[str] = []

    def handler(request: Any, **_: Any) -> AWSResponse | None:
        if not when(request) or (times is not None and len(seen) >= times):
            return None
        seen.append(request.url)
        return AWSResponse(request.url, status, {}, _Body(error_body(protocol, code, message)))

    conn.session.events.register(event, handler)
    return seen


@contextmanager
def deadline(seconds: int, why: str) -> Iterator[None]:
    """Fail with `why` instead of hanging: hostile input must never block rolemap."""
    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(why)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
