"""Loading a live organisation through boto3 (moto): the tree, each member account through its
role, suspended and unreachable accounts, --accounts / --ous, and the folder it writes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws
from org_account import MEMBER_ROLE, REGION, OrgAccounts, build_org, management_connection
from sources_faults import inject_error

from graph.errors import SourceError
from graph.model import AccountSnapshot
from graph.model_org import ACCOUNT, RCP, ROOT, SCP, UNIT
from graph.org.index import build_index
from graph.sources import SourceSpec, open_source
from graph.sources.org.events import FAILED, LOADED, STARTED, AccountEvent
from graph.sources.org.folder import open_org_folder
from graph.sources.org.live import OrgLoadOptions, save_org_live, start_org_load
from tui.cli import main
from tui.org_session import OrgSession

REGIONS = (REGION,)
READ_ONLY = re.compile(r"^(Get|List|Describe)[A-Z]")


@pytest.fixture(scope="module")
def org() -> Iterator[OrgAccounts]:
    with mock_aws():
        yield build_org()


def test_tree_has_units_accounts_and_policies(org: OrgAccounts) -> None:
    tree = start_org_load(management_connection(), OrgLoadOptions(MEMBER_ROLE)).tree
    assert (tree.organization_id, tree.management_account_id) == (org.org_id, org.management)
    assert {(u.name, u.kind, u.parent_id) for u in tree.units} == {
        ("Root", ROOT, ""), ("workloads", UNIT, org.root), ("data", UNIT, org.root),
        ("archive", UNIT, org.data_ou)}
    assert {a.account_id: a.status for a in tree.accounts} == {
        org.management: "ACTIVE", org.work: "ACTIVE", org.data: "ACTIVE",
        org.closed: "SUSPENDED", org.norole: "ACTIVE"}
    assert tree.path_ids(org.norole) == (org.root, org.data_ou, org.archive, org.norole)
    assert tree.org_path(org.work) == f"{org.org_id}/{org.root}/{org.workloads}/"
    names = {p.policy_id: p.name for p in tree.policies}
    attached = {(names[a.policy_id], a.target_id, a.kind) for a in tree.attachments}
    assert ("deny-leave-org", org.workloads, SCP) in attached
    assert ("data-perimeter", org.data_ou, RCP) in attached
    assert ("FullAWSAccess", org.root, SCP) in attached
    assert all(p.document for p in tree.policies) and tree.unread == ()


def test_save_loads_active_accounts_through_the_member_role(org: OrgAccounts,
                                                            tmp_path: Path) -> None:
    conn = management_connection(org)
    called: set[tuple[str, str]] = set()
    conn.session.events.register("before-call", lambda model, **_: called.add(
        (model.service_model.service_name, model.name)))
    events: list[AccountEvent] = []
    options = OrgLoadOptions(MEMBER_ROLE, jobs=2, regions=REGIONS)
    saved = save_org_live(conn, tmp_path / "org", options, events.append)
    folder = open_org_folder(tmp_path / "org")
    assert folder == saved
    assert folder.loaded == tuple(sorted((org.management, org.work, org.data)))
    # The account whose role cannot be assumed: a warning, and `failed` (answers unknown).
    assert list(folder.failed) == [org.norole]
    assert "AccessDenied" in folder.failed[org.norole]
    assert any(w.operation == "sts:AssumeRole" and org.norole in w.target and
               w.code == "AccessDenied" for w in folder.warnings)
    # The suspended account is skipped with a warning, not failed.
    assert [w.message for w in folder.warnings if w.target == org.closed] == [
        "account closed is SUSPENDED: not loaded"]

    work, data, management = (folder.load(a) for a in (org.work, org.data, org.management))
    assert {r.name for r in work.roles} == {"app", MEMBER_ROLE} and len(work.instances) == 1
    assert work.instances[0].instance_profile_arn == \
        f"arn:aws:iam::{org.work}:instance-profile/app"
    assert [b.name for b in data.buckets] == ["data-lake"]
    assert {r.name for r in data.roles} == {"reader", MEMBER_ROLE}
    assert [b.name for b in management.buckets] == ["mgmt-audit-logs"]
    assert not work.buckets and not data.instances
    # Each account carries the tree's path and policies; the member's own refused
    # organizations reads are superseded.
    assert [t.target_id for t in work.organization.path] == [org.root, org.workloads, org.work]
    assert [t.kind for t in data.organization.path] == [ROOT, UNIT, ACCOUNT]
    assert work.scps is not None and "deny-leave-org" in {s.name for s in work.scps[1]}
    assert "data-perimeter" in {p.name for p in data.organization.path[1].rcps}
    assert management.scps is None  # SCPs do not apply to the management account
    assert not any(w.operation.startswith("organizations:") for w in work.warnings)

    assert {(e.account_id, e.state) for e in events} >= {
        (org.work, STARTED), (org.work, LOADED), (org.norole, FAILED)}
    assert events[-1].done == events[-1].total == 4
    writes = {c for c in called if not READ_ONLY.match(c[1])}
    assert writes == {("sts", "AssumeRole")}


def test_account_sub_folder_opens_alone(org: OrgAccounts, tmp_path: Path) -> None:
    save_org_live(management_connection(org), tmp_path / "org",
                  OrgLoadOptions(MEMBER_ROLE, accounts=(org.work,), regions=REGIONS))
    alone = open_source(SourceSpec(snapshot=str(tmp_path / "org" / org.work / "snapshot.json")))
    assert [i.account_id for i in alone.snapshot.instances] == [org.work]
    assert alone.snapshot.organization is not None
    assert alone.snapshot.organization.organization_id == org.org_id


@pytest.mark.parametrize(("narrow", "expected"), [
    ({"accounts": ("work", "data")}, ("work", "data")),
    ({"ous": ("data",)}, ("data", "norole")),  # an OU includes its sub-OUs
    ({"ous": ("workloads",)}, ("work",)),  # the suspended account is still skipped
    ({"ous": ("archive",), "accounts": ("management",)}, ("management", "norole")),
])
def test_accounts_and_ous_narrow_the_load(org: OrgAccounts, narrow: dict[str, Any],
                                          expected: tuple[str, ...]) -> None:
    ids = {"work": org.work, "data": org.data, "norole": org.norole,
           "management": org.management}
    options = OrgLoadOptions(MEMBER_ROLE, accounts=tuple(ids[a] for a in
                                                         narrow.get("accounts", ())),
                             ous=narrow.get("ous", ()))
    load = start_org_load(management_connection(), options)
    assert {a.account_id for a in load.accounts} == {ids[a] for a in expected}
    assert len(load.tree.accounts) == 5  # the tree stays whole


def test_an_ou_by_id_and_unknown_names(org: OrgAccounts) -> None:
    options = OrgLoadOptions(MEMBER_ROLE, ous=(org.archive,))
    assert [a.account_id for a in start_org_load(management_connection(), options).accounts
            ] == [org.norole]
    with pytest.raises(SourceError, match="--ous: nope: no OU with this id or name"):
        start_org_load(management_connection(), OrgLoadOptions(MEMBER_ROLE, ous=("nope",)))
    with pytest.raises(SourceError, match="--accounts: 999999999999: not an account of"):
        start_org_load(management_connection(),
                       OrgLoadOptions(MEMBER_ROLE, accounts=("999999999999",)))


def test_refused_policy_reads_are_unknown_and_a_missing_type_is_none(org: OrgAccounts) -> None:
    conn = management_connection()

    def filtered(kind: str) -> Callable[[Any], bool]:
        return lambda request: kind.encode() in (request.body or b"")

    inject_error(conn, "before-send.organizations.ListPolicies", status=400,
                 code="InvalidInputException", message="unknown policy type",
                 protocol="json", when=filtered("RESOURCE_CONTROL_POLICY"))
    inject_error(conn, "before-send.organizations.ListOrganizationalUnitsForParent",
                 status=403, code="AccessDeniedException", message="denied", protocol="json",
                 when=filtered(org.data_ou))
    tree = start_org_load(conn, OrgLoadOptions(MEMBER_ROLE)).tree
    load = start_org_load(conn, OrgLoadOptions(MEMBER_ROLE))
    # RCPs not offered: none applies, said once; an OU's children refused: unknown.
    assert not {p.name for p in tree.policies} & {"data-perimeter", "RCPFullAWSAccess"}
    assert [w.code for w in load.warnings if w.target == "RESOURCE_CONTROL_POLICY"] == [
        "InvalidInputException"]
    assert [u.fact for u in tree.unread] == [f"OUs under {org.data_ou}"]
    assert "archive" not in {u.name for u in tree.units}
    # Every account's path is then not fully read: its SCPs are unknown, never "none".
    assert not tree.organization_for(org.work).fully_read


def test_a_policy_list_refused_is_unknown(org: OrgAccounts) -> None:
    conn = management_connection()
    inject_error(conn, "before-send.organizations.ListPolicies", status=403,
                 code="AccessDeniedException", message="denied", protocol="json")
    load = start_org_load(conn, OrgLoadOptions(MEMBER_ROLE))
    assert {u.fact for u in load.tree.unread} == {"SCPs", "RCPs"}
    assert load.tree.policies == ()


def test_no_organisation_access_is_one_error(org: OrgAccounts) -> None:
    conn = management_connection()
    inject_error(conn, "before-send.organizations.ListAccounts", status=403,
                 code="AccessDeniedException", message="denied", protocol="json")
    with pytest.raises(SourceError, match="cannot list the organisation's accounts: "
                       "organizations:ListAccounts: denied .*delegated administrator"):
        start_org_load(conn, OrgLoadOptions(MEMBER_ROLE))


@pytest.fixture
def default_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", REGION)):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def test_cli_saves_an_organisation_folder(org: OrgAccounts, tmp_path: Path,
                                          default_credentials: None,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "org"
    code = main(["snapshot", "save", str(out), "--org", "--member-role", MEMBER_ROLE,
                 "--ous", "workloads", "--accounts", f"{org.data}", "--jobs", "2",
                 "--region", REGION])
    err = capsys.readouterr().err
    assert code == 0, err
    assert open_org_folder(out).loaded == tuple(sorted((org.work, org.data)))
    assert f"account {org.work} (work) loaded: 2 roles, 1 instances, 0 buckets" in err
    assert "2 accounts loaded, 0 failed, 1 not active" in err
    assert f"warning: organizations:ListAccounts {org.closed}: account closed is SUSPENDED" \
        in err
    first = min(org.work, org.data)  # the management account's when it is loaded
    assert f"rolemap --snapshot {out / first / 'snapshot.json'}" in err
    assert f"account {org.data} (data) loaded: 2 roles, 0 instances, 1 buckets, 0 warnings" \
        in err


@pytest.mark.parametrize(("argv", "message"), [
    (["--org"], "--org needs --member-role NAME"),
    (["--member-role", "R"], "--member-role goes with --org"),
    (["--jobs", "2", "--ous", "x"], "--ous, --jobs go with --org"),
    (["--org", "--member-role", "R", "--demo"], "--org reads a live organisation"),
    (["--org", "--member-role", "R", "--ous", "nope"], "--ous: nope: no OU"),
])
def test_cli_option_errors_are_one_line(org: OrgAccounts, tmp_path: Path, argv: list[str],
                                        message: str, default_credentials: None,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["snapshot", "save", str(tmp_path / "org"), *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_app_opens_the_loaded_organisation_on_its_management_account(
        org: OrgAccounts, default_credentials: None, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import tui.app

    opened: list[AccountSnapshot] = []

    class App:  # the explorer itself is tested elsewhere: here, what it is asked to open
        load_error = None
        return_code = 0

        def __init__(self, spec: SourceSpec, compare: str | None = None) -> None:
            self.spec = spec

        def run(self) -> None:  # the organisation folder, whose first account is shown
            folder = open_org_folder(self.spec.snapshot or "")
            assert folder.loaded == tuple(sorted((org.management, org.work)))
            opened.append(folder.load(OrgSession(folder, build_index(folder), "")
                                      .first_account()))

    monkeypatch.setattr(tui.app, "RolemapApp", App)
    assert main(["--org", "--member-role", MEMBER_ROLE, "--accounts",
                 f"{org.management},{org.work}", "--region", REGION]) == 0
    assert [s.account_id for s in opened] == [org.management]
    assert opened[0].organization is not None
    assert opened[0].organization.organization_id == org.org_id
    err = capsys.readouterr().err
    assert f"opening the management account, {org.management}" in err
    assert f"account {org.work} (work) loaded" in err
