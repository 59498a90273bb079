"""Creating the planned role through boto3, all or nothing, each write exactly once.

The plan is a list of API calls shown to the user before anything is written. Applying runs
them in order; each call records the call that undoes it, in memory and in a journal file
*before* it is sent (graph.wizard.journal). Each write is sent once (graph.wizard.writes): a
write whose answer was lost is read back, not blindly retried, so what AWS did is always known
or said to be unknown. When anything goes wrong — an AWS error, a write whose outcome cannot
be established, Ctrl-C, SIGTERM, SIGHUP — the undo calls run in reverse, and then the account
is read back: "the account is as it was before" is said only when that read shows it, and
otherwise the result names what is left and how to remove it (`rolemap role undo`).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from graph.errors import RolemapError
from graph.model import Instance
from graph.wizard.calls import (
    ASSOCIATE,
    CREATION_TAG,
    REPLACE,
    RESTORE,
    ApiCall,
    as_dict,
    error_text,
    failure_text,
    undo_for,
)
from graph.wizard.documents import inline_policy, trust_policy
from graph.wizard.interrupts import Interrupted, SignalGuard, StopRequest
from graph.wizard.journal import DONE, UNDONE, Journal
from graph.wizard.plan import RolePlan
from graph.wizard.readback import ClientSource, current_associations, undone
from graph.wizard.undo import NotOurs, run_undo, undo_journal
from graph.wizard.writes import Sent, send

__all__ = ["ApiCall", "ApplyResult", "ClientSource", "api_calls", "apply_plan", "preflight",
           "undo_journal"]

#: Rollback rounds: what the read-back after a rollback still shows (a write that landed
#: late, or a deletion IAM does not show yet: it is eventually consistent) is undone and
#: read again, this many times in all, before it is reported as left behind.
ROUNDS = 3


def api_calls(plan: RolePlan, attach: Sequence[Instance] = (),
              token: str | None = None) -> tuple[ApiCall, ...]:
    """The calls that create the plan, in order. Instances with a profile get it replaced.

    With a `token` (an apply's own), the role and profile also get rolemap's creation tag,
    by which a read-back or an undo knows them for the ones this apply made.
    """
    calls: list[ApiCall] = []
    tags = [{"Key": k, "Value": v} for k, v in plan.tags]
    if token is not None:
        tags.append({"Key": CREATION_TAG, "Value": token})
    create: dict[str, Any] = {
        "RoleName": plan.name,
        "Path": plan.path,
        "AssumeRolePolicyDocument": json.dumps(trust_policy(plan)),
        "MaxSessionDuration": plan.max_session_duration,
    }
    if plan.description:
        create["Description"] = plan.description
    if tags:
        create["Tags"] = tags
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
        create_profile: dict[str, Any] = {"InstanceProfileName": profile, "Path": plan.path}
        if tags:
            create_profile["Tags"] = tags
        calls.append(ApiCall("iam", "create_instance_profile", create_profile))
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
    """What happened: calls done, the call that failed, what was undone and what is left."""

    completed: tuple[ApiCall, ...]
    failed: ApiCall | None = None
    error: str = ""
    rolled_back: tuple[ApiCall, ...] = ()
    rollback_errors: tuple[str, ...] = ()
    role_arn: str | None = None
    instance_profile_arn: str | None = None
    #: Stopped by Ctrl-C, SIGTERM or SIGHUP (the CLI exits 128 + the signal after rollback).
    interrupted: bool = False
    signal_number: int = 0
    #: The journal file, kept for `rolemap role undo` when something could not be undone.
    journal: str | None = None
    #: After the rollback, what reading the account back still showed (or could not check).
    left: tuple[str, ...] = ()
    #: Writes whose answer was lost or incomplete, settled by reading the account back.
    settled: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.failed is None

    @property
    def clean(self) -> bool:
        """The rollback left the account as it was, as read back afterwards."""
        return not self.rollback_errors and not self.left

    def lines(self) -> list[str]:
        """The story for the user, in the order it happened."""
        out = [f"done: {c.describe()}" for c in self.completed]
        out += [f"read back: {s}" for s in self.settled]
        if self.failed is not None:
            out.append(f"FAILED: {self.failed.describe()}: {self.error}")
            out += [f"undone: {c.describe()}" for c in self.rolled_back]
            out += [f"NOT UNDONE: {e}" for e in self.rollback_errors]
            out += [f"LEFT IN THE ACCOUNT: {e}" for e in self.left]
            if self.clean:
                out.append("the account is as it was before")
            elif self.journal:
                out.append(f"to remove what is left: rolemap role undo {self.journal}")
            else:
                out.append("what is left above must be removed by hand")
        elif self.role_arn:
            out.append(f"created {self.role_arn}")
        return out


@dataclass
class _Runner:
    connection: ClientSource
    sleep: Callable[[float], None]
    retries: int
    token: str
    journal: Journal | None = None
    #: (done call, its undo, certain): certain is False while its outcome is unknown.
    undo: list[tuple[ApiCall, ApiCall, bool]] = field(default_factory=list)
    _journal_index: list[int] = field(default_factory=list)
    settled: list[str] = field(default_factory=list)

    def run(self, call: ApiCall) -> tuple[ApiCall, Sent]:
        """Run one planned call (resolving associate vs replace live); record its undo first."""
        actual, undo = self._resolve(call) if call.service == "ec2" else (call, undo_for(call))
        self.undo.append((actual, undo, False))
        if self.journal is not None:
            self._journal_index.append(self.journal.sending(as_dict(actual), as_dict(undo)))
        try:
            sent = send(self.connection, actual, self.token, sleep=self.sleep,
                        instance_id=call.params.get("InstanceId"), profile_retries=self.retries)
        except ClientError:
            self._forget_last()  # AWS refused the call: it did not happen
            raise
        if sent.notes:
            how = "it happened" if sent.read_back else "it had not happened, sent again"
            self.settled.append(f"{actual.describe()}: {'; '.join(sent.notes)}: {how}")
        self.undo[-1] = (actual, undo, True)
        if self.journal is not None:
            self.journal.mark(self._journal_index[-1], DONE)
        return actual, sent

    def _forget_last(self) -> None:
        self.undo.pop()
        if self.journal is not None:
            self.journal.mark(self._journal_index.pop(), UNDONE)

    def _resolve(self, call: ApiCall) -> tuple[ApiCall, ApiCall]:
        """Associate, or replace the instance's current association (looked up now, not in
        the snapshot, which may be stale); the undo puts back what is there now."""
        instance_id = call.params["InstanceId"]
        found = current_associations(self.connection, instance_id, call.region)
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


def apply_plan(
    plan: RolePlan,
    connection: ClientSource,
    attach: Sequence[Instance] = (),
    progress: Callable[[str, int, int], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    association_retries: int = 5,
    journal: Journal | None = None,
    guard: SignalGuard | None = None,
    stop: StopRequest | None = None,
) -> ApplyResult:
    """Create the planned role; on any failure undo what was done, in reverse order.

    The plan must already be validated (graph.wizard.validate.check) and its names checked
    against the account (`preflight`): this function trusts it. With a `journal`, every call
    is recorded there before it is sent. With a `guard` (installed by the command line), the
    signals it catches roll back like Ctrl-C and cannot cut the rollback short by accident;
    a `stop` (the app's, whose writes run in a worker thread) does the same between calls.
    """
    token = (journal.token if journal is not None and journal.token else uuid.uuid4().hex)
    if journal is not None:
        journal.token = token
    calls = api_calls(plan, attach, token)
    runner = _Runner(connection, sleep, association_retries, token, journal)
    completed: list[ApiCall] = []
    role_arn: str | None = None
    profile_arn: str | None = None
    if journal is not None:
        journal.save()
    if guard is not None:
        guard.writing()
    for number, call in enumerate(calls):
        if progress is not None:
            progress(call.describe(), number, len(calls))
        try:
            if stop is not None:
                stop.check()
            actual, sent = runner.run(call)
            completed.append(actual)
            if call.operation == "create_role":
                role_arn = sent.response["Role"]["Arn"]
            elif call.operation == "create_instance_profile":
                profile_arn = sent.response["InstanceProfile"]["Arn"]
        except BaseException as exc:  # noqa: BLE001 - every failure is rolled back, then told
            if guard is not None:
                guard.rolling_back()
            return _fail(runner, completed, call, exc, guard)
    if guard is not None:
        guard.done()
    if progress is not None:
        progress("done", len(calls), len(calls))
    if journal is not None:
        journal.finish("created")
    return ApplyResult(tuple(completed), role_arn=role_arn, instance_profile_arn=profile_arn,
                       journal=str(journal.path) if journal is not None else None,
                       settled=tuple(runner.settled))


def _fail(runner: _Runner, completed: list[ApiCall], call: ApiCall, exc: BaseException,
          guard: SignalGuard | None) -> ApplyResult:
    """Roll back, read the account back, and tell; SystemExit and the like go on afterwards.

    A write in flight when the writes stopped may land after its undo ran, so what the
    read-back still shows is undone again, up to ROUNDS times, before it is reported.
    """
    rolled: list[ApiCall] = []
    errors: tuple[str, ...] = ()
    left: tuple[str, ...] = ()
    try:
        pending = list(range(len(runner.undo)))
        for round_ in range(ROUNDS):
            undone_now, errors = _roll_back(runner, pending)
            rolled += undone_now
            pending, left = _verify(runner, pending)
            if not pending:
                errors = ()
                break
            if round_ + 1 < ROUNDS:
                runner.sleep(1.0)
    finally:
        if guard is not None:
            guard.done()
    journal = runner.journal
    if journal is not None:
        journal.finish("undone" if not errors and not left else "undo incomplete")
    interrupted = isinstance(exc, KeyboardInterrupt)
    if not isinstance(exc, Exception) and not interrupted:
        raise exc  # SystemExit and the like: rolled back, then let through
    signum = exc.signum if isinstance(exc, Interrupted) else (2 if interrupted else 0)
    return ApplyResult(tuple(completed), call, failure_text(exc), tuple(rolled), errors,
                       interrupted=interrupted, signal_number=signum,
                       journal=str(journal.path) if journal is not None else None,
                       left=left, settled=tuple(runner.settled))


def _roll_back(runner: _Runner, positions: list[int]
               ) -> tuple[tuple[ApiCall, ...], tuple[str, ...]]:
    """Undo in reverse; keep going past a failed undo so as much as possible is cleaned up."""
    rolled: list[ApiCall] = []
    errors: list[str] = []
    for position in reversed(positions):
        done, undo, _certain = runner.undo[position]
        try:
            if run_undo(runner.connection, undo, runner.token):
                rolled.append(undo)
        except NotOurs:
            continue  # someone else's (a create AWS refused): nothing of ours to undo
        except Exception as exc:  # noqa: BLE001 - an undo that fails is reported, never fatal
            errors.append(f"{undo.describe()} (undoing {done.operation}): {failure_text(exc)}")
    return tuple(rolled), tuple(errors)


def _verify(runner: _Runner, positions: list[int]) -> tuple[list[int], tuple[str, ...]]:
    """Read back each write that was (or may have been) made: (positions still showing or
    unreadable, what to tell of them).

    Journal entries are marked undone only here, once the account shows it, so `role undo`
    still covers whatever the read-back found or could not check.
    """
    left: list[int] = []
    told: list[str] = []
    for position in positions:
        done, undo, _certain = runner.undo[position]
        try:
            problem = None if undone(runner.connection, done, undo, runner.token) else (
                f"{done.describe()} (still there when read back)")
        except Exception as exc:  # noqa: BLE001 - an unreadable account is reported
            problem = f"{done.describe()} (could not read it back: {failure_text(exc)})"
        if problem is not None:
            left.append(position)
            told.append(problem)
        elif runner.journal is not None:
            runner.journal.mark(runner._journal_index[position], UNDONE)
    return left, tuple(told)


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
                               f"{error_text(exc)}; nothing was written") from None
        name = next(iter(params.values()))
        raise RolemapError(f"an IAM {kind} named {name!r} already exists in the account; "
                           "choose another name (nothing was written)")
