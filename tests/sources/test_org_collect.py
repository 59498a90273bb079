"""`collect-script --org`: a valid, read-only script; its organisation files read back as the
live calls are; its folder becomes an organisation folder (`snapshot save --org --snapshot`)."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from org_account import MEMBER_ROLE, REGION, OrgAccounts, build_org, management_connection

from graph.errors import SourceError
from graph.sources import SourceSpec, open_source
from graph.sources.org.export import ORG_EXPORT_DIR, open_org_export
from graph.sources.org.folder import open_org_folder
from graph.sources.org.live import OrgLoadOptions, start_org_load
from tui.cli import main

AWS_CALL = re.compile(r"\baws (\S+) ([a-z-]+)")


def _script(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["collect-script", "--org", *args]) == 0
    return capsys.readouterr().out


def test_org_script_is_valid_bash_and_read_only(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    script = _script(capsys, "--member-role", "audit/ReadOnly", "--accounts",
                     "111111111111,222222222222")
    (tmp_path / "c.sh").write_text(script)
    subprocess.run(["bash", "-n", str(tmp_path / "c.sh")], check=True)
    calls = set(AWS_CALL.findall(script))
    writes = {c for c in calls if not re.match(r"(get|list|describe|batch-get)-", c[1])}
    assert writes == {("sts", "assume-role"), ("configure", "get")}  # configure: local file
    assert {("organizations", op) for op in (
        "describe-organization", "list-roots", "list-organizational-units-for-parent",
        "list-accounts", "list-accounts-for-parent", "list-policies", "describe-policy",
        "list-targets-for-policy")} <= calls
    assert 'MEMBER_ROLE="${MEMBER_ROLE:-audit/ReadOnly}"' in script
    assert "WANTED='111111111111 222222222222'" in script
    # The single-account script, whole, run once per account.
    assert "aws iam get-account-authorization-details" in script


@pytest.mark.parametrize(("args", "message"), [
    (["--org", "--member-role", "x$(rm -rf /)"], "--member-role 'x$(rm -rf /)': not an IAM"),
    (["--org", "--accounts", "12,abc"], "--accounts: 12, abc: not a 12-digit account id"),
    (["--accounts", "111111111111"], "--member-role and --accounts go with --org"),
])
def test_bad_script_options_are_one_line(args: list[str], message: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["collect-script", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def _dump(path: Path, response: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({k: v for k, v in response.items() if k != "ResponseMetadata"},
                               default=str))


def _org_files(folder: Path) -> None:
    """What the script's organisation part writes, from boto3's answers (the CLI prints the
    same JSON, all pages joined)."""
    org = boto3.Session(region_name=REGION, aws_access_key_id="testing",
                        aws_secret_access_key="testing").client("organizations")
    _dump(folder / "describe-organization.json", org.describe_organization())
    _dump(folder / "list-accounts.json", org.list_accounts())
    roots = org.list_roots()
    _dump(folder / "list-roots.json", roots)
    parents = [r["Id"] for r in roots["Roots"]]
    while parents:
        parent = parents.pop()
        _dump(folder / "list-accounts-for-parent" / f"{parent}.json",
              org.list_accounts_for_parent(ParentId=parent))
        units = org.list_organizational_units_for_parent(ParentId=parent)
        _dump(folder / "list-organizational-units-for-parent" / f"{parent}.json", units)
        parents += [u["Id"] for u in units["OrganizationalUnits"]]
    for kind in ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"):
        policies = org.list_policies(Filter=kind)
        _dump(folder / "list-policies" / f"{kind}.json", policies)
        for p in policies["Policies"]:
            _dump(folder / "describe-policy" / f"{p['Id']}.json",
                  org.describe_policy(PolicyId=p["Id"]))
            _dump(folder / "list-targets-for-policy" / f"{p['Id']}.json",
                  org.list_targets_for_policy(PolicyId=p["Id"]))


@pytest.fixture(scope="module")
def org_export(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OrgAccounts, Path]]:
    with mock_aws():
        accounts = build_org()
        export = tmp_path_factory.mktemp("export")
        _org_files(export / ORG_EXPORT_DIR)
        yield accounts, export


def test_organisation_files_read_as_the_live_calls(
        org_export: tuple[OrgAccounts, Path]) -> None:
    org, export = org_export
    live = start_org_load(management_connection(), OrgLoadOptions(MEMBER_ROLE))
    files = open_org_export(export)
    assert files.tree == live.tree
    assert files.accounts == live.accounts and files.warnings == live.warnings


def test_refused_and_missing_files_are_unknown(org_export: tuple[OrgAccounts, Path],
                                               tmp_path: Path) -> None:
    org, export = org_export
    copy = tmp_path / "export"
    shutil.copytree(export, copy)
    base = copy / ORG_EXPORT_DIR
    (base / "list-organizational-units-for-parent" / f"{org.data_ou}.json").unlink()
    (base / "list-organizational-units-for-parent" / f"{org.data_ou}.error").write_text(
        "\nAn error occurred (AccessDeniedException) when calling the "
        "ListOrganizationalUnitsForParent operation: denied\n")
    (base / "list-accounts-for-parent" / f"{org.archive}.json").unlink()
    tree = open_org_export(copy).tree
    assert [u.fact for u in tree.unread] == [f"OUs under {org.data_ou}"]
    assert {w.code for w in open_org_export(copy).warnings if w.target == org.data_ou} == {
        "AccessDeniedException"}
    (base / "list-accounts.json").write_text('{"Accounts": [{"Name": "x"}]}')
    with pytest.raises(SourceError, match=r"list-accounts.json: Accounts\[0\].Id: expected"):
        open_org_export(copy)
    with pytest.raises(SourceError, match="not an organisation export"):
        open_org_export(tmp_path)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("aws") is None, reason="needs the AWS CLI")
def test_script_folder_becomes_an_organisation_folder(org_export: tuple[OrgAccounts, Path],
                                                      tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    """The AWS CLI runs the script against moto's server, which serves the same in-process
    backends as the fixture's organisation."""
    from moto.server import ThreadedMotoServer

    org = org_export[0]
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ENDPOINT_URL=f"http://{host}:{port}", AWS_ACCESS_KEY_ID="testing",
                   AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION)
        for name, value in env.items():
            if name.startswith("AWS_"):
                monkeypatch.setenv(name, value)
        script = tmp_path / "collect-org.sh"
        script.write_text(_script(capsys, "--regions", REGION, "--accounts",
                                  f"{org.work},{org.closed}"))
        export = tmp_path / "export"
        subprocess.run(["bash", str(script), str(export)], env=env, check=True,
                       capture_output=True, timeout=600)
        (export / f"{org.data}.error").write_text(  # what a refused assume-role leaves
            "\nAn error occurred (AccessDenied) when calling the AssumeRole operation: "
            "not authorized\n")
        assert main(["snapshot", "save", str(tmp_path / "org"), "--org", "--snapshot",
                     str(export)]) == 0
        err = capsys.readouterr().err
        live_work = start_org_load(management_connection(), OrgLoadOptions(
            MEMBER_ROLE, accounts=(org.work,), regions=(REGION,)))
        live = next(live_work.snapshots())
    finally:
        server.stop()
    folder = open_org_folder(tmp_path / "org")
    assert folder.loaded == (org.work,)
    assert folder.failed == {org.data: "sts:AssumeRole: An error occurred (AccessDenied) when "
                             "calling the AssumeRole operation: not authorized [AccessDenied]"}
    assert not (export / org.closed).exists()  # SUSPENDED: not collected
    assert f"{org.management} (management)" not in err  # not collected: a warning only
    assert any(w.target == org.management and "not collected" in w.message
               for w in folder.warnings)
    work = folder.load(org.work)
    assert work.roles == live.roles and work.instances == live.instances
    assert work.organization == live.organization and work.scps == live.scps
    # Each account's export folder still opens alone.
    alone = open_source(SourceSpec(snapshot=str(export / org.work))).snapshot
    assert alone.roles == work.roles
