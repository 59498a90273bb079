"""Hostile and unlucky input files: one line and exit 2, never a traceback, never a hang.

Issue #13 item 2/3: each fault below once crashed (RecursionError, MemoryError, IndexError…)
or blocked forever (a FIFO). The CLI must name the file and the place in it. Every test runs
under an alarm so that a regression to "hangs" fails instead of stalling the suite.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sources_faults import deadline

from graph.errors import SourceError
from graph.sources import export_folder as ef
from graph.sources.export_folder import load_export_folder
from graph.sources.snapshot_file import load_snapshot, save_snapshot
from graph.sources.transform_ec2 import transform_instances
from graph.sources.transform_iam import transform_authorization_details
from tui.cli import main

LAYERS = Path(__file__).parent.parent / "fixtures" / "accounts" / "layers"


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    with deadline(30, "blocked: a hostile file made rolemap hang"):
        yield


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return Path(shutil.copytree(LAYERS, tmp_path / "acct"))


@pytest.fixture
def snapshot(folder: Path, tmp_path: Path) -> Path:
    path = tmp_path / "acct.json"
    save_snapshot(load_export_folder(folder), path)
    return path


def one_line_error(argv: list[str], capsys: pytest.CaptureFixture[str], *names: str) -> str:
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert err.startswith("rolemap: error: ") and "\n" not in err and "Traceback" not in err
    for name in names:
        assert name in err, err
    return err


def _edit(path: Path, change: Callable[[dict], None]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


# --- snapshot files ---------------------------------------------------------------------

SNAPSHOT_FAULTS: dict[str, tuple[Callable[[Path], None], str]] = {
    "nested 100,000 deep": (lambda p: p.write_text("[" * 100_000 + "]" * 100_000),
                            "nested too deeply"),
    "an integer of 5,000 digits": (
        lambda p: p.write_text('{"format": "rolemap-snapshot", "version": ' + "9" * 5000 + "}"),
        "line 1 column 43"),
    "a role Arn that is no ARN": (
        lambda p: _edit(p, lambda d: d["roles"][0].update(arn="not-an-arn")),
        "$.roles[0].arn: not an IAM role ARN"),
    "an integer role name": (lambda p: _edit(p, lambda d: d["roles"][0].update(name=7)),
                             "$.roles[0].name"),
    "an integer bucket name": (lambda p: _edit(p, lambda d: d["buckets"][0].update(name=7)),
                               "$.buckets[0].name"),
    "an account id that is not one": (
        lambda p: _edit(p, lambda d: d["account"].update(account_id="x")),
        "$.account.account_id"),
    "a policy nested 200 deep": (
        lambda p: _edit(p, lambda d: d["roles"][0].update(
            trust_policy=json.loads("[" * 200 + "]" * 200))),
        "$.roles[0].trust_policy"),
    "truncated": (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
                  "not valid JSON"),
    "not UTF-8": (lambda p: p.write_bytes(b'{"format": "\xff\xfe"}'), "UTF-8"),
}


@pytest.mark.parametrize("fault", SNAPSHOT_FAULTS)
def test_snapshot_fault_is_one_line(fault: str, snapshot: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    make, expected = SNAPSHOT_FAULTS[fault]
    make(snapshot)
    one_line_error(["trace", "--snapshot", str(snapshot), "web-1", "data"], capsys,
                   str(snapshot), expected)


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory-link-loop"])
def test_non_regular_snapshot_paths_are_refused_at_once(kind: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "snap.json"
    if kind == "fifo":
        os.mkfifo(path)
        expected = "FIFO"
    elif kind == "dev-zero":
        path = Path("/dev/zero")
        expected = "character device"
    else:
        os.symlink(tmp_path / "loop.json", path)
        os.symlink(path, tmp_path / "loop.json")
        expected = "snap.json"
    one_line_error(["export", "--snapshot", str(path)], capsys, str(path), expected)


# --- export folders ---------------------------------------------------------------------

def _replace_with_dir(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _first(folder: Path, directory: str) -> Path:
    return sorted((folder / directory).glob("*.json"))[0]


FOLDER_FAULTS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "a FIFO for the IAM file": (
        lambda f: (f / ef.IAM).unlink() or os.mkfifo(f / ef.IAM) or f / ef.IAM, "FIFO"),
    "a FIFO for a region file": (
        lambda f: _first(f, ef.INSTANCES_DIR).unlink()
        or os.mkfifo(_first_name(f)) or _first_name(f), "FIFO"),
    "a per-bucket folder that is a file": (
        lambda f: shutil.rmtree(f / "s3api-get-bucket-acl")
        or (f / "s3api-get-bucket-acl").write_text("{}") or f / "s3api-get-bucket-acl",
        "expected a directory"),
    "the instances folder is a file": (
        lambda f: shutil.rmtree(f / ef.INSTANCES_DIR) or (f / ef.INSTANCES_DIR).write_text("")
        or f / ef.INSTANCES_DIR, "expected a directory"),
    "a bucket policy file that is a directory": (
        lambda f: _replace_with_dir(_first(f, "s3api-get-bucket-policy"))
        or f / "s3api-get-bucket-policy", "a directory, expected a regular file"),
    "a symlink loop for the bucket list": (
        lambda f: (f / ef.BUCKETS).unlink() or os.symlink(f / ef.BUCKETS, f / ef.BUCKETS)
        or f / ef.BUCKETS, "symbolic links"),
    "a role Arn that is no ARN": (
        lambda f: _edit(f / ef.IAM, lambda d: d["RoleDetailList"][0].update(Arn="not-an-arn"))
        or f / ef.IAM, "RoleDetailList[0].Arn: not an IAM role ARN"),
    "an integer RoleName": (
        lambda f: _edit(f / ef.IAM, lambda d: d["RoleDetailList"][0].update(RoleName=5))
        or f / ef.IAM, "RoleDetailList[0].RoleName: expected a string"),
    "an integer bucket Name": (
        lambda f: _edit(f / ef.BUCKETS, lambda d: d["Buckets"][0].update(Name=5))
        or f / ef.BUCKETS, "Buckets[0].Name"),
    "an Owner that is a string": (
        lambda f: _edit(f / ef.BUCKETS, lambda d: d.update(Owner="x")) or f / ef.BUCKETS,
        "Owner: expected an object"),
    "an ACL Owner that is a string": (
        lambda f: _edit(_first(f, "s3api-get-bucket-acl"), lambda d: d.update(Owner="x"))
        or _first(f, "s3api-get-bucket-acl"), "Owner: expected an object"),
    "a caller identity with a bad account": (
        lambda f: _edit(f / ef.IDENTITY, lambda d: d.update(Account="x")) or f / ef.IDENTITY,
        "12-digit"),
    "a policy document nested 100,000 deep": (
        lambda f: _edit(_first(f, "s3api-get-bucket-policy"),
                        lambda d: d.update(Policy="[" * 100_000 + "]" * 100_000))
        or _first(f, "s3api-get-bucket-policy"), "nested deeper"),
    "an instance with an integer id": (
        lambda f: _edit(_first(f, ef.INSTANCES_DIR), lambda d: d["Reservations"][0][
            "Instances"][0].update(InstanceId=5)) or _first(f, ef.INSTANCES_DIR), "InstanceId"),
}


def _first_name(folder: Path) -> Path:
    return folder / ef.INSTANCES_DIR / "us-east-1.json"


@pytest.mark.parametrize("fault", FOLDER_FAULTS)
def test_export_folder_fault_is_one_line(fault: str, folder: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    make, expected = FOLDER_FAULTS[fault]
    named = make(folder)
    one_line_error(["who-can", "--snapshot", str(folder), "data"], capsys,
                   str(named), expected)


def test_error_file_that_is_a_directory_is_still_unknown(folder: Path) -> None:
    policy = _first(folder, "s3api-get-bucket-policy")
    policy.unlink()
    policy.with_suffix(".error").mkdir()
    snap = load_export_folder(folder)
    bucket = snap.bucket_by_name[policy.stem]
    assert bucket.policy_unknown
    assert any(w.target == policy.stem and "error file is unusable" in w.message
               for w in snap.warnings)


# --- live reads: one bad record is skipped with a warning, the rest loads ---------------

def test_live_skips_a_malformed_role_with_a_warning() -> None:
    details = json.loads((LAYERS / ef.IAM).read_text())
    good = len(details["RoleDetailList"])
    details["RoleDetailList"].insert(0, {"Arn": "not-an-arn", "RoleName": 5})
    records = transform_authorization_details(details, strict=False)
    assert len(records.roles) == good
    assert any("RoleDetailList[0]" in w.target and "not an IAM role ARN" in w.message
               for w in records.warnings)
    with pytest.raises(SourceError, match=r"RoleDetailList\[0\]\.Arn"):
        transform_authorization_details(details, strict=True)


def test_live_skips_one_malformed_instance_not_its_reservation() -> None:
    response = {"Reservations": [{"Instances": [
        {"InstanceId": 5, "State": {"Name": "running"}},
        {"InstanceId": "i-1", "State": {"Name": "running"}},
    ]}]}
    skipped: list = []
    found = transform_instances(response, "us-east-1", "123456789012", skipped=skipped)
    assert [i.instance_id for i in found] == ["i-1"]
    assert len(skipped) == 1 and "Instances[0]" in skipped[0].message


# --- writes -------------------------------------------------------------------------------

def test_snapshot_save_is_private_and_never_follows_a_symlink(
        folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "saved.json"
    assert main(["snapshot", "save", str(out), "--snapshot", str(folder)]) == 0
    assert out.stat().st_mode & 0o777 == 0o600
    assert load_snapshot(out).account_id
    victim = tmp_path / "victim"
    victim.write_text("precious")
    trap = tmp_path / "trap.json"
    trap.symlink_to(victim)
    capsys.readouterr()
    one_line_error(["snapshot", "save", str(trap), "--snapshot", str(folder)], capsys,
                   str(trap), "symbolic link")
    assert victim.read_text() == "precious" and trap.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["acct", "saved.json", "trap.json",
                                                          "victim"]


@pytest.mark.parametrize("fmt", ["json", "csv", "md", "graphml"])
def test_export_replaces_the_file_whole_and_refuses_links(
        fmt: str, folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"out.{fmt}"
    out.write_text("old")
    hard = tmp_path / "hard-link"
    os.link(out, hard)  # a second name for the old file: it must keep the old content
    assert main(["export", "--snapshot", str(folder), "--format", fmt, "-o", str(out)]) == 0
    assert out.read_text() != "old" and hard.read_text() == "old"
    link = tmp_path / f"link.{fmt}"
    link.symlink_to(hard)
    capsys.readouterr()
    one_line_error(["export", "--snapshot", str(folder), "--format", fmt, "-o", str(link)],
                   capsys, "symbolic link")
    assert hard.read_text() == "old"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_lone_surrogate_in_a_name_is_escaped_on_export(
        snapshot: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # JSON may hold "\ud800": Python reads it as a lone surrogate, which UTF-8 cannot encode.
    text = snapshot.read_text()
    data = json.loads(text)
    old = data["roles"][0]["name"]
    snapshot.write_text(text.replace(f'"name":"{old}"', f'"name":"{old}\\ud800"', 1))
    for fmt in ("csv", "md", "json"):
        out = tmp_path / f"s.{fmt}"
        assert main(["export", "--snapshot", str(snapshot), "--by-role", "--format", fmt,
                     "-o", str(out)]) == 0, capsys.readouterr().err
        assert "\\ud800" in out.read_text(encoding="utf-8")


def test_live_skipped_role_leaves_its_instances_unknown_not_roleless() -> None:
    """A role record skipped in a live read takes its instance profiles with it; the instances
    holding them must read unknown (a stand-in role), never a silent "no access"."""
    import dataclasses

    from graph.access import build_access_graph
    from graph.model import SourceInfo
    from graph.policy import Outcome
    from graph.sources.build import build_snapshot
    from graph.sources.export_folder import read_export_folder
    from graph.sources.raw import UNKNOWN_IAM

    raw = read_export_folder(LAYERS)
    details = json.loads(json.dumps(raw.authorization_details))
    app = next(r for r in details["RoleDetailList"] if r["RoleName"] == "app")
    app["Arn"] = "not-an-arn"
    live = build_snapshot(dataclasses.replace(raw, authorization_details=details),
                          SourceInfo("profile", "live"), strict=False)
    assert UNKNOWN_IAM in live.account.unknown
    assert "app" not in live.role_by_name
    graph = build_access_graph(live)
    instance = next(i for i in live.instances if i.name == "app-1")
    reached = graph.reachable_from_instance(instance.instance_id)
    outcomes = {a.outcome for b in reached for a in b.actions.values()}
    assert reached and outcomes <= {Outcome.UNKNOWN, Outcome.DENIED}, outcomes
    assert Outcome.UNKNOWN in outcomes
