"""The organisation folder: round trip, accounts opening alone, and bad input named."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from graph.errors import RolemapError, SourceError
from graph.model import Account, AccountSnapshot, Bucket, LoadWarning, Role, SourceInfo
from graph.model_common import GATE_ORGANIZATION, Unread
from graph.model_org import (
    ACCOUNT,
    RCP,
    ROOT,
    SCP,
    UNIT,
    OrgAccount,
    OrgAttachment,
    OrgPolicy,
    OrgTree,
    OrgUnit,
)
from graph.sources import SourceSpec, open_source
from graph.sources.org.folder import (
    ORG_FILE,
    is_org_folder,
    open_org_folder,
    save_org_folder,
)

MGMT, WORK, DATA = "111111111111", "222222222222", "333333333333"
ALLOW = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*",
                                                 "Resource": "*"}]}
DENY = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:Delete*",
                                                "Resource": "*"}]}


def _tree(*, complete: bool = False) -> OrgTree:
    tree = OrgTree(
        "o-abc", MGMT,
        units=(OrgUnit("r-1", "Root", ROOT), OrgUnit("ou-1-work", "workloads", UNIT, "r-1")),
        accounts=(OrgAccount(MGMT, "mgmt", parent_id="r-1"),
                  OrgAccount(WORK, "work", parent_id="ou-1-work"),
                  OrgAccount(DATA, "data", status="SUSPENDED", parent_id="r-1")),
        policies=(OrgPolicy("p-full", "FullAWSAccess", ALLOW, aws_managed=True),
                  OrgPolicy("p-deny", "NoDelete", DENY),
                  OrgPolicy("p-rcp", "Rcp", None, unread=(Unread(GATE_ORGANIZATION, "policy Rcp",
                                                                 "AccessDenied"),))),
        attachments=tuple(OrgAttachment("p-full", t, SCP) for t in ("r-1", "ou-1-work", WORK))
        + (OrgAttachment("p-deny", "ou-1-work", SCP), OrgAttachment("p-rcp", "r-1", RCP)),
        unread=(Unread(GATE_ORGANIZATION, "children of ou-x", "AccessDenied"),),
    )
    if complete:  # every policy and list read
        return replace(tree, unread=(), policies=tree.policies[:2],
                       attachments=tree.attachments[:-1])
    return tree


def _snapshot(account_id: str) -> AccountSnapshot:
    role = Role(f"arn:aws:iam::{account_id}:role/app", "app", ALLOW)
    return AccountSnapshot(Account(account_id), roles=(role,), buckets=(Bucket(f"b-{account_id}"),),
                           source=SourceInfo("profile", "x"),
                           warnings=(LoadWarning("organizations:ListParents", account_id,
                                                 "denied", "AccessDenied"),
                                     LoadWarning("s3:GetBucketPolicy", "b", "denied")))


def _save(path: Path, tree: OrgTree | None = None) -> None:
    warnings = [LoadWarning("sts:AssumeRole", DATA, "account is SUSPENDED: skipped")]
    save_org_folder(path, tree or _tree(), (_snapshot(a) for a in (WORK, MGMT)), warnings,
                    {"444444444444": "sts:AssumeRole: AccessDenied"})


def test_round_trip_keeps_tree_index_and_accounts(tmp_path: Path) -> None:
    _save(tmp_path / "org")
    folder = open_org_folder(tmp_path / "org")
    assert folder.tree == _tree()
    assert folder.loaded == (MGMT, WORK)
    assert folder.failed == {"444444444444": "sts:AssumeRole: AccessDenied"}
    assert [str(w) for w in folder.warnings] == ["sts:AssumeRole 333333333333: account is "
                                                 "SUSPENDED: skipped"]
    work = folder.load(WORK)
    assert work.account_id == WORK and [r.name for r in work.roles] == ["app"]
    # The tree's organisation is put in, and the member's own refused reads are dropped.
    assert work.organization == _tree().organization_for(WORK)
    assert [w.operation for w in work.warnings] == ["s3:GetBucketPolicy"]
    assert [t.kind for t in work.organization.path] == [ROOT, UNIT, ACCOUNT]
    assert work.scps is None  # a part of the tree was not read: the SCPs are unknown
    assert is_org_folder(tmp_path / "org") and not is_org_folder(tmp_path / "org" / WORK)


def test_accounts_get_the_scps_on_their_path(tmp_path: Path) -> None:
    _save(tmp_path / "org", _tree(complete=True))
    folder = open_org_folder(tmp_path / "org")
    work = folder.load(WORK)
    assert work.scps is not None and [[s.name for s in level] for level in work.scps] == [
        ["FullAWSAccess"], ["FullAWSAccess", "NoDelete"], ["FullAWSAccess"]]
    assert folder.load(MGMT).scps is None  # SCPs never apply to the management account


def test_account_sub_folder_opens_alone(tmp_path: Path) -> None:
    _save(tmp_path / "org")
    alone = open_source(SourceSpec(snapshot=str(tmp_path / "org" / WORK / "snapshot.json")))
    assert alone.snapshot == open_org_folder(tmp_path / "org").load(WORK)


def test_accounts_not_loaded_are_named(tmp_path: Path) -> None:
    _save(tmp_path / "org")
    folder = open_org_folder(tmp_path / "org")
    with pytest.raises(SourceError, match="444444444444 was not loaded: sts:AssumeRole"):
        folder.load("444444444444")
    with pytest.raises(SourceError, match="no account 555555555555"):
        folder.load("555555555555")


def test_saving_refuses_a_folder_of_other_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(RolemapError, match="not empty and is not an organisation folder"):
        _save(tmp_path)
    assert not (tmp_path / ORG_FILE).exists()
    _save(tmp_path / "org")
    _save(tmp_path / "org")  # an organisation folder is saved over
    (tmp_path / "stopped" / WORK).mkdir(parents=True)  # a save stopped half-way
    _save(tmp_path / "stopped")
    assert open_org_folder(tmp_path / "stopped").loaded == (MGMT, WORK)


def _edited(tmp_path: Path, edit: dict[str, object]) -> Path:
    _save(tmp_path / "org")
    path = tmp_path / "org" / ORG_FILE
    data = json.loads(path.read_text())
    for key, value in edit.items():
        if value is None:
            del data[key]
        else:
            data[key] = value
    path.write_text(json.dumps(data))
    return tmp_path / "org"


@pytest.mark.parametrize(("edit", "message"), [
    ({"format": "rolemap-snapshot"}, r"organization.json: not a rolemap organisation"),
    ({"version": 2}, r"organization.json: organisation format version 2 .*upgrade rolemap"),
    ({"version": "1"}, r"organization.json: version: expected an integer"),
    ({"organization_id": 7}, r"organization.json: organization_id: expected a string"),
    ({"accounts": None}, r"organization.json: accounts: missing"),
    ({"units": [{"unit_id": "r-1", "name": 3, "kind": "ROOT"}]},
     r"organization.json: units: \$\[0\]\.name: expected str"),
    ({"policies": {"p": 1}}, r"organization.json: policies: \$: expected a list"),
    ({"failed": {"444444444444": 5}}, r"organization.json: failed: \$\.444444444444"),
    ({"loaded": ["12"]}, r"organization.json: loaded\[0\]: expected a 12-digit account id"),
    ({"loaded": [WORK, "999999999999"]},
     r"organization.json: loaded\[1\]: account 999999999999 has no 999999999999/snapshot"),
])
def test_bad_organization_file_is_named(tmp_path: Path, edit: dict[str, object],
                                        message: str) -> None:
    folder = _edited(tmp_path, edit)
    with pytest.raises(SourceError, match=message):
        open_org_folder(folder)


def test_missing_and_broken_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file or directory"):
        open_org_folder(tmp_path / "nowhere")
    with pytest.raises(SourceError, match="organization.json: missing file"):
        open_org_folder(tmp_path)
    (tmp_path / ORG_FILE).write_text("{not json")
    with pytest.raises(SourceError, match="organization.json: not valid JSON"):
        open_org_folder(tmp_path)


def test_an_account_file_holding_another_account_is_refused(tmp_path: Path) -> None:
    _save(tmp_path / "org")
    work = tmp_path / "org" / WORK / "snapshot.json"
    work.write_text((tmp_path / "org" / MGMT / "snapshot.json").read_text())
    with pytest.raises(SourceError, match=f"{WORK}/snapshot.json: holds account {MGMT}"):
        open_org_folder(tmp_path / "org").load(WORK)
