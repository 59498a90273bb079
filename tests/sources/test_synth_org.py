"""`snapshot synth --org N`: a seeded organisation folder with the traits of real ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from graph.model import AccountSnapshot
from graph.model_org import RCP, SCP
from graph.sources import SourceSpec, open_source
from graph.sources.org.folder import OrgFolder, open_org_folder
from graph.sources.org.synth import MEDIUM_SHARE, account_size, write_synthetic_org
from graph.sources.org.synth_plan import DATA, WORKLOAD, plan_org
from tui.cli import main

N = 6  # management, two workloads, data, shared services, security


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> OrgFolder:
    out = tmp_path_factory.mktemp("synth") / "org"
    assert main(["snapshot", "synth", str(out), "--org", str(N), "--size", "small",
                 "--seed", "3"]) == 0
    return open_org_folder(out)


def _by_alias(folder: OrgFolder) -> dict[str, AccountSnapshot]:
    snapshots = [folder.load(a) for a in folder.loaded]
    return {s.account.alias or "": s for s in snapshots}


def _statements(doc: Any) -> list[dict[str, Any]]:
    statements = doc["Statement"]
    return statements if isinstance(statements, list) else [statements]


def test_same_seed_same_bytes_other_seed_other(org: OrgFolder, tmp_path: Path) -> None:
    write_synthetic_org(tmp_path / "again", N, size="small", seed=3)
    assert _files(tmp_path / "again") == _files(org.path)
    write_synthetic_org(tmp_path / "other", N, size="small", seed=4)
    assert _files(tmp_path / "other") != _files(org.path)


def test_tree_kinds_and_policies(org: OrgFolder) -> None:
    tree = org.tree
    assert len(org.loaded) == N and org.failed == {} and not tree.unread
    names = {u.unit_id: u.name for u in tree.units}
    parent = {a.name: names[a.parent_id] for a in tree.accounts}
    assert parent == {"mgmt": "Root", "wl1": "prod", "wl2": "nonprod", "data1": "data",
                      "shared": "shared", "sec": "security"}
    assert tree.management_account_id == next(a.account_id for a in tree.accounts
                                              if a.name == "mgmt")
    assert "workloads" in {names.get(u.parent_id) for u in tree.units}  # nested OUs
    policy = {p.policy_id: p.name for p in tree.policies}
    targets = [u.unit_id for u in tree.units] + [a.account_id for a in tree.accounts]
    for name, kind in (("FullAWSAccess", SCP), ("RCPFullAWSAccess", RCP)):
        attached = {a.target_id for a in tree.attachments
                    if policy[a.policy_id] == name and a.kind == kind}
        assert attached == set(targets), f"{name} on every target, as AWS does"
    guardrails: dict[str, int] = {}
    for a in tree.attachments:
        if a.kind == SCP and policy[a.policy_id] != "FullAWSAccess":
            guardrails[policy[a.policy_id]] = guardrails.get(policy[a.policy_id], 0) + 1
    shared = sorted(guardrails.values(), reverse=True)
    assert shared[0] >= 3 and shared[-1] == 1, "Zipf-shared: some on many targets, some on one"
    rcp_targets = {(policy[a.policy_id], names.get(a.target_id)) for a in tree.attachments
                   if a.kind == RCP and policy[a.policy_id] != "RCPFullAWSAccess"}
    assert rcp_targets == {("data-perimeter", "data"), ("require-tls", "Root")}


def test_accounts_carry_their_path_and_kind(org: OrgFolder) -> None:
    accounts = _by_alias(org)
    assert accounts["mgmt"].scps is None  # SCPs do not apply to the management account
    data = accounts["data1"]
    assert data.scps is not None and data.organization is not None
    assert "data-perimeter" in {p.name for t in data.organization.path for p in t.rcps}
    assert accounts["wl1"].instances and not accounts["sec"].instances
    assert len(accounts["data1"].buckets) > len(accounts["wl1"].buckets)
    # Bucket names are the account's own (globally unique across the organisation).
    names = [b.name for s in accounts.values() for b in s.buckets]
    assert len(names) == len(set(names))


def test_cross_account_roles_and_org_bucket_policies(org: OrgFolder) -> None:
    accounts = _by_alias(org)
    org_id = org.tree.organization_id
    members = {a.account_id for a in org.tree.accounts}
    wl, data, shared = accounts["wl1"], accounts["data1"], accounts["shared"]
    roles = {r.arn: r for snapshot in accounts.values() for r in snapshot.roles}
    # The data account's reader trusts workload instance roles of the organisation, and each
    # of them is allowed to assume it (trust and permission on the hop).
    reader = data.role_by_name["data-reader"]
    principals = _statements(reader.trust_policy)[0]["Principal"]["AWS"]
    principals = principals if isinstance(principals, list) else [principals]
    assert principals
    for arn in principals:
        assert arn.split(":")[4] in members and ":role/org-app-" in arn
        assumes = [s["Resource"] for p in roles[arn].inline_policies
                   for s in _statements(p.document) if s["Action"] == "sts:AssumeRole"]
        assert any(reader.arn in r for r in assumes)
    # Those roles run on instances: a share of a workload account's instances use them.
    app = wl.role_by_name["org-app-0"]
    profile = next(p for p in wl.instance_profiles if app.arn in p.role_arns)
    assert any(i.instance_profile_arn == profile.arn for i in wl.instances)
    lake = [b for b in data.buckets if "-lake-" in b.name]
    conditions = json.dumps([b.policy for b in lake])
    assert f'"aws:PrincipalOrgID": "{org_id}"' in conditions
    assert '"aws:PrincipalOrgPaths"' in conditions and f"{org_id}/r-" in conditions
    deployer = shared.role_by_name["org-deployer"]
    assert _statements(deployer.trust_policy)[0]["Condition"] == {
        "StringEquals": {"aws:PrincipalOrgID": org_id}}
    # Outliers: a role and a bucket naming accounts outside the organisation.
    vendor = _statements(shared.role_by_name["vendor-access"].trust_policy)[0]
    assert vendor["Principal"]["AWS"].split(":")[4] not in members
    outside = [b for b in shared.buckets if b.policy and any(
        s.get("Sid") == "Partner" for s in _statements(b.policy))]
    assert len(outside) == 1
    # Audit roles everywhere, trusted by the security account's auditor.
    auditor = accounts["sec"].role_by_name["security-auditor"].arn
    for alias, snapshot in accounts.items():
        if alias != "sec":
            assert auditor in json.dumps(snapshot.role_by_name["security-audit"].trust_policy)


def test_an_account_opens_alone(org: OrgFolder) -> None:
    account = org.loaded[0]
    alone = open_source(SourceSpec(snapshot=str(org.snapshot_path(account)))).snapshot
    assert alone == org.load(account)


@pytest.mark.parametrize(("argv", "message"), [
    (["--org", "3", "--size", "large"], "--org: --size small, medium, mixed"),
    (["--size", "mixed"], "--size mixed: an organisation's accounts"),
    (["--org", "3", "--roles", "5"], "--roles: with --org each account's size"),
    (["--org", "0"], "at least one account"),
])
def test_bad_org_synth_options(argv: list[str], message: str, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["snapshot", "synth", str(tmp_path / "o"), *argv]) == 2
    assert message in capsys.readouterr().err


def test_a_mixed_organisation_draws_some_medium_members() -> None:
    """`--size mixed`: the management, security and shared-services accounts small, about
    MEDIUM_SHARE of the workload and data accounts medium, the same ones for the same seed."""
    plan = plan_org(200, 0)
    sizes = {a.account_id: account_size(plan, a, "mixed") for a in plan.accounts}
    members = [a for a in plan.accounts if a.kind in (WORKLOAD, DATA)]
    medium = [a for a in members if sizes[a.account_id] == "medium"]
    assert {sizes[a.account_id] for a in plan.accounts if a not in members} == {"small"}
    assert 0.5 * MEDIUM_SHARE < len(medium) / len(members) < 2 * MEDIUM_SHARE
    assert {a.kind for a in medium} == {WORKLOAD, DATA}
    again = plan_org(200, 0)
    assert [account_size(again, a, "mixed") for a in again.accounts] == list(sizes.values())
    assert {account_size(plan, a, "small") for a in plan.accounts} == {"small"}
