"""Sending one of the wizard's writes exactly once.

botocore retries a call that timed out, lost its connection or got a 5xx, as if it had not
happened. For a write that is wrong: AWS may have done it and answered late, and the retry
then fails ("EntityAlreadyExists") while the first attempt's resource is forgotten. So writes
go through a client that makes one attempt (AwsConnection.write_client), and this module
decides: AWS's refusal means it did not happen; throttling is retried (the call was not
performed); anything ambiguous — a timeout, a connection error, a 5xx, a reply that does not
parse or lacks its result — is settled by reading the account back (graph.wizard.readback)
before the call is retried or given up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError, ConnectionError, HTTPClientError
from botocore.parsers import ResponseParserError

from graph.errors import RolemapError
from graph.wizard.calls import ASSOCIATE, REPLACE, ApiCall, error_code, failure_text
from graph.wizard.readback import ClientSource, happened

#: Attempts per write (the first included) while AWS throttles or the outcome stays unsure.
ATTEMPTS = 4
#: Reply keys without which a "success" is not one: AWS always sends them.
RESULT_KEY = {"create_role": "Role", "create_instance_profile": "InstanceProfile",
              ASSOCIATE: "IamInstanceProfileAssociation", REPLACE: "IamInstanceProfileAssociation"}
THROTTLED = frozenset({"Throttling", "ThrottlingException", "RequestLimitExceeded",
                       "TooManyRequestsException", "RequestThrottled"})
#: "Exists" after an attempt whose outcome was unknown: maybe our own first attempt.
EXISTS = frozenset({"EntityAlreadyExists", "IncorrectState"})


class MissingResult(Exception):
    """A 200 reply without what the call returns: AWS may or may not have done it."""


class WriteUncertain(RolemapError):
    """Whether the write happened could not be established: its undo must still run."""


@dataclass(frozen=True)
class Sent:
    """A write that happened: AWS's reply, or what the read-back found (`read_back`)."""

    response: dict[str, Any]
    read_back: bool = False
    #: What went wrong on the way (timeouts, 5xx) before it was settled, for the story.
    notes: tuple[str, ...] = ()


def _checked(call: ApiCall, response: Any) -> dict[str, Any]:
    if not isinstance(response, dict) or not response.get("ResponseMetadata", {}).get(
            "RequestId"):
        raise MissingResult("the reply had no request id")
    key = RESULT_KEY.get(call.operation)
    if key is not None and not response.get(key):
        raise MissingResult(f"the reply lacked its result (no {key} in it)")
    return response


def _ambiguous(exc: BaseException) -> bool:
    if isinstance(exc, HTTPClientError | ConnectionError | ResponseParserError | MissingResult):
        return True
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return int(status) >= 500
    return False


def send(connection: ClientSource, call: ApiCall, token: str, *,
         sleep: Callable[[float], None], instance_id: str | None = None,
         profile_retries: int = 5) -> Sent:
    """Make `call` happen once. Raises ClientError when AWS refused it (it did not happen)
    and WriteUncertain when, after every attempt, nobody can say whether it did."""
    client = connection.write_client(call.service, call.region)
    notes: list[str] = []
    unsure = False  # an earlier attempt may have happened
    profile_waits = 0
    attempt = 0
    while True:
        attempt += 1
        try:
            return Sent(_checked(call, getattr(client, call.operation)(**call.params)),
                        notes=tuple(notes))
        except Exception as exc:  # noqa: BLE001 - sorted below: refused, throttled, ambiguous
            code = error_code(exc)
            if code == "InvalidParameterValue" and call.service == "ec2" and (
                    profile_waits < profile_retries):
                profile_waits += 1  # a new profile takes a few seconds to be visible to EC2
                attempt -= 1
                sleep(2.0)
                continue
            if code in THROTTLED and attempt < ATTEMPTS:
                sleep(2.0 ** attempt)
                continue
            if not (_ambiguous(exc) or (unsure and code in EXISTS)):
                raise  # AWS refused it: nothing happened
            notes.append(f"attempt {attempt}: {failure_text(exc)}")
        unsure = True
        found = _read_back(connection, call, token, instance_id, notes)
        if found is not None:
            return Sent(found, read_back=True, notes=tuple(notes))
        if attempt >= ATTEMPTS:
            raise WriteUncertain(f"no answer after {attempt} attempts, and the account does "
                                 f"not show it ({'; '.join(notes)})")
        sleep(float(attempt))


def _read_back(connection: ClientSource, call: ApiCall, token: str, instance_id: str | None,
               notes: list[str]) -> dict[str, Any] | None:
    try:
        return happened(connection, call, token, instance_id)
    except Exception as exc:  # noqa: BLE001 - unreadable: the write's outcome is unknown
        raise WriteUncertain(f"{'; '.join(notes)}; reading back whether it happened failed: "
                             f"{failure_text(exc)}") from None
