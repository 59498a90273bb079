"""Existing compute through the offline sources: snapshot files (older ones load with compute
"not read"), export folders (the collect script's compute/ files, a refusal, an older folder)
and the synthetic generator."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from graph.access import build_access_graph
from graph.errors import SourceError
from graph.findings import escalations
from graph.model_compute import LAMBDA_FUNCTION, ComputeFacts, ComputeResource
from graph.sources import export_folder_compute as efc
from graph.sources.export_folder import load_export_folder
from graph.sources.snapshot_file import load_snapshot, save_snapshot, snapshot_to_json
from graph.sources.synth import write_synthetic

REGION = "us-east-1"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_synthetic(tmp_path_factory.mktemp("synth") / "acct", roles=20, instances=40,
                           buckets=10, seed=3)


@pytest.fixture
def folder(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "acct"))


def _regions(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / efc.COMPUTE_DIR).iterdir())


def test_synthetic_folders_read_compute_as_empty(folder: Path) -> None:
    snapshot = load_export_folder(folder)
    assert snapshot.compute == ComputeFacts() and snapshot.warnings == ()
    assert _regions(folder)


def test_an_older_folder_reads_compute_as_not_read(folder: Path) -> None:
    shutil.rmtree(folder / efc.COMPUTE_DIR)
    snapshot = load_export_folder(folder)
    assert snapshot.compute is None
    [warning] = snapshot.warnings
    assert warning.operation == "compute" and "escalation through them unknown" in \
        warning.message and "older collect script" in warning.message


def test_a_refused_listing_in_the_folder_is_unknown_there(folder: Path) -> None:
    region = _regions(folder)[0]
    listing = folder / efc.COMPUTE_DIR / region / efc.FILES[LAMBDA_FUNCTION][0]
    listing.unlink()
    listing.with_suffix(".error").write_text(
        "An error occurred (AccessDeniedException) when calling the ListFunctions operation: "
        "not authorized\n")
    snapshot = load_export_folder(folder)
    [warning] = snapshot.warnings
    assert (warning.operation, warning.target, warning.code) == (
        "lambda:ListFunctions", region, "AccessDeniedException")
    assert f"escalation through lambda functions in {region} unknown" in warning.message
    assert snapshot.compute is not None
    assert snapshot.compute.unread_kind(LAMBDA_FUNCTION, region) is not None
    # A missing file is a read that did not happen: unknown as well, never "none".
    listing.with_suffix(".error").unlink()
    [warning] = load_export_folder(folder).warnings
    assert warning.code == "MissingFile"


def test_a_function_the_cli_listed_is_read_from_the_folder(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The listing is what moto's ListFunctions answers, written as the CLI writes it."""
    region = _regions(folder)[0]
    snapshot = load_export_folder(folder)
    target = snapshot.roles[0]
    monkeypatch.setenv("MOTO_ACCOUNT_ID", snapshot.account_id)
    with mock_aws():
        iam = boto3.client("iam", region_name=region)
        arn = iam.create_role(RoleName=target.name, Path=target.path,
                              AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        assert arn == target.arn
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr("index.py", "def handler(e, c):\n    return 1\n")
        client = boto3.client("lambda", region_name=region)
        client.create_function(FunctionName="nightly", Runtime="python3.11", Role=arn,
                               Handler="index.handler", Code={"ZipFile": out.getvalue()})
        listing = client.list_functions()
        listing.pop("ResponseMetadata")
    path = folder / efc.COMPUTE_DIR / region / efc.FILES[LAMBDA_FUNCTION][0]
    path.write_text(json.dumps(listing, default=str))
    [fn] = load_export_folder(folder).compute.resources  # type: ignore[union-attr]
    assert (fn.kind, fn.name, fn.role_arn, fn.region) == (LAMBDA_FUNCTION, "nightly",
                                                          target.arn, region)
    # A role that is no IAM role ARN is named with its file.
    listing["Functions"][0]["Role"] = "not-an-arn"
    path.write_text(json.dumps(listing, default=str))
    with pytest.raises(SourceError, match=r"lambda-list-functions\.json.*Functions\[0\]\.Role"):
        load_export_folder(folder)


def test_snapshots_keep_compute_and_older_ones_load_it_not_read(folder: Path,
                                                               tmp_path: Path) -> None:
    plain = load_export_folder(folder)
    role = plain.roles[0]
    fn = ComputeResource(LAMBDA_FUNCTION, "nightly",
                         f"arn:aws:lambda:{REGION}:{plain.account_id}:function:nightly", REGION,
                         role.arn, "Active", {"team": "data"}, tags_read=True)
    snapshot = dataclasses.replace(plain, compute=ComputeFacts((fn,)))
    save_snapshot(snapshot, tmp_path / "new.json")
    loaded = load_snapshot(tmp_path / "new.json")
    assert loaded.compute == snapshot.compute and loaded.warnings == ()
    older = snapshot_to_json(snapshot)
    del older["compute"]
    (tmp_path / "old.json").write_text(json.dumps(older))
    loaded = load_snapshot(tmp_path / "old.json")
    assert loaded.compute is None
    [warning] = loaded.warnings
    assert warning.message.startswith("this snapshot predates them")
    assert not [e for e in escalations(build_access_graph(loaded)) if e.kind.startswith(
        "compute-")]


@pytest.mark.parametrize("relative, content, named", [
    ("lambda-list-functions.json", "[]", "expected an object with 'Functions'"),
    ("lambda-list-functions.json", '{"Functions": [1]}', "Functions[0]"),
    ("cloudformation-describe-stacks.json", '{"Stacks": [{"StackName": "s", "StackId": "x", '
     '"RoleARN": "arn:aws:iam::111122223333:user/u"}]}', "Stacks[0].RoleARN"),
    ("codebuild-list-projects.json", '{"projects": ["p1"]}', "codebuild-batch-get-projects"),
])
def test_a_bad_compute_file_is_one_line_naming_it(folder: Path, relative: str, content: str,
                                                  named: str) -> None:
    region = _regions(folder)[0]
    (folder / efc.COMPUTE_DIR / region / relative).write_text(content)
    if "p1" in content:  # its per-project file holds the wrong shape
        per = folder / efc.COMPUTE_DIR / region / "codebuild-batch-get-projects"
        per.mkdir(exist_ok=True)
        (per / "p1.json").write_text("[]")
    with pytest.raises(SourceError, match=re.escape(named)):
        load_export_folder(folder)
