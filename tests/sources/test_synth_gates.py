"""The synthetic accounts' gate facts: realistic proportions, every instance's subnet routed,
and the same bytes for the same seed."""

from __future__ import annotations

from pathlib import Path

from graph.model_network import TARGET_GATEWAY_ENDPOINT
from graph.sources.export_folder import load_export_folder
from graph.sources.synth import write_synthetic


def test_network_kms_and_ownership_in_realistic_proportions(tmp_path: Path) -> None:
    folder = write_synthetic(tmp_path / "s", roles=200, instances=400, buckets=400, seed=3)
    snapshot = load_export_folder(folder)
    assert snapshot.warnings == () and snapshot.unread_gates == ()
    assert snapshot.network is not None and snapshot.kms is not None
    vpcs = [(n, v) for n in snapshot.network for v in n.vpcs]
    with_endpoint = [v for n, v in vpcs if any(e.is_s3 and e.endpoint_type == "Gateway"
                                               for e in n.endpoints_in(v.vpc_id))]
    assert 0.4 < len(with_endpoint) / len(vpcs) < 0.8
    restricted = [e for n in snapshot.network for e in n.endpoints if e.policy is not None]
    assert restricted  # some endpoints allow only the organisation's or named buckets
    routed = 0
    for instance in snapshot.instances:
        network = snapshot.network_of(instance.region)
        assert network is not None and instance.subnet_id
        table = network.route_table_of(instance.subnet_id)
        assert table is not None
        routed += any(r.target_kind == TARGET_GATEWAY_ENDPOINT for r in table.routes)
    assert 0 < routed < len(snapshot.instances)
    kms = [b for b in snapshot.buckets if b.encryption is not None and b.encryption.uses_kms]
    assert 0.25 < len(kms) / len(snapshot.buckets) < 0.55
    for bucket in kms:
        region = snapshot.kms_of(bucket.region)
        assert region is not None and bucket.encryption is not None
        key = region.resolve(bucket.encryption.key_ref or "")
        assert key is not None and key.policy is not None
    enforced = [b for b in snapshot.buckets if b.object_ownership == "BucketOwnerEnforced"]
    assert 0.8 < len(enforced) / len(snapshot.buckets) < 0.97


def test_same_seed_same_gate_files(tmp_path: Path) -> None:
    a = write_synthetic(tmp_path / "a", roles=20, instances=50, buckets=30, seed=9)
    b = write_synthetic(tmp_path / "b", roles=20, instances=50, buckets=30, seed=9)
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
