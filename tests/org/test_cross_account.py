"""Answers across an organisation's accounts (issue 27, item 3): the issue's three-account
scenario (tests/org/scenario.py) analysed account by account."""

from __future__ import annotations

import pickle
from dataclasses import replace

import pytest

from graph.access import build_access_graph
from graph.model import BlockPublicAccess, Bucket, InlinePolicy, Role
from graph.model_kms import KmsKey, RegionKms
from graph.model_org import RCP, SCP, OrgAttachment, OrgPolicy
from graph.model_s3 import BucketEncryption
from graph.org.analysis import analyse_account
from graph.org.index import build_index
from graph.org.queries import (
    AmbiguousName,
    resolve_bucket,
    resolve_instance,
    resolve_role,
    who_can_org,
)
from graph.policy import Outcome
from graph.sources.org.attach import with_tree_organization

from .scenario import (
    DATA,
    LOST,
    MGMT,
    ORG,
    OUTSIDE,
    READER,
    WEB_ROLE,
    WORK,
    MemoryOrg,
    scenario,
)


@pytest.fixture(scope="module")
def org():  # type: ignore[no-untyped-def]
    source = scenario()
    return source, build_index(source)


def _reach(org, account=WORK):  # type: ignore[no-untyped-def]
    source, index = org
    g = analyse_account(source, index, account)
    return {(b.bucket, b.via): {k: a.outcome for k, a in b.actions.items()}
            for b in g.reachable_from_instance("i-0web", include_denied=True)}, g


def test_instance_reaches_data_bucket_through_a_role_in_another_account(org) -> None:
    reach, g = _reach(org)
    lake = reach[("data-lake", (WEB_ROLE, READER))]
    assert lake["s3:GetObject"] is Outcome.ALLOWED
    # The SCP on the workload OU binds workload principals, not the data account's role.
    assert lake["s3:DeleteObject"] is Outcome.ALLOWED
    x = g.explain("i-0web", "data-lake", "s3:GetObject")
    assert [h.relation for h in x.hops] == ["runs as", "runs as", "can assume", "can access"]
    hop = x.hops[2]
    assert hop.target_id == f"role:{READER}" and hop.evidence  # trust and permission
    assert x.access is not None and x.access.outcome is Outcome.ALLOWED


def test_org_conditioned_bucket_admits_org_principals_and_scp_denies_delete(org) -> None:
    reach, g = _reach(org)
    direct = reach[("org-shared", (WEB_ROLE,))]
    assert direct["s3:GetObject"] is Outcome.ALLOWED  # aws:PrincipalOrgID derived
    assert direct["s3:ListBucket"] is Outcome.DENIED  # cross-account: the bucket must grant
    x = g.explain("i-0web", "org-shared", "s3:DeleteObject")
    # Only through data-reader: web-role's own DeleteObject is the SCP's to deny.
    assert direct["s3:DeleteObject"] is Outcome.DENIED
    assert x.access is not None and x.access.outcome is Outcome.ALLOWED
    assert x.hops[2].target_id == f"role:{READER}"
    denied = g.role_bucket(WEB_ROLE, "org-shared")["s3:DeleteObject"]
    assert "NoDelete" in " ".join(denied.reasons)


def test_failed_account_answers_are_unknown_never_denied(org) -> None:
    reach, g = _reach(org)
    lost = reach[("org-shared", (WEB_ROLE, f"arn:aws:iam::{LOST}:role/lost-role"))]
    assert set(lost.values()) == {Outcome.UNKNOWN}
    a = g.role_bucket(f"arn:aws:iam::{LOST}:role/lost-role", "org-shared")["s3:GetObject"]
    assert "could not be loaded" in a.reasons[0] and "AccessDenied" in a.reasons[0]


def test_who_can_lists_every_account_and_keeps_outsiders_out(org) -> None:
    source, index = org
    lake = {(r.account, r.principal.kind, r.principal.id) for r in
            who_can_org(source, index, "data-lake")}
    assert (WORK, "instance", "i-0web") in lake and (DATA, "role", READER) in lake
    partner = {r.principal.id: r for r in who_can_org(source, index, "partner-drop")}
    assert OUTSIDE not in partner  # the data OU's RCP denies outside the organisation
    assert partner[WORK].membership == "inside"
    logs = {r.principal.id: r for r in who_can_org(source, index, "mgmt-logs")}
    # RCPs do not apply to the management account's buckets.
    assert logs[OUTSIDE].membership == "outside"
    assert logs[OUTSIDE].principal.actions["s3:GetObject"].outcome is Outcome.ALLOWED
    assert logs["i-0web"].account == WORK


