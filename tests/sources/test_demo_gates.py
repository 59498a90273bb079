"""The demo's gates on the data path: one of each, read back through the live loader."""

from __future__ import annotations

import pytest

from graph.model import ALL_USERS_URI, AccountSnapshot
from graph.model_network import TARGET_GATEWAY_ENDPOINT, TARGET_INTERNET_GATEWAY
from graph.sources import SourceSpec, open_source
from graph.sources.demo_cast import PRIVATE_BUCKET, PUBLIC_BUCKET
from graph.sources.demo_gates import (
    ACCESS_POINT,
    KMS_BUCKET,
    KMS_ROLE,
    REGION,
    STALE_ACL_BUCKET,
    endpoint_policy,
)


@pytest.fixture(scope="module")
def demo() -> AccountSnapshot:
    snapshot = open_source(SourceSpec(demo=True)).snapshot
    assert snapshot.warnings == () and snapshot.unread_gates == ()
    return snapshot


def _instance(snapshot: AccountSnapshot, name: str):  # noqa: ANN202
    return next(i for i in snapshot.instances if i.name == name)


def test_private_subnet_without_a_path_to_s3(demo: AccountSnapshot) -> None:
    instance = _instance(demo, "worker-no-path")
    network = demo.network_of(REGION)
    assert network is not None and instance.subnet_id and instance.public_ip is None
    table = network.route_table_of(instance.subnet_id)
    assert table is not None and [r.target for r in table.routes] == ["local"]
    assert not any(e.vpc_id == instance.vpc_id and e.subnet_ids for e in network.endpoints)


def test_gateway_endpoint_with_its_route_allows_one_bucket(demo: AccountSnapshot) -> None:
    instance = _instance(demo, "worker-private")
    network = demo.network_of(REGION)
    assert network is not None and instance.subnet_id
    table = network.route_table_of(instance.subnet_id)
    assert table is not None
    route = next(r for r in table.routes if r.target_kind == TARGET_GATEWAY_ENDPOINT)
    endpoint = network.endpoint_by_id[route.target]
    assert endpoint.is_s3 and endpoint.policy == endpoint_policy()
    assert endpoint.route_table_ids == (table.route_table_id,)
    assert PRIVATE_BUCKET in str(endpoint.policy)


def test_default_vpcs_route_to_an_internet_gateway(demo: AccountSnapshot) -> None:
    web = _instance(demo, "web-1")
    network = demo.network_of(web.region)
    assert network is not None and web.subnet_id and web.public_ip
    table = network.route_table_of(web.subnet_id)
    assert table is not None and table.main
    assert [r.target_kind for r in table.routes if r.is_default] == [TARGET_INTERNET_GATEWAY]


def test_sse_kms_bucket_whose_key_policy_names_one_role(demo: AccountSnapshot) -> None:
    bucket = demo.bucket_by_name[KMS_BUCKET]
    assert bucket.encryption is not None and bucket.encryption.uses_kms
    kms = demo.kms_of(bucket.region)
    assert kms is not None and bucket.encryption.key_ref
    key = kms.resolve(bucket.encryption.key_ref)
    assert key is not None and key.key_manager == "CUSTOMER"
    users = [s for s in key.policy["Statement"] if "kms:Decrypt" in s["Action"]]
    assert [s["Principal"]["AWS"].rsplit("/", 1)[-1] for s in users] == [KMS_ROLE]
    root = [s for s in key.policy["Statement"] if s["Principal"]["AWS"].endswith(":root")]
    assert root and all(a != "kms:*" and "Decrypt" not in a for s in root for a in s["Action"])
    assert demo.bucket_by_name[PUBLIC_BUCKET].encryption.algorithm == "AES256"


def test_access_point(demo: AccountSnapshot) -> None:
    point = next(p for p in demo.access_points or () if p.name == ACCESS_POINT)
    assert point.bucket == KMS_BUCKET and point.vpc_only and point.region == REGION
    assert point.vpc_id == _instance(demo, "worker-private").vpc_id
    assert point.policy is not None and point.arn in point.policy["Statement"][0]["Resource"]


def test_ownership_enforced_bucket_with_a_stale_public_acl(demo: AccountSnapshot) -> None:
    bucket = demo.bucket_by_name[STALE_ACL_BUCKET]
    assert bucket.object_ownership == "BucketOwnerEnforced"
    assert any(g.grantee == ALL_USERS_URI for g in bucket.acl_grants)
    assert demo.organization is not None and demo.organization.status == "not-in-organization"


def test_demo_gates_decide_the_answers(demo: AccountSnapshot) -> None:
    """The key policy names one role: the admin role's S3 grant cannot decrypt; the stale
    public ACL (IgnorePublicAcls off) makes nothing public: Object Ownership disables it, as
    the bucket card and traces say."""
    from graph.access import build_access_graph
    from tui.views.describe import describe_bucket

    g = build_access_graph(demo)
    reads = {p.name: p.actions["s3:GetObject"].outcome.value
             for p in g.who_can(KMS_BUCKET, "s3:GetObject", include_denied=True)
             if p.kind == "role"}
    assert reads[KMS_ROLE] == "allowed" and reads["admin-box"] == "denied"
    bucket = demo.bucket_by_name[STALE_ACL_BUCKET]
    assert bucket.public_access_block is not None
    assert not bucket.public_access_block.ignore_public_acls
    assert not g.public_access(STALE_ACL_BUCKET)
    card = describe_bucket(demo, bucket)
    assert "## Object Ownership" in card and "ACLs are disabled" in card
    assert "AllUsers READ" in card


def test_trace_says_the_acl_is_disabled(capsys: pytest.CaptureFixture[str]) -> None:
    from tui.cli import main

    main(["trace", "legacy-reports", STALE_ACL_BUCKET, "--demo", "--action", "s3:ListBucket"])
    out = capsys.readouterr().out
    assert "Object Ownership BucketOwnerEnforced: ACLs are disabled" in out
    main(["trace", "legacy-reports", KMS_BUCKET, "--demo", "--action", "s3:GetObject",
          "--format", "json"])
    import json

    data = json.loads(capsys.readouterr().out)
    assert data["bucket_notes"] == []
    assert any(label.startswith("key policy of key") for label in data["access"]["granted_by"])
