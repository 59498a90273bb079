"""Creating the planned role through boto3, all or nothing.

The plan is a list of API calls shown to the user before anything is written. Applying runs
them in order; each successful call records the call that undoes it. When a call fails, the
undo calls run in reverse, so the account is left as it was, and the result names exactly what
was done, what failed and what was undone (or could not be undone, which the user must know).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from graph.model import Instance
from graph.wizard.documents import inline_policy, trust_policy
from graph.wizard.plan import RolePlan

ASSOCIATE = "associate_iam_instance_profile"
REPLACE = "replace_iam_instance_profile_association"


class ClientSource(Protocol):
    """What apply needs of graph.sources.AwsConnection: boto3 clients by service and region."""

    def client(self, service: str, region: str | None = None) -> Any: ...


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


def api_calls(plan: RolePlan, attach: Sequence[Instance] = ()) -> tuple[ApiCall, ...]:
    """The calls that create the plan, in order. Instances with a profile get it replaced."""
    calls: list[ApiCall] = []
    create: dict[str, Any] = {
        "RoleName": plan.name,
        "Path": plan.path,
        "AssumeRolePolicyDocument": json.dumps(trust_policy(plan)),
        "MaxSessionDuration": plan.max_session_duration,
    }
    if plan.description:
        create["Description"] = plan.description
    if plan.tags:
        create["Tags"] = [{"Key": k, "Value": v} for k, v in plan.tags]
    calls.append(ApiCall("iam", "create_role", create))
    document = inline_policy(plan)
    if document is not None:
        calls.append(ApiCall("iam", "put_role_policy", {
            "RoleName": plan.name, "PolicyName": plan.inline_policy_name,
            "PolicyDocument": json.dumps(document)}))
    for arn in plan.managed_policy_arns:
        calls.append(ApiCall("iam", "attach_role_policy",
                             {"RoleName": plan.name, "PolicyArn": arn}))
    if plan.boundary_arn:
        calls.append(ApiCall("iam", "put_role_permissions_boundary", {
            "RoleName": plan.name, "PermissionsBoundary": plan.boundary_arn}))
    profile = plan.instance_profile_name
    if profile is not None:
        calls.append(ApiCall("iam", "create_instance_profile", {
            "InstanceProfileName": profile, "Path": plan.path}))
        calls.append(ApiCall("iam", "add_role_to_instance_profile", {
            "InstanceProfileName": profile, "RoleName": plan.name}))
        for instance in attach:
            operation = REPLACE if instance.instance_profile_arn else ASSOCIATE
            calls.append(ApiCall("ec2", operation, {
                "InstanceId": instance.instance_id, "IamInstanceProfile": {"Name": profile}},
                region=instance.region))
    return tuple(calls)


@dataclass(frozen=True)
class ApplyResult:
    """What happened: calls done, the call that failed, and what was undone."""

    completed: tuple[ApiCall, ...]
    failed: ApiCall | None = None
    error: str = ""
    rolled_back: tuple[ApiCall, ...] = ()
    rollback_errors: tuple[str, ...] = ()
    role_arn: str | None = None
    instance_profile_arn: str | None = None

    @property
    def ok(self) -> bool:
        return self.failed is None

    def lines(self) -> list[str]:
        """The story for the user, in the order it happened."""
        out = [f"done: {c.describe()}" for c in self.completed]
        if self.failed is not None:
            out.append(f"FAILED: {self.failed.describe()}: {self.error}")
            out += [f"undone: {c.describe()}" for c in self.rolled_back]
            out += [f"NOT UNDONE: {e}" for e in self.rollback_errors]
            if not self.rollback_errors:
                out.append("the account is as it was before")
        elif self.role_arn:
            out.append(f"created {self.role_arn}")
        return out


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Message') or exc} [{err.get('Code', '')}]"
    return str(exc)


@dataclass
class _Runner:
    connection: ClientSource
    sleep: Callable[[float], None]
    retries: int
    undo: list[tuple[ApiCall, ApiCall]] = field(default_factory=list)

    def call(self, call: ApiCall) -> dict[str, Any]:
        client = self.connection.client(call.service, call.region)
        return getattr(client, call.operation)(**call.params)

    def run(self, call: ApiCall) -> tuple[ApiCall, dict[str, Any]]:
        """Run one planned call (resolving associate vs replace live); record its undo."""
        if call.service == "ec2":
            return self._attach(call)
        response = self.call(call)
        self.undo.append((call, _undo_for(call)))
        return call, response

    def _attach(self, call: ApiCall) -> tuple[ApiCall, dict[str, Any]]:
        """Associate, or replace the instance's current association (looked up now, not in
        the snapshot, which may be stale); retried briefly because a new instance profile takes
        a few seconds to become visible to EC2."""
        ec2 = self.connection.client("ec2", call.region)
        instance_id = call.params["InstanceId"]
        found = ec2.describe_iam_instance_profile_associations(Filters=[
            {"Name": "instance-id", "Values": [instance_id]},
            {"Name": "state", "Values": ["associated"]},
        ]).get("IamInstanceProfileAssociations", [])
        if found:
            old = found[0]
            actual = ApiCall("ec2", REPLACE, {
                "AssociationId": old["AssociationId"],
                "IamInstanceProfile": call.params["IamInstanceProfile"]}, region=call.region)
        else:
            actual = ApiCall("ec2", ASSOCIATE, dict(call.params), region=call.region)
        for attempt in range(self.retries + 1):
            try:
                response = self.call(actual)
                break
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code != "InvalidParameterValue" or attempt == self.retries:
                    raise
                self.sleep(2.0)
        new_id = response["IamInstanceProfileAssociation"]["AssociationId"]
        if found:
            undo = ApiCall("ec2", REPLACE, {
                "AssociationId": new_id,
                "IamInstanceProfile": {"Arn": found[0]["IamInstanceProfile"]["Arn"]}},
                region=call.region)
        else:
            undo = ApiCall("ec2", "disassociate_iam_instance_profile",
                           {"AssociationId": new_id}, region=call.region)
        self.undo.append((actual, undo))
        return actual, response


def _undo_for(call: ApiCall) -> ApiCall:
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


def apply_plan(
    plan: RolePlan,
    connection: ClientSource,
    attach: Sequence[Instance] = (),
    progress: Callable[[str, int, int], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    association_retries: int = 5,
) -> ApplyResult:
    """Create the planned role; on any failure undo the completed calls in reverse order.

    The plan must already be validated (graph.wizard.validate.check): this function trusts it.
    """
    calls = api_calls(plan, attach)
    runner = _Runner(connection, sleep, association_retries)
    completed: list[ApiCall] = []
    role_arn: str | None = None
    profile_arn: str | None = None
    for number, call in enumerate(calls):
        if progress is not None:
            progress(call.describe(), number, len(calls))
        try:
            actual, response = runner.run(call)
        except (ClientError, BotoCoreError) as exc:
            rolled, errors = _roll_back(runner)
            return ApplyResult(tuple(completed), call, _error_text(exc), rolled, errors)
        completed.append(actual)
        if call.operation == "create_role":
            role_arn = response["Role"]["Arn"]
        elif call.operation == "create_instance_profile":
            profile_arn = response["InstanceProfile"]["Arn"]
    if progress is not None:
        progress("done", len(calls), len(calls))
    return ApplyResult(tuple(completed), role_arn=role_arn, instance_profile_arn=profile_arn)


def _roll_back(runner: _Runner) -> tuple[tuple[ApiCall, ...], tuple[str, ...]]:
    """Undo in reverse; keep going past a failed undo so as much as possible is cleaned up."""
    rolled: list[ApiCall] = []
    errors: list[str] = []
    for done, undo in reversed(runner.undo):
        try:
            runner.call(undo)
            rolled.append(undo)
        except (ClientError, BotoCoreError) as exc:
            errors.append(f"{undo.describe()} (undoing {done.operation}): {_error_text(exc)}")
    return tuple(rolled), tuple(errors)