def test_names_resolve_across_accounts_or_say_which(org) -> None:
    _, index = org
    assert resolve_instance(index, "web") == (WORK, "i-0web")
    assert resolve_instance(index, f"{WORK}/web") == (WORK, "i-0web")
    assert resolve_bucket(index, "arn:aws:s3:::mgmt-logs") == (MGMT, "mgmt-logs")
    assert resolve_role(index, "data-reader") == (DATA, READER)
    assert resolve_role(index, f"{WORK}/web-role") == (WORK, WEB_ROLE)
    with pytest.raises(AmbiguousName, match="none in account"):
        resolve_instance(index, f"{DATA}/web")
    with pytest.raises(AmbiguousName, match=f"{LOST} could not be loaded: it may be there"):
        resolve_bucket(index, "lost-bucket")


def test_index_is_small_and_picklable_and_accounts_load_one_at_a_time(org) -> None:
    source, index = org
    assert pickle.loads(pickle.dumps(index)).buckets.keys() == index.buckets.keys()
    source.reads.clear()
    analyse_account(source, index, DATA)
    # The data account reaches nothing elsewhere: no other account is read.
    assert source.reads == [DATA]


def test_rcp_on_the_target_account_limits_the_hop_by_the_callers_org_path() -> None:
    """An RCP on the data OU lets only principals under that OU assume its roles: the
    workload's hop is denied, which needs aws:PrincipalOrgPaths derived for the caller."""
    source = scenario()
    only_data = OrgPolicy("p-datapath", "DataPathOnly", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole", "Resource": "*",
         "Condition": {"StringNotLike": {"aws:PrincipalOrgPaths": f"{ORG}/r-root/ou-data/*"}}}]})
    tree = replace(source.tree, policies=(*source.tree.policies, only_data),
                   attachments=(*source.tree.attachments,
                                OrgAttachment("p-datapath", "ou-data", RCP)))
    source = MemoryOrg(tree, {a: with_tree_organization(s, tree)
                              for a, s in source.snapshots.items()}, source.failed)
    index = build_index(source)
    g = analyse_account(source, index, WORK)
    vias = {b.via for b in g.reachable_from_instance("i-0web")}
    assert (WEB_ROLE, READER) not in vias and (WEB_ROLE,) in vias


def test_who_can_says_unknown_for_an_admitted_account_that_failed(org) -> None:
    source, index = org
    rows = {r.principal.id: r for r in who_can_org(source, index, "org-shared")}
    lost = rows[LOST]
    assert lost.membership == "inside" and lost.account == DATA
    assert {a.outcome for a in lost.principal.actions.values()} == {Outcome.UNKNOWN}
    assert "could not be loaded" in lost.principal.actions["s3:GetObject"].reasons[0]
    # The partner bucket names no account that failed: no such row.
    assert LOST not in {r.principal.id for r in who_can_org(source, index, "partner-drop")}


@pytest.mark.parametrize("account", [MGMT, WORK, DATA])
def test_an_accounts_own_answers_are_its_single_account_answers(org, account: str) -> None:
    source, index = org
    snapshot = source.snapshots[account]
    alone = build_access_graph(snapshot)
    within = analyse_account(source, index, account)
    for role in snapshot.roles:
        for bucket in snapshot.buckets:
            assert dict(within.role_bucket(role.arn, bucket.name)) == dict(
                alone.role_bucket(role.arn, bucket.name))
    for bucket in snapshot.buckets:
        assert dict(within.public_access(bucket.name)) == dict(alone.public_access(bucket.name))


def _with_key(policy_statements: list[dict[str, object]]) -> MemoryOrg:
    """The scenario with org-shared encrypted (SSE-KMS) by a key of the data account."""
    source = scenario()
    key_arn = f"arn:aws:kms:us-east-1:{DATA}:key/k-1"
    key = KmsKey("k-1", key_arn, "us-east-1", "CUSTOMER",
                 policy={"Version": "2012-10-17", "Statement": policy_statements})
    data = source.snapshots[DATA]
    buckets = tuple(replace(b, encryption=BucketEncryption("aws:kms", key_arn))
                    if b.name == "org-shared" else b for b in data.buckets)
    snaps = {**source.snapshots, DATA: replace(data, buckets=buckets,
                                               kms=(RegionKms("us-east-1", (key,)),))}
    return MemoryOrg(source.tree, snaps, source.failed)


OWN_ACCOUNT_ONLY = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DATA}:root"},
                    "Action": "kms:*", "Resource": "*"}


