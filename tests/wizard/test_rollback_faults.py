"""The wizard never leaves resources behind (issue #13 item 4).

Faults at every step, against moto: Ctrl-C before a call is sent and after AWS did it (the
reply lost), a success reply missing its result, and a process killed outright (no rollback
runs; the journal written before each call lets `rolemap role undo` clean up afterwards).
Each must leave the account as it was.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import graph.wizard.apply as apply_module
from graph.errors import RolemapError
from graph.wizard import RolePlan, api_calls, apply_plan
from graph.wizard.apply import preflight, undo_journal
from graph.wizard.journal import Journal, load_journal
from tui.cli import main

from .conftest import MotoAccount
from .test_apply import PLANNED_STEPS, account_state, make_plan


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs in the process."""


def _hook(acct: MotoAccount, operation: str, when: str, raise_: type[BaseException]) -> None:
    """Raise `raise_` before the call is sent, or after AWS answered it (reply lost)."""
    region = acct.bare.region if operation.startswith(("associate", "replace")) else None
    client = acct.connection.write_client("ec2" if region else "iam", region)
    api_name = client.meta.method_to_api_mapping[operation]
    prefix = client.meta.service_model.endpoint_prefix

    fired: list[bool] = []

    def handler(**_: Any) -> None:
        if not fired:  # one Ctrl-C (a rollback that replaces the association again is fine)
            fired.append(True)
            raise raise_()

    client.meta.events.register(f"{when}.{prefix}.{api_name}", handler)


@pytest.mark.parametrize("when", ["before-call", "after-call"])
@pytest.mark.parametrize("step", PLANNED_STEPS)
def test_ctrl_c_at_any_step_rolls_back(moto_account: MotoAccount, step: str, when: str,
                                       tmp_path: Path) -> None:
    acct = moto_account
    plan = make_plan(acct)
    before = account_state(acct)
    _hook(acct, step, when, KeyboardInterrupt)
    journal = Journal(tmp_path / "j.json", plan.name, acct.account_id)
    result = apply_plan(plan, acct.connection, [acct.bare, acct.profiled], journal=journal)
    assert result.interrupted and not result.ok
    assert result.error == "interrupted (Ctrl-C)"
    assert result.rollback_errors == (), result.lines()
    assert account_state(acct) == before
    assert load_journal(journal.path).status == "undone"


def test_a_reply_missing_its_result_is_read_back_not_trusted(moto_account: MotoAccount) -> None:
    """A 200 without the created profile is no success: the account is asked, and the profile
    (tagged by this apply) is found, so it is neither created twice nor lost."""
    acct = moto_account
    plan = make_plan(acct)
    iam = acct.connection.write_client("iam")
    dropped: list[bool] = []

    def drop_result(parsed: dict[str, Any], **_: Any) -> None:
        dropped.append(True)
        parsed.pop("InstanceProfile", None)  # a "success" without the created profile

    iam.meta.events.register("after-call.iam.CreateInstanceProfile", drop_result)
    result = apply_plan(plan, acct.connection, [acct.bare], sleep=lambda _: None)
    assert result.ok, result.lines()
    assert dropped == [True]  # sent once, not retried
    assert result.instance_profile_arn == (
        f"arn:aws:iam::{acct.account_id}:instance-profile/app-reader")
    assert any(line.startswith("read back: iam:create_instance_profile") and
               "no InstanceProfile in it" in line and line.endswith("it happened")
               for line in result.lines()), result.lines()
    assert account_state(acct)["profiles"]["app-reader"] == ["app-reader"]


@pytest.mark.parametrize("when", ["before-call", "after-call"])
@pytest.mark.parametrize("step", PLANNED_STEPS)
def test_a_killed_create_is_undone_from_its_journal(moto_account: MotoAccount, step: str,
                                                    when: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    acct = moto_account
    plan = make_plan(acct)
    before = account_state(acct)
    _hook(acct, step, when, Killed)
    def killed(*args: Any) -> None:
        raise args[3]  # no rollback, no read-back: the process is gone

    monkeypatch.setattr(apply_module, "_fail", killed)
    path = tmp_path / "journal.json"
    with pytest.raises(Killed):
        apply_plan(plan, acct.connection, [acct.bare, acct.profiled],
                   journal=Journal(path, plan.name, acct.account_id))
    journal = load_journal(path)
    assert path.stat().st_mode & 0o777 == 0o600
    done = [e["call"]["operation"] for e in journal.entries]
    assert done == [c.operation for c in api_calls(plan, [acct.bare, acct.profiled])][
        : PLANNED_STEPS.index(step) + 1] or step == "replace_iam_instance_profile_association"
    assert journal.entries[-1]["state"] == "sent"  # the call in flight when it died
    if when == "after-call" or PLANNED_STEPS.index(step) > 0:
        assert account_state(acct) != before
    # A new process, the same account: `rolemap role undo JOURNAL`.
    assert main(["role", "undo", str(path)]) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    assert "NOT UNDONE" not in out
    assert account_state(acct) == before
    assert load_journal(path).status == "undone"
    assert main(["role", "undo", str(path)]) == 0  # twice is harmless
    assert "nothing left to undo" in capsys.readouterr().out


def test_undo_refuses_a_journal_of_another_account(moto_account: MotoAccount, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "j.json"
    Journal(path, "x", "999999999999", token="t").save()
    assert main(["role", "undo", str(path)]) == 2
    assert "account 999999999999" in capsys.readouterr().err
    path.write_text('{"format": "something else"}')
    assert main(["role", "undo", str(path)]) == 2
    assert "not a rolemap role journal" in capsys.readouterr().err


def test_a_taken_instance_profile_name_is_refused_before_anything_is_written(
        moto_account: MotoAccount) -> None:
    acct = moto_account
    plan = RolePlan(name="reports", trusted_services=("ec2.amazonaws.com",))
    # A profile without a role: invisible in get-account-authorization-details.
    acct.connection.client("iam").create_instance_profile(InstanceProfileName="reports")
    before = account_state(acct)
    with pytest.raises(RolemapError, match="instance profile named 'reports' already exists"):
        preflight(plan, acct.connection)
    assert account_state(acct) == before
    preflight(RolePlan(name="free", trusted_services=("ec2.amazonaws.com",)), acct.connection)


def test_undo_journal_reports_what_it_cannot_undo(moto_account: MotoAccount,
                                                  tmp_path: Path) -> None:
    acct = moto_account
    plan = RolePlan(name="web", trusted_services=("ec2.amazonaws.com",))
    result = apply_plan(plan, acct.connection, journal=Journal(tmp_path / "j.json", "web",
                                                                      acct.account_id))
    assert result.ok
    journal = load_journal(tmp_path / "j.json")
    assert journal.status == "created"
    iam = acct.connection.client("iam")
    iam.put_role_policy(RoleName="web", PolicyName="added-later", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket",
                                                 "Resource": "*"}]}))
    lines, errors = undo_journal(journal, acct.connection)
    assert any("delete_role" in e and "DeleteConflict" in e for e in errors)
    assert load_journal(tmp_path / "j.json").status == "undo incomplete"
