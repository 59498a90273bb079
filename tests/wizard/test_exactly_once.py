"""The wizard's writes happen exactly once, and a rollback says only what is true (#21 item 11).

Against moto's server behind a proxy (tests/wizard/late_server.py) that performs a call and
answers after the client's timeout — at every step — or answers 500 or an empty 200, drops a
request, refuses one, or sends a signal while a call is in flight. Each test compares the
account (roles, profiles, associations) with what it was, and the printed story with it.
"""

from __future__ import annotations

import io
import json
import signal
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from graph.model import Instance
from graph.wizard import api_calls, apply_plan
from graph.wizard.interrupts import SignalGuard
from graph.wizard.journal import Journal, load_journal
from graph.wizard.undo import undo_journal

from .conftest import READ_ANY, TRUST_EC2, MotoAccount
from .late_server import LateProxy, connection, late_proxy, moto_server  # noqa: F401
from .test_apply import account_state, make_plan

REGION = "eu-west-1"
ACTION = {"create_role": "CreateRole", "put_role_policy": "PutRolePolicy",
          "attach_role_policy": "AttachRolePolicy",
          "put_role_permissions_boundary": "PutRolePermissionsBoundary",
          "create_instance_profile": "CreateInstanceProfile",
          "add_role_to_instance_profile": "AddRoleToInstanceProfile",
          "associate_iam_instance_profile": "AssociateIamInstanceProfile",
          "replace_iam_instance_profile_association": "ReplaceIamInstanceProfileAssociation"}


@dataclass
class Late:
    acct: MotoAccount
    proxy: LateProxy
    attach: list[Instance]

    @property
    def steps(self) -> list[str]:
        return [c.operation for c in api_calls(make_plan(self.acct), self.attach)]

    def rule(self, step: int, mode: str) -> None:
        """Apply `mode` to the plan's call number `step` (0-based), whatever its action."""
        op = self.steps[step]
        self.proxy.add(ACTION[op], mode, skip=self.steps[:step].count(op))


@pytest.fixture
def late(late_proxy: LateProxy) -> Late:  # noqa: F811 - the fixture imported above
    """Policy, boundary, an old role in an old profile, three instances (the second with the
    old profile), seeded straight into moto; the wizard talks through the proxy."""
    seed = connection(late_proxy.upstream, REGION, timeout=30)
    iam, ec2 = seed.client("iam"), seed.client("ec2", REGION)
    policy = iam.create_policy(PolicyName="ReadAnything", PolicyDocument=json.dumps(READ_ANY))
    boundary = iam.create_policy(PolicyName="Boundary", PolicyDocument=json.dumps(READ_ANY))
    iam.create_role(RoleName="old-role", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    old = iam.create_instance_profile(InstanceProfileName="old-profile")["InstanceProfile"]
    iam.add_role_to_instance_profile(InstanceProfileName="old-profile", RoleName="old-role")
    ids = [ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1)["Instances"][0]
           ["InstanceId"] for _ in range(3)]
    ec2.associate_iam_instance_profile(InstanceId=ids[1],
                                       IamInstanceProfile={"Name": "old-profile"})
    account = seed.account_id
    instances = [Instance(i, REGION, "running", account) for i in ids]
    instances[1] = Instance(ids[1], REGION, "running", account, instance_profile_arn=old["Arn"])
    conn = connection(late_proxy.url, REGION)
    acct = MotoAccount(conn, account, policy["Policy"]["Arn"], boundary["Policy"]["Arn"],
                       old["Arn"], instances[0], instances[1])
    return Late(acct, late_proxy, instances)


def _apply(late: Late, tmp_path: Path, guard: SignalGuard | None = None):  # noqa: ANN202
    journal = Journal(tmp_path / "journal.json", "app-reader", late.acct.account_id)
    return apply_plan(make_plan(late.acct), late.acct.connection, late.attach,
                      sleep=lambda _: None, journal=journal, guard=guard)


def _story_is_clean(result) -> None:  # noqa: ANN001
    lines = result.lines()
    assert "the account is as it was before" in lines, lines
    assert not any(line.startswith(("NOT UNDONE", "LEFT IN")) for line in lines), lines


