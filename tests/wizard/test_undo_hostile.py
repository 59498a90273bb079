"""`rolemap role undo JOURNAL` undoes only what rolemap did (#21 item 12).

A journal is a file anyone with write access to it can craft. Each hostile variant below must
be refused with one line naming the entry, exit 2, and no AWS write at all (structural ones
before any call; the account and the creation tag need reads only).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.client
import pytest

from graph.wizard import RolePlan, apply_plan
from graph.wizard.journal import FORMAT, Journal, load_journal
from tui.cli import main

from .conftest import TRUST_EC2, MotoAccount
from .test_apply import account_state

ACCOUNT = "123456789012"
TOKEN = "0123456789abcdef"
READS = ("Get", "List", "Describe")


def _call(service: str, operation: str, region: str | None = None, **params: Any
          ) -> dict[str, Any]:
    return {"service": service, "operation": operation, "params": params, "region": region}


def _entry(call: dict[str, Any], undo: dict[str, Any], state: str = "done") -> dict[str, Any]:
    return {"state": state, "call": call, "undo": undo}


CREATE = _entry(_call("iam", "create_role", RoleName="web", AssumeRolePolicyDocument="{}"),
                _call("iam", "delete_role", RoleName="web"))
PROFILE = _entry(_call("iam", "create_instance_profile", InstanceProfileName="web"),
                 _call("iam", "delete_instance_profile", InstanceProfileName="web"))


def _write(path: Path, entries: list[dict[str, Any]], role: str = "web",
           account: str = ACCOUNT, token: str = TOKEN) -> Path:
    path.write_text(json.dumps({"format": FORMAT, "role": role, "account": account,
                                "status": "undo incomplete", "token": token,
                                "entries": entries}))
    return path


@pytest.fixture
def calls(moto_account: MotoAccount, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every AWS operation made from here on, by name (moto answers in-process)."""
    made: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        made.append(operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    yield made


def _refused(capsys: pytest.CaptureFixture[str], path: Path) -> str:
    assert main(["role", "undo", str(path)]) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert out == "" and len(lines) == 1 and str(path) in lines[0], err
    return lines[0]


HOSTILE = {
    "create-user": ([_entry(_call("iam", "create_user", UserName="backdoor"),
                            _call("iam", "create_user", UserName="backdoor"))],
                    "entry 1 (iam:create_user, undo iam:create_user): not one of the wizard's "
                    "writes"),
    "bucket-policy": ([CREATE, _entry(
        _call("iam", "put_role_policy", RoleName="web", PolicyName="p", PolicyDocument="{}"),
        _call("s3", "put_bucket_policy", Bucket="data", Policy='{"Principal": "*"}'))],
        "entry 2 (iam:put_role_policy, undo s3:put_bucket_policy): the undo of "
        "put_role_policy is delete_role_policy"),
    "other-role-undo": ([_entry(CREATE["call"], _call("iam", "delete_role",
                                                      RoleName="old-role"))],
                        "its undo's parameters are not those of iam:delete_role(RoleName=web)"),
    "other-role-call": ([_entry(_call("iam", "create_role", RoleName="old-role"),
                                _call("iam", "delete_role", RoleName="old-role"))],
                        "names 'old-role', not the journal's role 'web'"),
    "not-created": ([_entry(_call("iam", "attach_role_policy", RoleName="web",
                                  PolicyArn="arn:aws:iam::aws:policy/X"),
                            _call("iam", "detach_role_policy", RoleName="web",
                                  PolicyArn="arn:aws:iam::aws:policy/X"))],
                    "entry 1 (iam:attach_role_policy, undo iam:detach_role_policy): acts on a "
                    "role the journal does not say it created"),
    "wrong-service": ([_entry(_call("s3", "create_role", RoleName="web"),
                              _call("s3", "delete_role", RoleName="web"))],
                      "create_role is not an operation of s3"),
    "restore-foreign-profile": ([CREATE, PROFILE, _entry(
        _call("ec2", "replace_iam_instance_profile_association", "eu-west-1",
              AssociationId="iip-assoc-1", IamInstanceProfile={"Name": "web"}),
        _call("ec2", "restore_instance_profile", "eu-west-1", InstanceId="i-0123456789abcdef0",
              ProfileName="web",
              PreviousArn="arn:aws:iam::999999999999:instance-profile/admin"))],
        "entry 3 (ec2:replace_iam_instance_profile_association, undo "
        "ec2:restore_instance_profile): previous profile "),
    "associate-puts-back-a-profile": ([CREATE, PROFILE, _entry(
        _call("ec2", "associate_iam_instance_profile", "eu-west-1",
              InstanceId="i-0123456789abcdef0", IamInstanceProfile={"Name": "web"}),
        _call("ec2", "restore_instance_profile", "eu-west-1", InstanceId="i-0123456789abcdef0",
              ProfileName="web", PreviousArn=f"arn:aws:iam::{ACCOUNT}:instance-profile/admin"))],
        "an association's undo puts back no profile"),
    "hidden-in-an-undone-entry": ([CREATE, _entry(
        _call("iam", "create_user", UserName="backdoor"),
        _call("iam", "create_user", UserName="backdoor"), state="undone")],
        "entry 2 (iam:create_user, undo iam:create_user): not one of the wizard's writes"),
}


@pytest.mark.parametrize("variant", HOSTILE)
def test_a_hostile_journal_is_refused_before_any_call(
        moto_account: MotoAccount, calls: list[str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str], variant: str) -> None:
    entries, reason = HOSTILE[variant]
    before = account_state(moto_account)
    calls.clear()
    line = _refused(capsys, _write(tmp_path / "j.json", entries))
    assert reason in line and line.endswith("nothing was undone")
    assert calls == []  # not even the caller's identity
    assert account_state(moto_account) == before
    assert "backdoor" not in json.dumps(moto_account.connection.client("iam").list_users())


def test_a_journal_of_another_account_makes_no_write(
        moto_account: MotoAccount, calls: list[str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    calls.clear()
    line = _refused(capsys, _write(tmp_path / "j.json", [CREATE], account="999999999999"))
    assert "recorded in account 999999999999, but these credentials are for account " \
           f"{ACCOUNT}" in line
    assert calls == ["GetCallerIdentity"]


@pytest.mark.parametrize("tags", [[], [{"Key": "rolemap:creation", "Value": "another"}]])
def test_a_role_without_the_journals_creation_tag_is_not_touched(
        moto_account: MotoAccount, calls: list[str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str], tags: list[dict[str, str]]) -> None:
    iam = moto_account.connection.client("iam")
    iam.create_role(RoleName="web", AssumeRolePolicyDocument=json.dumps(TRUST_EC2), Tags=tags)
    before = account_state(moto_account)
    calls.clear()
    line = _refused(capsys, _write(tmp_path / "j.json", [CREATE]))
    assert "the role 'web' does not carry rolemap's creation tag (rolemap:creation=" \
           f"{TOKEN}): it was not made by this create; nothing was undone" in line
    assert calls and all(c.startswith(READS) for c in calls), calls
    assert account_state(moto_account) == before


def test_a_journal_without_a_creation_token_is_refused(
        moto_account: MotoAccount, calls: list[str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    calls.clear()
    line = _refused(capsys, _write(tmp_path / "j.json", [CREATE], token=""))
    assert "no creation token recorded" in line and calls == []


def test_the_journal_of_a_real_create_is_accepted_and_undone(
        moto_account: MotoAccount, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    acct = moto_account
    before = account_state(acct)
    path = tmp_path / "j.json"
    plan = RolePlan(name="web", trusted_services=("ec2.amazonaws.com",))
    result = apply_plan(plan, acct.connection, [acct.bare, acct.profiled],
                        journal=Journal(path, "web", acct.account_id))
    assert result.ok
    assert main(["role", "undo", str(path)]) == 0, capsys.readouterr()
    assert "undone: iam:delete_role(RoleName=web)" in capsys.readouterr().out
    assert account_state(acct) == before
    assert load_journal(path).status == "undone"
