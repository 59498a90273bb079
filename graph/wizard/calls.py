"""The wizard's API calls as data: what apply sends, what the journal records, what undoes it.

Kept apart from apply so that the read-back (graph.wizard.readback), the exactly-once sender
(graph.wizard.writes) and `role undo` (graph.wizard.undo) share one definition of which writes
exist and which call is the inverse of each: `role undo` accepts nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from graph.errors import RolemapError
from graph.wizard.interrupts import Interrupted

ASSOCIATE = "associate_iam_instance_profile"
REPLACE = "replace_iam_instance_profile_association"
#: Undo of an association, by state rather than by association id (which a lost reply never
#: gave): if the instance now has the new profile, put back the previous one (or none).
RESTORE = "restore_instance_profile"
#: The tag rolemap puts on the role and instance profile it creates; its value is the apply's
#: own token (also in the journal), so a resource of the same name made by anyone else, or
#: by another apply, is never taken for ours and never deleted.
CREATION_TAG = "rolemap:creation"
#: Error codes meaning the thing to undo is not there (already undone, or never made).
GONE_CODES = frozenset({"NoSuchEntity", "InvalidAssociationID.NotFound"})

#: The wizard's writes, by service, and the undo operation of each.
UNDO_OF: Mapping[str, str] = {
    "create_role": "delete_role",
    "put_role_policy": "delete_role_policy",
    "attach_role_policy": "detach_role_policy",
    "put_role_permissions_boundary": "delete_role_permissions_boundary",
    "create_instance_profile": "delete_instance_profile",
    "add_role_to_instance_profile": "remove_role_from_instance_profile",
    ASSOCIATE: RESTORE,
    REPLACE: RESTORE,
}


@dataclass(frozen=True)
class ApiCall:
    """One boto3 call: `client(service, region).<operation>(**params)`."""

    service: str
    operation: str
    params: Mapping[str, Any]
    region: str | None = None

    def describe(self) -> str:
        """One line for the plan: the call and the parameters that identify what it touches."""
        shown = {
            k: v for k, v in self.params.items()
            if k not in ("AssumeRolePolicyDocument", "PolicyDocument", "Tags", "Description")
        }
        args = ", ".join(f"{k}={_short(v)}" for k, v in shown.items())
        where = f" [{self.region}]" if self.region else ""
        return f"{self.service}:{self.operation}({args}){where}"


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def as_dict(call: ApiCall) -> dict[str, Any]:
    """The journal form of a call."""
    return {"service": call.service, "operation": call.operation, "params": dict(call.params),
            "region": call.region}


def api_call(data: Mapping[str, Any]) -> ApiCall:
    """An ApiCall back from its journal form."""
    return ApiCall(data["service"], data["operation"], data["params"], data.get("region"))


def undo_for(call: ApiCall) -> ApiCall:
    """The IAM call that undoes one of the wizard's IAM writes (associations: see RESTORE)."""
    p = call.params
    if call.operation == "create_role":
        return ApiCall("iam", "delete_role", {"RoleName": p["RoleName"]})
    if call.operation == "put_role_policy":
        return ApiCall("iam", "delete_role_policy",
                       {"RoleName": p["RoleName"], "PolicyName": p["PolicyName"]})
    if call.operation == "attach_role_policy":
        return ApiCall("iam", "detach_role_policy",
                       {"RoleName": p["RoleName"], "PolicyArn": p["PolicyArn"]})
    if call.operation == "put_role_permissions_boundary":
        return ApiCall("iam", "delete_role_permissions_boundary", {"RoleName": p["RoleName"]})
    if call.operation == "create_instance_profile":
        return ApiCall("iam", "delete_instance_profile",
                       {"InstanceProfileName": p["InstanceProfileName"]})
    if call.operation == "add_role_to_instance_profile":
        return ApiCall("iam", "remove_role_from_instance_profile",
                       {"InstanceProfileName": p["InstanceProfileName"], "RoleName": p["RoleName"]})
    raise ValueError(f"no undo known for {call.operation}")


def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def error_text(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Message') or exc} [{err.get('Code', '')}]"
    return str(exc)


def failure_text(exc: BaseException) -> str:
    """One line for a failed call, whatever raised."""
    if isinstance(exc, Interrupted):
        return f"interrupted ({exc.name})"
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted (Ctrl-C)"
    if isinstance(exc, ClientError | BotoCoreError):
        return error_text(exc)
    if isinstance(exc, KeyError):
        return f"the reply lacked its result (no {exc.args[0]} in it)"
    if isinstance(exc, RolemapError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