@pytest.mark.parametrize("org_may_decrypt", [False, True])
def test_a_foreign_sse_kms_bucket_is_decided_by_its_accounts_key(org_may_decrypt: bool) -> None:
    statements = [OWN_ACCOUNT_ONLY]
    if org_may_decrypt:
        statements.append({"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt",
                           "Resource": "*",
                           "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}}})
    source = _with_key(statements)
    # Across accounts the caller's own policy must allow the key too.
    work = source.snapshots[WORK]
    web = work.roles[0]
    web = replace(web, inline_policies=(*web.inline_policies, InlinePolicy("kms", {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt",
                                                "Resource": "*"}]})))
    source.snapshots = {**source.snapshots, WORK: replace(work, roles=(web,))}
    g = analyse_account(source, build_index(source), WORK)
    got = g.role_bucket(WEB_ROLE, "org-shared")["s3:GetObject"]
    if org_may_decrypt:
        assert got.outcome is Outcome.ALLOWED
    else:
        assert got.outcome is Outcome.DENIED
        assert "key k-1" in got.reasons[0]


@pytest.mark.parametrize("restrict", [False, True])
def test_restrict_public_buckets_binds_another_accounts_roles(restrict: bool) -> None:
    """A bucket policy open to anyone: with RestrictPublicBuckets on, only the owner
    account's principals (and AWS services) may use it; the org-conditioned grant is not
    public and stays."""
    source = scenario()
    data = source.snapshots[DATA]
    anyone = Bucket("partner-drop", policy={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::partner-drop/*"}]},
        public_access_block=BlockPublicAccess(restrict_public_buckets=restrict))
    shared = replace(next(b for b in data.buckets if b.name == "org-shared"),
                     public_access_block=BlockPublicAccess(restrict_public_buckets=restrict))
    buckets = tuple(anyone if b.name == "partner-drop" else shared if b.name == "org-shared"
                    else b for b in data.buckets)
    source.snapshots = {**source.snapshots, DATA: replace(data, buckets=buckets)}
    g = analyse_account(source, build_index(source), WORK)
    got = g.role_bucket(WEB_ROLE, "partner-drop")["s3:GetObject"]
    assert got.outcome is (Outcome.DENIED if restrict else Outcome.ALLOWED)
    assert g.role_bucket(WEB_ROLE, "org-shared")["s3:GetObject"].outcome is Outcome.ALLOWED


def test_scps_spare_the_management_accounts_principals() -> None:
    """NoDelete attached at the root binds every member's principals, never the management
    account's: its auditor deletes in org-shared, the workload's web-role may not."""
    source = scenario()
    tree = replace(source.tree, attachments=(*source.tree.attachments,
                                             OrgAttachment("p-nodelete", "r-root", SCP)))
    auditor = Role(f"arn:aws:iam::{MGMT}:role/auditor", "auditor", {}, inline_policies=(
        InlinePolicy("p", {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:DeleteObject",
             "Resource": "arn:aws:s3:::org-shared/*"}]}),))
    snaps = dict(source.snapshots)
    snaps[MGMT] = replace(snaps[MGMT], roles=(auditor,))
    source = MemoryOrg(tree, {a: with_tree_organization(s, tree) for a, s in snaps.items()},
                       source.failed)
    index = build_index(source)
    mgmt = analyse_account(source, index, MGMT)
    assert mgmt.role_bucket(auditor.arn, "org-shared")["s3:DeleteObject"].outcome \
        is Outcome.ALLOWED
    work = analyse_account(source, index, WORK)
    assert work.role_bucket(WEB_ROLE, "org-shared")["s3:DeleteObject"].outcome \
        is Outcome.DENIED


def test_resource_org_paths_is_the_buckets_accounts_path() -> None:
    """web-role may read only buckets under the data OU (aws:ResourceOrgPaths): org-shared
    (data) yes, mgmt-logs (management account, under the root) no."""
    source = scenario()
    work = source.snapshots[WORK]
    web = replace(work.roles[0], inline_policies=(InlinePolicy("p", {
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
             "Condition": {"StringLike": {"aws:ResourceOrgPaths": f"{ORG}/r-root/ou-data/*"}}}
        ]}),))
    source.snapshots = {**source.snapshots, WORK: replace(work, roles=(web,))}
    g = analyse_account(source, build_index(source), WORK)
    assert g.role_bucket(WEB_ROLE, "org-shared")["s3:GetObject"].outcome is Outcome.ALLOWED
    assert g.role_bucket(WEB_ROLE, "mgmt-logs").get("s3:GetObject") is None or \
        g.role_bucket(WEB_ROLE, "mgmt-logs")["s3:GetObject"].outcome is Outcome.DENIED
