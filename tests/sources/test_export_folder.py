"""AWS CLI export folders: loading, absence vs failure, and every bad-input case."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.errors import SourceError
from graph.model import UNKNOWN_ACL, UNKNOWN_POLICY, UNKNOWN_PUBLIC_ACCESS_BLOCK
from graph.sources import SourceSpec, open_source
from graph.sources import export_folder as ef
from graph.sources.export_folder import load_export_folder
from graph.sources.snapshot_file import load_snapshot, save_snapshot
from graph.sources.synth import write_synthetic
from tui.cli import main


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_synthetic(tmp_path_factory.mktemp("synth") / "acct", roles=40, instances=120,
                           buckets=60, seed=7)


@pytest.fixture
def folder(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "acct"))


def _bucket_with(folder: Path, directory: str) -> str:
    return sorted((folder / directory).glob("*.json"))[0].stem


def test_loads_every_file(folder: Path) -> None:
    loaded = open_source(SourceSpec(snapshot=str(folder)))
    snap = loaded.snapshot
    assert loaded.connection is None and snap.source.kind == "export-folder"
    records = [i for f in (folder / ef.INSTANCES_DIR).glob("*.json")
               for r in json.loads(f.read_text())["Reservations"] for i in r["Instances"]]
    live = [i for i in records if i["State"]["Name"] != "terminated"]
    assert len(records) == 120, "the generator writes every instance asked for"
    assert (len(snap.roles), len(snap.instances), len(snap.buckets)) == (40, len(live), 60)
    assert snap.account_id == "111122223333" and snap.warnings == ()
    with_policy = {p.stem for p in (folder / "s3api-get-bucket-policy").glob("*.json")}
    assert {b.name for b in snap.buckets if b.policy is not None} == with_policy
    assert not any(b.unknown for b in snap.buckets)
    # Every instance profile an instance names exists among the roles' profiles, but for the
    # generator's few profiles whose role was deleted.
    profiles = set(snap.profile_by_arn)
    named = {i.instance_profile_arn for i in snap.instances} - {None}
    assert all("/deleted-" in arn for arn in named - profiles) and named & profiles


@pytest.mark.parametrize("directory, kind, operation", [
    ("s3api-get-bucket-policy", UNKNOWN_POLICY, "s3:GetBucketPolicy"),
    ("s3api-get-public-access-block", UNKNOWN_PUBLIC_ACCESS_BLOCK, "s3:GetPublicAccessBlock"),
    ("s3api-get-bucket-acl", UNKNOWN_ACL, "s3:GetBucketAcl"),
])
def test_missing_per_bucket_file_is_unknown_with_a_warning(
        folder: Path, directory: str, kind: str, operation: str) -> None:
    """No file is no evidence of "none": the CLI's NoSuch... error file is (see below)."""
    name = _bucket_with(folder, directory)
    (folder / directory / f"{name}.json").unlink()
    snap = load_export_folder(folder)
    bucket = snap.bucket_by_name[name]
    assert kind in bucket.unknown
    assert [(w.operation, w.target, w.code) for w in snap.warnings] == [
        (operation, name, "MissingFile")]
    assert f"{directory}/{name}.json: no file" in snap.warnings[0].message


@pytest.mark.parametrize("directory, code, operation", [
    ("s3api-get-bucket-policy", "NoSuchBucketPolicy", "GetBucketPolicy"),
    ("s3api-get-public-access-block", "NoSuchPublicAccessBlockConfiguration",
     "GetPublicAccessBlock"),
])
def test_the_clis_not_configured_error_means_none(folder: Path, directory: str, code: str,
                                                  operation: str) -> None:
    name = _bucket_with(folder, directory)
    (folder / directory / f"{name}.json").unlink()
    (folder / directory / f"{name}.error").write_text(
        f"\nAn error occurred ({code}) when calling the {operation} operation: not there\n")
    snap = load_export_folder(folder)
    bucket = snap.bucket_by_name[name]
    assert not bucket.unknown and snap.warnings == ()
    if directory.endswith("policy"):
        assert bucket.policy is None
    else:
        assert bucket.public_access_block is None


def test_missing_account_block_public_access_file_is_unknown(folder: Path) -> None:
    for path in (folder / ef.ACCOUNT_PAB, (folder / ef.ACCOUNT_PAB).with_suffix(".error")):
        path.unlink(missing_ok=True)
    snap = load_export_folder(folder)
    assert UNKNOWN_PUBLIC_ACCESS_BLOCK in snap.account.unknown
    assert [(w.operation, w.code) for w in snap.warnings] == [
        ("s3control:GetPublicAccessBlock", "MissingFile")]


