"""The gates' facts through files: a snapshot saves and loads them; an older snapshot or
export folder loads with one warning naming the gates not checked (unread, not absent); the
collect script's folder layout reads back like the live account."""

from __future__ import annotations

import json
from pathlib import Path

from graph.model import AccountSnapshot
from graph.model_common import ALL_GATES
from graph.sources import SourceSpec, open_source
from graph.sources.export_folder import load_export_folder
from graph.sources.export_folder_gates import (
    ACCESS_POINT_DIR,
    ACCESS_POINT_POLICY_DIR,
    ACCESS_POINTS_DIR,
    ENCRYPTION_DIR,
    KMS_DIR,
    NETWORK_DIRS,
    ORG_DIR,
    OWNERSHIP_DIR,
)
from graph.sources.snapshot_file import load_snapshot, save_snapshot, snapshot_to_json
from graph.sources.synth import write_synthetic


def _demo() -> AccountSnapshot:
    return open_source(SourceSpec(demo=True)).snapshot


def test_snapshot_round_trip_keeps_every_gate_fact(tmp_path: Path) -> None:
    demo = _demo()
    save_snapshot(demo, tmp_path / "s.json")
    loaded = load_snapshot(tmp_path / "s.json")
    assert loaded.network == demo.network and loaded.kms == demo.kms
    assert loaded.access_points == demo.access_points
    assert loaded.organization == demo.organization
    assert loaded.buckets == demo.buckets and loaded.warnings == ()
    assert loaded.network_of("eu-west-1").route_table_of(  # type: ignore[union-attr]
        next(i.subnet_id for i in loaded.instances if i.name == "worker-private") or ""
    ) is not None


def test_older_snapshot_loads_with_one_warning_and_unread_gates(tmp_path: Path) -> None:
    data = snapshot_to_json(_demo())
    data["version"] = 1
    for key in ("network", "kms", "access_points", "organization", "unread_gates"):
        data.pop(key)
    for bucket in data["buckets"]:
        bucket.pop("encryption")
        bucket.pop("object_ownership")
    (tmp_path / "old.json").write_text(json.dumps(data))
    old = load_snapshot(tmp_path / "old.json")
    assert len(old.warnings) == 1
    message = old.warnings[0].message
    assert all(gate in message for gate in ALL_GATES), message
    assert [u.gate for u in old.unread_gates] == list(ALL_GATES)
    assert old.network is None and old.kms is None and old.access_points is None
    assert old.organization is None
    assert all(b.encryption is None and b.object_ownership is None for b in old.buckets)


def test_older_export_folder_loads_with_one_warning(tmp_path: Path) -> None:
    folder = write_synthetic(tmp_path / "f", roles=5, instances=10, buckets=4, seed=1)
    for name in (*NETWORK_DIRS.values(), KMS_DIR, ENCRYPTION_DIR, OWNERSHIP_DIR,
                 ACCESS_POINTS_DIR, ACCESS_POINT_DIR, ACCESS_POINT_POLICY_DIR, ORG_DIR):
        for path in sorted((folder / name).rglob("*"), reverse=True) \
                if (folder / name).exists() else ():
            path.rmdir() if path.is_dir() else path.unlink()
        if (folder / name).exists():
            (folder / name).rmdir()
    snapshot = load_export_folder(folder)
    gate_warnings = [w for w in snapshot.warnings if w.operation == "gate facts"]
    assert len(gate_warnings) == 1 and all(g in gate_warnings[0].message for g in ALL_GATES)
    assert snapshot.network is None and [u.gate for u in snapshot.unread_gates] == \
        list(ALL_GATES)


def test_missing_route_tables_file_is_unread_with_a_warning(tmp_path: Path) -> None:
    folder = write_synthetic(tmp_path / "f", roles=5, instances=10, buckets=4, seed=1)
    region_file = sorted((folder / NETWORK_DIRS["route_tables"]).iterdir())[0]
    region_file.unlink()
    region = region_file.stem
    snapshot = load_export_folder(folder)
    network = snapshot.network_of(region)
    assert network is not None and network.route_tables == ()
    assert [u.fact for u in network.unread] == [f"route tables in {region}"]
    assert any(w.operation == "ec2:DescribeRouteTables" and "network path not checked"
               in w.message for w in snapshot.warnings)