@pytest.mark.parametrize("step", range(8))
def test_a_late_answer_at_any_step_is_read_back_and_rolled_back(late: Late, tmp_path: Path,
                                                               step: int) -> None:
    """AWS did the call and answered after the timeout; the next call fails. The late call is
    found by reading back (not retried into "already exists") and undone with the rest."""
    before = account_state(late.acct)
    steps = late.steps
    late.rule(step, "late")
    late.rule(step + 1, "refuse")
    result = _apply(late, tmp_path)
    assert result.failed is not None and result.failed.operation == steps[step + 1]
    assert "injected refusal [Injected]" in result.error
    settled = [line for line in result.lines() if line.startswith("read back: ")]
    assert len(settled) == 1 and steps[step] in settled[0], result.lines()
    assert "Read timeout" in settled[0] and settled[0].endswith("it happened")
    assert not any("AlreadyExists" in line or "IncorrectState" in line
                   for line in result.lines())
    assert [u.operation for u in result.rolled_back][-1] == "delete_role"
    assert len(result.rolled_back) == step + 1
    _story_is_clean(result)
    assert account_state(late.acct) == before
    assert load_journal(tmp_path / "journal.json").status == "undone"
    if step < 6:  # IAM writes: sent exactly once
        assert late.proxy.count(ACTION[steps[step]]) == 1


def test_late_answers_at_every_step_still_create_everything_once(late: Late,
                                                                tmp_path: Path) -> None:
    before = account_state(late.acct)
    for step in range(len(late.steps)):
        late.rule(step, "late")
    result = _apply(late, tmp_path)
    assert result.ok, result.lines()
    assert result.role_arn == f"arn:aws:iam::{late.acct.account_id}:role/app-reader"
    assert result.instance_profile_arn is not None
    assert len([line for line in result.lines() if line.startswith("read back: ")]) == 9
    after = account_state(late.acct)
    assert after["roles"]["app-reader"] == {"inline": ["app-reader-s3-access"],
                                            "attached": [late.acct.policy_arn],
                                            "boundary": late.acct.boundary_arn}
    assert after["profiles"] == {**before["profiles"], "app-reader": ["app-reader"]}
    assert after["associations"] == sorted((i.instance_id, result.instance_profile_arn)
                                           for i in late.attach)
    for op in ("create_role", "put_role_policy", "create_instance_profile",
               "add_role_to_instance_profile"):
        assert late.proxy.count(ACTION[op]) == 1


@pytest.mark.parametrize("mode, step, outcome", [
    ("lost", 0, "it had not happened, sent again"),
    ("lost", 6, "it had not happened, sent again"),
    ("5xx", 4, "it happened"),
    ("5xx", 5, "it happened"),
    ("empty", 6, "it happened"),
    ("empty", 2, "it happened"),
])
def test_lost_requests_5xx_and_empty_replies_are_settled_by_reading_back(
        late: Late, tmp_path: Path, mode: str, step: int, outcome: str) -> None:
    before = account_state(late.acct)
    late.rule(step, mode)
    late.rule(step + 1, "refuse")
    result = _apply(late, tmp_path)
    assert result.failed is not None and result.failed.operation == late.steps[step + 1]
    settled = [line for line in result.lines() if line.startswith("read back: ")]
    assert len(settled) == 1 and settled[0].endswith(outcome), result.lines()
    _story_is_clean(result)
    assert account_state(late.acct) == before


def test_what_a_rollback_cannot_undo_is_named_with_the_undo_command(late: Late,
                                                                   tmp_path: Path) -> None:
    before = account_state(late.acct)
    late.rule(0, "late")
    late.rule(1, "refuse")
    late.proxy.add("DeleteRole", "refuse", times=3)  # each rollback round
    result = _apply(late, tmp_path)
    lines = result.lines()
    assert "the account is as it was before" not in lines
    assert any(line.startswith("LEFT IN THE ACCOUNT: iam:create_role(RoleName=app-reader")
               for line in lines), lines
    journal = tmp_path / "journal.json"
    assert f"to remove what is left: rolemap role undo {journal}" in lines
    assert "app-reader" in account_state(late.acct)["roles"]  # what was said is true
    undone, errors = undo_journal(load_journal(journal), late.acct.connection)
    assert errors == () and "undone: iam:delete_role(RoleName=app-reader)" in undone
    assert account_state(late.acct) == before