def test_error_file_means_unknown_with_warning(folder: Path) -> None:
    name = _bucket_with(folder, "s3api-get-bucket-policy")
    (folder / "s3api-get-bucket-policy" / f"{name}.json").unlink()
    (folder / "s3api-get-bucket-policy" / f"{name}.error").write_text(
        "\nAn error occurred (AccessDenied) when calling the GetBucketPolicy operation: "
        "Access Denied\n")
    (folder / ef.IAM).unlink()
    (folder / "iam-get-account-authorization-details.error").write_text(
        "An error occurred (AccessDenied) when calling the GetAccountAuthorizationDetails "
        "operation: not authorized")
    snap = load_export_folder(folder)
    assert UNKNOWN_POLICY in snap.bucket_by_name[name].unknown
    assert snap.roles == () and "iam" in snap.account.unknown
    assert {(w.operation, w.target, w.code) for w in snap.warnings} == {
        ("s3:GetBucketPolicy", name, "AccessDenied"),
        ("iam:GetAccountAuthorizationDetails", "", "AccessDenied")}


@pytest.mark.parametrize("relative", [ef.IDENTITY, ef.IAM, ef.BUCKETS])
def test_missing_required_file_is_named(folder: Path, relative: str) -> None:
    (folder / relative).unlink()
    with pytest.raises(SourceError, match=f"{relative}: missing file"):
        load_export_folder(folder)


def test_missing_instances_directory(folder: Path) -> None:
    shutil.rmtree(folder / ef.INSTANCES_DIR)
    with pytest.raises(SourceError, match="ec2-describe-instances: missing directory"):
        load_export_folder(folder)


def test_malformed_json_names_file_line_and_column(folder: Path) -> None:
    target = folder / ef.INSTANCES_DIR / "eu-west-1.json"
    target.write_text('{"Reservations": [\n  {"Instances": [}\n]}')
    with pytest.raises(SourceError, match=r"eu-west-1\.json: not valid JSON \(.* line 2 column"):
        load_export_folder(folder)


def test_wrong_file_is_named(folder: Path) -> None:
    shutil.copy(folder / ef.BUCKETS, folder / ef.IAM)
    with pytest.raises(SourceError, match=r"iam-get-account-authorization-details\.json: "
                                          r"expected get-account-authorization-details output"):
        load_export_folder(folder)


def test_bucket_policy_not_json_names_file(folder: Path) -> None:
    name = _bucket_with(folder, "s3api-get-bucket-policy")
    path = folder / "s3api-get-bucket-policy" / f"{name}.json"
    path.write_text(json.dumps({"Policy": "{\"Version\": \"2012-10-17\", \"Statement\": ["}))
    with pytest.raises(SourceError, match=rf"{name}\.json: Policy: policy document is not valid"):
        load_export_folder(folder)


def test_empty_account_is_an_error(tmp_path: Path) -> None:
    write_synthetic(tmp_path, roles=0, instances=0, buckets=0)
    with pytest.raises(SourceError, match="account 111122223333 is empty"):
        load_export_folder(tmp_path)


def test_cli_reports_one_line_and_exit_2(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / ef.BUCKETS).write_text("[1, 2")
    out = folder.parent / "out.json"
    assert main(["snapshot", "save", str(out), "--snapshot", str(folder)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rolemap: error: ") and "s3api-list-buckets.json" in err
    assert "\n" not in err and "Traceback" not in err and not out.exists()


def test_synth_is_deterministic(tmp_path: Path) -> None:
    a = write_synthetic(tmp_path / "a", roles=20, instances=50, buckets=10, seed=3)
    b = write_synthetic(tmp_path / "b", roles=20, instances=50, buckets=10, seed=3)
    files = sorted(p.relative_to(a) for p in a.rglob("*.json"))
    assert files == sorted(p.relative_to(b) for p in b.rglob("*.json"))
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)


def test_progress_reaches_the_end(folder: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    open_source(SourceSpec(snapshot=str(folder)), progress=lambda *a: seen.append(a))
    last = {step: (done, total) for step, done, total in seen}
    assert last["instances"] == (3, 3) and last["buckets"] == (240, 240)
    assert all(done <= total for _, done, total in seen)


@pytest.mark.parametrize("directory, expected", [
    ("s3api-get-bucket-acl", "get-bucket-acl output"),
    ("s3api-get-bucket-policy", "get-bucket-policy output"),
    ("s3api-get-public-access-block", "get-public-access-block output"),
])
def test_wrong_per_bucket_file_is_named(folder: Path, directory: str, expected: str) -> None:
    name = _bucket_with(folder, directory)
    (folder / directory / f"{name}.json").write_text('{"LocationConstraint": "eu-west-1"}')
    with pytest.raises(SourceError, match=rf"{directory}/{name}\.json: expected {expected}"):
        load_export_folder(folder)


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(roles=st.integers(0, 12), instances=st.integers(0, 30), buckets=st.integers(1, 12),
       seed=st.integers(0, 10_000))
def test_folder_to_snapshot_file_round_trip(tmp_path: Path, roles: int, instances: int,
                                            buckets: int, seed: int) -> None:
    folder = write_synthetic(tmp_path / f"a-{roles}-{instances}-{buckets}-{seed}", roles=roles,
                             instances=instances, buckets=buckets, seed=seed)
    snap = load_export_folder(folder)
    assert (len(snap.buckets), len(snap.roles)) == (buckets, roles)
    save_snapshot(snap, folder / "snap.json")
    assert load_snapshot(folder / "snap.json") == snap
