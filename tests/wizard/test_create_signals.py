"""`rolemap role create` as a process, stopped by signals while it writes (#21 item 11).

A real `rolemap` process talks to moto's server through the fault proxy, which sends the
signal while a write is in flight: SIGTERM rolls back and exits 143 saying only what is true;
three Ctrl-Cs end the rollback, exit 130, and name the `role undo` that then finishes it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest

from tui.cli import main

from .late_server import LateProxy, late_proxy, moto_server  # noqa: F401

REGION = "eu-west-1"


def _state(endpoint: str) -> dict[str, Any]:
    iam = boto3.client("iam", endpoint_url=endpoint, region_name=REGION,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    return {"roles": sorted(r["RoleName"] for r in iam.list_roles()["Roles"]),
            "profiles": sorted(p["InstanceProfileName"]
                               for p in iam.list_instance_profiles()["InstanceProfiles"])}


def _env(proxy: LateProxy) -> dict[str, str]:
    return {**os.environ, "AWS_ENDPOINT_URL": proxy.url, "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}


def _create(proxy: LateProxy, journal: Path, signals: dict[str, int],
            lost: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    boto3.client("iam", endpoint_url=proxy.upstream, region_name=REGION,
                 aws_access_key_id="testing", aws_secret_access_key="testing").create_role(
        RoleName="old", AssumeRolePolicyDocument="{}")  # an account is not empty
    process: list[subprocess.Popen[str]] = []
    for action, signum in signals.items():
        proxy.add(action, "lost" if action in lost else "pass",
                  before=lambda signum=signum: process[0].send_signal(signum))
    process.append(subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "--region", REGION, "role", "create", "--name", "app",
         "--trust", "ec2.amazonaws.com", "--yes", "--journal", str(journal)],
        env=_env(proxy), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    out, err = process[0].communicate(timeout=180)
    return subprocess.CompletedProcess(process[0].args, process[0].returncode, out, err)


def test_sigterm_mid_create_rolls_back_and_exits_143(late_proxy: LateProxy,  # noqa: F811
                                                     tmp_path: Path) -> None:
    done = _create(late_proxy, tmp_path / "j.json",
                   {"AddRoleToInstanceProfile": signal.SIGTERM})
    assert done.returncode == 143, done
    lines = done.stdout.splitlines()
    assert ("FAILED: iam:add_role_to_instance_profile(InstanceProfileName=app, RoleName=app): "
            "interrupted (SIGTERM)") in lines
    assert lines[-1] == "the account is as it was before"
    assert _state(late_proxy.upstream) == {"roles": ["old"], "profiles": []}


def test_a_third_ctrl_c_ends_the_rollback_and_names_role_undo(
        late_proxy: LateProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    journal = tmp_path / "j.json"
    done = _create(late_proxy, journal, {"AddRoleToInstanceProfile": signal.SIGINT,
                                         "DeleteInstanceProfile": signal.SIGINT,
                                         "DeleteRole": signal.SIGINT}, lost=("DeleteRole",))
    assert done.returncode == 130, done
    assert "interrupt once more to abandon the rollback" in done.stderr
    assert (f"rolemap: rollback abandoned; to remove what is left: rolemap role undo "
            f"{journal}") in done.stderr
    assert _state(late_proxy.upstream) == {"roles": ["app", "old"], "profiles": []}
    for key, value in _env(late_proxy).items():
        monkeypatch.setenv(key, value)
    assert main(["--region", REGION, "role", "undo", str(journal)]) == 0
    assert "undone: iam:delete_role(RoleName=app)" in capsys.readouterr().out
    assert _state(late_proxy.upstream) == {"roles": ["old"], "profiles": []}