def test_a_role_someone_else_made_is_never_deleted(late: Late, tmp_path: Path) -> None:
    """The name was free at preflight, then taken; every answer is late, so the create's
    outcome is read back: the role lacks this apply's creation tag, so it is not ours."""
    late.acct.connection.client("iam").create_role(
        RoleName="app-reader", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    before = account_state(late.acct)
    late.proxy.add("CreateRole", "late", times=4)
    result = _apply(late, tmp_path)
    assert result.failed is not None and result.failed.operation == "create_role"
    assert "account does not show it" in result.error
    assert late.proxy.count("DeleteRole") == 0
    _story_is_clean(result)
    assert account_state(late.acct) == before


def _signal_main(signum: int) -> None:
    signal.pthread_kill(threading.main_thread().ident or 0, signum)


@pytest.mark.parametrize("signum, name", [(signal.SIGTERM, "SIGTERM"),
                                          (signal.SIGHUP, "SIGHUP"),
                                          (signal.SIGINT, "Ctrl-C")])
def test_a_signal_mid_write_rolls_back(late: Late, tmp_path: Path, signum: int,
                                       name: str) -> None:
    before = account_state(late.acct)
    late.proxy.add("CreateInstanceProfile", "pass", before=lambda: _signal_main(signum))
    with SignalGuard(str(tmp_path / "journal.json"), stderr=io.StringIO()) as guard:
        result = _apply(late, tmp_path, guard)
    assert result.interrupted and result.signal_number == signum
    assert result.error == f"interrupted ({name})"
    _story_is_clean(result)
    assert account_state(late.acct) == before
    assert signal.getsignal(signum) != guard._handle  # handlers put back


def test_a_second_ctrl_c_during_rollback_is_held(late: Late, tmp_path: Path) -> None:
    before = account_state(late.acct)
    late.proxy.add("AddRoleToInstanceProfile", "pass",
                   before=lambda: _signal_main(signal.SIGINT))
    late.proxy.add("DeleteRolePolicy", "pass", before=lambda: _signal_main(signal.SIGINT))
    stderr = io.StringIO()
    with SignalGuard(str(tmp_path / "journal.json"), stderr=stderr) as guard:
        result = _apply(late, tmp_path, guard)
    assert result.interrupted
    assert "interrupt once more to abandon the rollback" in stderr.getvalue()
    _story_is_clean(result)
    assert account_state(late.acct) == before


class Killed(BaseException):
    """Stands for os._exit: nothing after it runs in the process."""


def test_a_third_ctrl_c_kills_and_says_how_to_undo(late: Late, tmp_path: Path) -> None:
    before = account_state(late.acct)
    late.proxy.add("AddRoleToInstanceProfile", "pass",
                   before=lambda: _signal_main(signal.SIGINT))
    late.proxy.add("DeleteRolePolicy", "pass", before=lambda: _signal_main(signal.SIGINT))
    late.proxy.add("DeleteInstanceProfile", "pass", before=lambda: _signal_main(signal.SIGINT))
    stderr = io.StringIO()
    codes: list[int] = []

    def kill(code: int) -> None:
        codes.append(code)
        raise Killed()

    journal = tmp_path / "journal.json"
    with pytest.raises(Killed), SignalGuard(str(journal), stderr=stderr, kill=kill) as guard:
        _apply(late, tmp_path, guard)
    assert codes == [130]
    assert f"rollback abandoned; to remove what is left: rolemap role undo {journal}" in (
        stderr.getvalue())
    assert account_state(late.acct) != before  # the rollback was cut short...
    undone, errors = undo_journal(load_journal(journal), late.acct.connection)
    assert errors == ()  # ...and the journal finishes it
    assert account_state(late.acct) == before
