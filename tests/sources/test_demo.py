"""The demo account, read by the live loader: the cast a newcomer should find in it."""

from __future__ import annotations

from graph.model import AccountSnapshot
from graph.sources import LoadedSource, SourceSpec, open_source
from graph.sources.demo_cast import (
    ARTIFACTS_BUCKET,
    LOGS_BUCKET,
    PARTNER_ACCOUNT,
    PRIVATE_BUCKET,
    PUBLIC_BUCKET,
    SHARED_BUCKET,
)


def _statements(doc: dict) -> list[dict]:
    statements = doc["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _open() -> LoadedSource:
    steps: list[str] = []
    # Built, not read from the cache: the loader's steps are what this checks.
    loaded = open_source(SourceSpec(demo=True, fresh=True),
                         progress=lambda s, d, t: steps.append(s))
    assert {"demo", "identity", "iam", "instances", "buckets"} <= set(steps)
    assert loaded.connection is not None and loaded.snapshot.source.kind == "demo"
    return loaded


def test_demo_cast() -> None:
    snap: AccountSnapshot = _open().snapshot
    assert snap.warnings == ()

    public, private = snap.bucket_by_name[PUBLIC_BUCKET], snap.bucket_by_name[PRIVATE_BUCKET]
    assert any(s["Principal"] == "*" and s["Effect"] == "Allow" for s in _statements(public.policy))
    assert public.public_access_block is None
    assert private.public_access_block is not None
    assert private.public_access_block.block_public_policy
    deny = [s for s in _statements(private.policy) if s["Effect"] == "Deny"]
    assert deny[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    shared = snap.bucket_by_name[SHARED_BUCKET]
    assert PARTNER_ACCOUNT in str(shared.policy)
    # No policy is "none", not "unknown".
    for name in (LOGS_BUCKET, ARTIFACTS_BUCKET):
        assert snap.bucket_by_name[name].policy is None
        assert not snap.bucket_by_name[name].unknown
    assert {b.region for b in snap.buckets} == {"us-east-1", "eu-west-1"}

    roles = snap.role_by_name
    analytics_trust = _statements(roles["analytics"].trust_policy)[0]["Principal"]["Service"]
    assert len(analytics_trust) == 3 and "ec2.amazonaws.com" in analytics_trust
    etl = roles["batch-etl"]
    assert etl.permissions_boundary_arn is not None
    boundary = snap.policy_by_arn[etl.permissions_boundary_arn]
    assert boundary.name == "AcmeS3Boundary"
    legacy = roles["legacy-reporting"]
    legacy_docs = [snap.policy_by_arn[a].document for a in legacy.attached_policy_arns]
    assert {"Effect": "Allow", "Action": "s3:*", "Resource": "*"} in _statements(legacy_docs[0])
    ci_actions = [s["Action"] for p in roles["ci-runner"].inline_policies
                  for s in _statements(p.document)]
    assert "sts:AssumeRole" in ci_actions
    deployer_trust = _statements(roles["website-deployer"].trust_policy)[0]["Principal"]["AWS"]
    assert deployer_trust == roles["ci-runner"].arn

    instances = {i.name: i for i in snap.instances}
    assert {i.region for i in snap.instances} == {"us-east-1", "eu-west-1"}
    assert instances["bastion"].instance_profile_arn is None
    assert instances["analytics-1"].state == "stopped"
    web_profile = snap.profile_by_arn[instances["web-1"].instance_profile_arn]
    assert web_profile.role_arns == (roles["web-server"].arn,)
    assert instances["web-2"].instance_profile_arn == instances["web-1"].instance_profile_arn
    # The metadata options a finding reads: only legacy-reports still answers IMDSv1.
    assert {n for n, i in instances.items() if i.imdsv1_allowed} == {"legacy-reports"}
    assert instances["legacy-reports"].public_ip


def test_demo_ids_are_deterministic_and_reload_keeps_changes() -> None:
    first = _open()
    second = _open()  # reopening resets and re-seeds
    assert sorted(i.instance_id for i in first.snapshot.instances) == sorted(
        i.instance_id for i in second.snapshot.instances)
    assert [r.role_id for r in first.snapshot.roles] == [r.role_id for r in second.snapshot.roles]

    assert second.connection is not None
    second.connection.client("iam").create_role(
        RoleName="made-by-wizard",
        AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}')
    reloaded = second.reload()
    assert "made-by-wizard" in reloaded.snapshot.role_by_name
    assert reloaded.connection is second.connection
