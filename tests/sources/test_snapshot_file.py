"""Snapshot files: round trip, versions, malformed files, no credentials."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from graph.errors import SourceError
from graph.model import (
    Account,
    AccountSnapshot,
    AclGrant,
    BlockPublicAccess,
    Bucket,
    InlinePolicy,
    Instance,
    LoadWarning,
    Role,
    Scp,
    SourceInfo,
)
from graph.sources import SourceSpec, open_source
from graph.sources.snapshot_file import load_snapshot, save_snapshot

DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*",
                                               "Resource": "*"}]}


def _snapshot() -> AccountSnapshot:
    return AccountSnapshot(
        account=Account("111122223333", public_access_block=BlockPublicAccess(True, False, True),
                        unknown=frozenset({"iam", "instances:eu-west-1"})),
        roles=(Role("arn:aws:iam::111122223333:role/r", "r", DOC,
                    inline_policies=(InlinePolicy("p", "{not json"),),
                    tags={"team": "x"}, permissions_boundary_arn=None),),
        buckets=(Bucket("b", "eu-west-1", policy=None, unknown=frozenset({"policy"}),
                        acl_grants=(AclGrant("Group", "uri", "READ"),)),),
        scps=((Scp("root", DOC),), ()),
        warnings=(LoadWarning("s3:GetBucketPolicy", "b", "Access Denied", "AccessDenied"),),
        source=SourceInfo("profile", "default", ("eu-west-1",)),
        taken_at="2024-01-01T00:00:00+00:00",
    )


def test_round_trip_keeps_everything(tmp_path: Path) -> None:
    original = _snapshot()
    save_snapshot(original, tmp_path / "s.json")
    assert load_snapshot(tmp_path / "s.json") == original


def test_demo_round_trip_without_credentials(tmp_path: Path) -> None:
    loaded = open_source(SourceSpec(demo=True))
    path = tmp_path / "demo.json"
    save_snapshot(loaded.snapshot, path)
    reopened = open_source(SourceSpec(snapshot=str(path)))
    assert reopened.snapshot == loaded.snapshot and reopened.connection is None
    text = path.read_text()
    for secret in ("testing", "SecretAccessKey", "SessionToken", "aws_secret_access_key"):
        assert secret not in text


def test_instance_metadata_options_round_trip_and_older_files(tmp_path: Path) -> None:
    exposed = Instance("i-1", "eu-west-1", "running", "111122223333", public_ip="203.0.113.7",
                       metadata_http_tokens="optional", metadata_http_endpoint="enabled")
    original = dataclasses.replace(_snapshot(), instances=(exposed,))
    save_snapshot(original, tmp_path / "s.json")
    assert load_snapshot(tmp_path / "s.json") == original
    # A file written before these fields existed reads them as "not known".
    data = json.loads((tmp_path / "s.json").read_text())
    for key in ("public_ip", "metadata_http_tokens", "metadata_http_endpoint"):
        del data["instances"][0][key]
    old = load_snapshot(_write(tmp_path, data)).instances[0]
    assert (old.public_ip, old.imdsv1_allowed) == (None, None)


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data))
    return path


def _saved(tmp_path: Path) -> dict:
    save_snapshot(_snapshot(), tmp_path / "orig.json")
    return json.loads((tmp_path / "orig.json").read_text())


def test_newer_version_is_refused(tmp_path: Path) -> None:
    data = _saved(tmp_path)
    data["version"] = 3
    with pytest.raises(SourceError, match=r"s\.json: snapshot version 3 is newer"):
        load_snapshot(_write(tmp_path, data))


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.update(version="1"), r"version: expected an integer"),
    (lambda d: d.update(version=0), r"unknown snapshot version 0"),
    (lambda d: d.pop("format"), r"not a rolemap snapshot"),
    (lambda d: d["roles"][0].update(name=5), r"\$\.roles\[0\]\.name: expected str"),
    (lambda d: d["buckets"][0].pop("name"), r"\$\.buckets\[0\]: missing key 'name'"),
    (lambda d: d.update(roles={}), r"\$\.roles: expected a list"),
])
def test_malformed_snapshot_names_path(tmp_path: Path, mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    data = _saved(tmp_path)
    mutate(data)
    with pytest.raises(SourceError, match=message):
        load_snapshot(_write(tmp_path, data))


def test_not_json_and_empty_account(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text("{\"format\": ")
    with pytest.raises(SourceError, match=r"s\.json: not valid JSON"):
        load_snapshot(path)
    data = _saved(tmp_path)
    data.update(roles=[], buckets=[], instances=[])
    with pytest.raises(SourceError, match="is empty"):
        load_snapshot(_write(tmp_path, data))
