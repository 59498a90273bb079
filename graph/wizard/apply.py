"""Creating the planned role through boto3, all or nothing.

The plan is a list of API calls shown to the user before anything is written. Applying runs
them in order; each call records the call that undoes it, in memory and in a journal file
*before* it is sent (graph.wizard.journal). When anything goes wrong — an AWS error, a reply
missing its result, Ctrl-C — the undo calls run in reverse, so the account is left as it was,
and the result names exactly what was done, what failed and what was undone (or could not be
undone, which the user must know). A call interrupted in flight may or may not have happened:
its undo runs too, and "not found" then counts as undone.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from graph.errors import RolemapError
from graph.model import Instance
from graph.wizard.documents import inline_policy, trust_policy
from graph.wizard.journal import DONE, UNDONE, Journal
from graph.wizard.plan import RolePlan

ASSOCIATE = "associate_iam_instance_profile"
REPLACE = "replace_iam_instance_profile_association"
#: Undo of an association, by state rather than by association id (which a lost reply never
#: gave): if the instance now has the new profile, put back the previous one (or none).
RESTORE = "restore_instance_profile"
#: Error codes meaning the thing to undo is not there (already undone, or never made).
GONE_CODES = frozenset({"NoSuchEntity", "InvalidAssociationID.NotFound"})


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
    #: Stopped by Ctrl-C (the CLI exits 130 after the rollback).
    interrupted: bool = False
    #: The journal file, kept for `rolemap role undo` when something could not be undone.
    journal: str | None = None

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
            elif self.journal:
                out.append(f"to retry the undo later: rolemap role undo {self.journal}")
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
    journal: Journal | None = None
    #: (done call, its undo, certain): certain is False for the call in flight when stopped.
    undo: list[tuple[ApiCall, ApiCall, bool]] = field(default_factory=list)
    _journal_index: list[int] = field(default_factory=list)

    def call(self, call: ApiCall) -> dict[str, Any]:
        client = self.connection.client(call.service, call.region)
        return getattr(client, call.operation)(**call.params)

    def run(self, call: ApiCall) -> tuple[ApiCall, dict[str, Any]]:
        """Run one planned call (resolving associate vs replace live); record its undo first."""
        actual, undo = self._resolve(call) if call.service == "ec2" else (call, _undo_for(call))
        self.undo.append((actual, undo, False))
        if self.journal is not None:
            self._journal_index.append(self.journal.sending(_as_dict(actual), _as_dict(undo)))
        response = self._attach(actual) if call.service == "ec2" else self.call(actual)
        self.confirm(actual, undo)
        return actual, response

    def confirm(self, actual: ApiCall, undo: ApiCall) -> None:
        self.undo[-1] = (actual, undo, True)
        if self.journal is not None:
            self.journal.mark(self._journal_index[-1], DONE)

    def forget_last(self) -> None:
        """The last call was refused by AWS (an error reply): nothing to undo for it."""
        self.undo.pop()
        if self.journal is not None:
            self.journal.mark(self._journal_index.pop(), UNDONE)

    def _resolve(self, call: ApiCall) -> tuple[ApiCall, ApiCall]:
        """Associate, or replace the instance's current association (looked up now, not in
        the snapshot, which may be stale); the undo puts back what is there now."""
        ec2 = self.connection.client("ec2", call.region)
        instance_id = call.params["InstanceId"]
        found = ec2.describe_iam_instance_profile_associations(Filters=[
            {"Name": "instance-id", "Values": [instance_id]},
            {"Name": "state", "Values": ["associated"]},
        ]).get("IamInstanceProfileAssociations", [])
        if found:
            actual = ApiCall("ec2", REPLACE, {
                "AssociationId": found[0]["AssociationId"],
                "IamInstanceProfile": call.params["IamInstanceProfile"]}, region=call.region)
        else:
            actual = ApiCall("ec2", ASSOCIATE, dict(call.params), region=call.region)
        previous = found[0]["IamInstanceProfile"]["Arn"] if found else None
        undo = ApiCall("ec2", RESTORE, {
            "InstanceId": instance_id, "ProfileName": call.params["IamInstanceProfile"]["Name"],
            "PreviousArn": previous}, region=call.region)
        return actual, undo

    def _attach(self, actual: ApiCall) -> dict[str, Any]:
        """Retried briefly: a new instance profile takes a few seconds to be visible to EC2."""
        for attempt in range(self.retries + 1):
            try:
                response = self.call(actual)
                break
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code != "InvalidParameterValue" or attempt == self.retries:
                    raise
                self.sleep(2.0)
        return response


def _as_dict(call: ApiCall) -> dict[str, Any]:
    return {"service": call.service, "operation": call.operation, "params": dict(call.params),
            "region": call.region}


def api_call(data: dict[str, Any]) -> ApiCall:
    """An ApiCall back from its journal form."""
    return ApiCall(data["service"], data["operation"], data["params"], data.get("region"))


def run_undo(connection: ClientSource, undo: ApiCall) -> bool:
    """Run one undo call; False when there was nothing left to undo ("not found")."""
    if undo.operation == RESTORE:
        return _restore(connection, undo)
    client = connection.client(undo.service, undo.region)
    if undo.operation == "remove_role_from_instance_profile":
        # Asked first: moto fails with an internal error (not NoSuchEntity) when the role is
        # not in the profile, which a call interrupted in flight leaves possible.
        try:
            roles = client.get_instance_profile(
                InstanceProfileName=undo.params["InstanceProfileName"])["InstanceProfile"]["Roles"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in GONE_CODES:
                return False
            raise
        if not any(r["RoleName"] == undo.params["RoleName"] for r in roles):
            return False
    try:
        getattr(client, undo.operation)(**undo.params)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in GONE_CODES:
            return False
        raise
    return True


def _restore(connection: ClientSource, undo: ApiCall) -> bool:
    p = undo.params
    ec2 = connection.client("ec2", undo.region)
    found = ec2.describe_iam_instance_profile_associations(Filters=[
        {"Name": "instance-id", "Values": [p["InstanceId"]]},
        {"Name": "state", "Values": ["associated"]},
    ]).get("IamInstanceProfileAssociations", [])
    ours = [a for a in found
            if a["IamInstanceProfile"]["Arn"].rsplit("/", 1)[-1] == p["ProfileName"]]
    if not ours:
        return False  # the new profile never got there (or someone changed it since)
    if p.get("PreviousArn"):
        ec2.replace_iam_instance_profile_association(
            AssociationId=ours[0]["AssociationId"], IamInstanceProfile={"Arn": p["PreviousArn"]})
    else:
        ec2.disassociate_iam_instance_profile(AssociationId=ours[0]["AssociationId"])
    return True


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
    journal: Journal | None = None,
) -> ApplyResult:
    """Create the planned role; on any failure undo the completed calls in reverse order.

    The plan must already be validated (graph.wizard.validate.check) and its names checked
    against the account (`preflight`): this function trusts it. With a `journal`, every call
    is recorded there before it is sent.
    """
    calls = api_calls(plan, attach)
    runner = _Runner(connection, sleep, association_retries, journal)
    completed: list[ApiCall] = []
    role_arn: str | None = None
    profile_arn: str | None = None
    if journal is not None:
        journal.save()
    for number, call in enumerate(calls):
        if progress is not None:
            progress(call.describe(), number, len(calls))
        try:
            actual, response = runner.run(call)
            completed.append(actual)
            if call.operation == "create_role":
                role_arn = response["Role"]["Arn"]
            elif call.operation == "create_instance_profile":
                profile_arn = response["InstanceProfile"]["Arn"]
        except BaseException as exc:  # noqa: BLE001 - every failure is rolled back, then told
            if isinstance(exc, ClientError) and runner.undo and not runner.undo[-1][2]:
                runner.forget_last()  # AWS refused the call: it did not happen
            rolled, errors = _roll_back(runner)
            interrupted = isinstance(exc, KeyboardInterrupt)
            if not isinstance(exc, Exception) and not interrupted:
                raise  # SystemExit and the like: rolled back, then let through
            if journal is not None:
                journal.finish("undone" if not errors else "undo incomplete")
            return ApplyResult(tuple(completed), call, _failure_text(exc), rolled, errors,
                               interrupted=interrupted,
                               journal=str(journal.path) if journal is not None else None)
    if progress is not None:
        progress("done", len(calls), len(calls))
    if journal is not None:
        journal.finish("created")
    return ApplyResult(tuple(completed), role_arn=role_arn, instance_profile_arn=profile_arn,
                       journal=str(journal.path) if journal is not None else None)


def _failure_text(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted (Ctrl-C)"
    if isinstance(exc, ClientError | BotoCoreError):
        return _error_text(exc)
    if isinstance(exc, KeyError):
        return f"the reply lacked its result ({exc.args[0]!r} missing)"
    return f"{type(exc).__name__}: {exc}"


def _roll_back(runner: _Runner) -> tuple[tuple[ApiCall, ...], tuple[str, ...]]:
    """Undo in reverse; keep going past a failed undo so as much as possible is cleaned up."""
    rolled: list[ApiCall] = []
    errors: list[str] = []
    for position in range(len(runner.undo) - 1, -1, -1):
        done, undo, _certain = runner.undo[position]
        try:
            run_undo(runner.connection, undo)
            rolled.append(undo)
            if runner.journal is not None:
                runner.journal.mark(runner._journal_index[position], UNDONE)
        except Exception as exc:  # noqa: BLE001 - an undo that fails is reported, never fatal
            errors.append(f"{undo.describe()} (undoing {done.operation}): {_failure_text(exc)}")
    return tuple(rolled), tuple(errors)


def undo_journal(journal: Journal, connection: ClientSource
                 ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Undo what a journal says was done (or was being done), last first.

    Returns (lines of what was undone or already gone, errors). Safe to run twice.
    """
    done: list[str] = []
    errors: list[str] = []
    for index, data, certain in journal.pending():
        undo = api_call(data)
        try:
            changed = run_undo(connection, undo)
        except Exception as exc:  # noqa: BLE001 - reported; the next undo still runs
            errors.append(f"{undo.describe()}: {_failure_text(exc)}")
            continue
        if changed:
            done.append(f"undone: {undo.describe()}")
        else:
            what = "never happened" if not certain else "already gone"
            done.append(f"nothing to undo ({what}): {undo.describe()}")
        journal.mark(index, UNDONE)
    journal.finish("undone" if not errors else "undo incomplete")
    return tuple(done), tuple(errors)


def preflight(plan: RolePlan, connection: ClientSource) -> None:
    """Refuse (RolemapError, nothing written) when the role or instance profile name is taken.

    An instance profile with no role appears nowhere in the authorization details a snapshot
    holds, so the plan's validation cannot see it; asking IAM now can.
    """
    iam = connection.client("iam")
    checks = [("role", "get_role", {"RoleName": plan.name})]
    if plan.instance_profile_name is not None:
        checks.append(("instance profile", "get_instance_profile",
                       {"InstanceProfileName": plan.instance_profile_name}))
    for kind, operation, params in checks:
        try:
            getattr(iam, operation)(**params)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NoSuchEntity":
                continue
            raise RolemapError(f"cannot check whether the {kind} exists: "
                               f"{_error_text(exc)}; nothing was written") from None
        name = next(iter(params.values()))
        raise RolemapError(f"an IAM {kind} named {name!r} already exists in the account; "
                           "choose another name (nothing was written)")
