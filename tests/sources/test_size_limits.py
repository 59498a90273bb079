"""Documents larger than AWS allows are refused where they enter: a warning, answers unknown.

AWS holds no inline role policies over 10,240 characters together, no managed policy over
6,144, no trust policy over 8,192 (the adjustable maximum) and no bucket policy over 20 KB. A
file holding one is crafted or corrupt; before this rule, a 100,000-statement policy kept
`trace` busy for minutes. Each case checks what a user sees: the warning naming the policy,
its size and the limit, and answers that are unknown (neither allowed nor denied).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sources_faults import deadline

from graph.access import build_access_graph
from graph.policy import Outcome
from graph.policy.limits import document_size
from graph.sources.connection import AwsConnection
from graph.sources.demo_cast import PUBLIC_BUCKET, REGIONS
from graph.sources.export_folder import IAM, load_export_folder
from graph.sources.live import load_live
from graph.sources.snapshot_file import load_snapshot, save_snapshot
from tui.cli import main

LAYERS = Path(__file__).parent.parent / "fixtures" / "accounts" / "layers"


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    with deadline(60, "an oversized policy was decided statement by statement"):
        yield


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    path = tmp_path / "acct.json"
    save_snapshot(load_export_folder(LAYERS), path)
    return path


def _statements(n: int, bucket: str = "data") -> list[dict[str, Any]]:
    return [{"Effect": "Allow", "Action": "s3:GetObject",
             "Resource": f"arn:aws:s3:::{bucket}/p{i}/*"} for i in range(n)]


def _edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def _role(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in data["roles"] if r["name"] == name)


def _bucket(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(b for b in data["buckets"] if b["name"] == name)


def _trace(snapshot: Path, capsys: pytest.CaptureFixture[str], instance: str,
           bucket: str) -> tuple[set[str], str]:
    code = main(["trace", "--snapshot", str(snapshot), "--format", "json", instance, bucket])
    out, err = capsys.readouterr()
    assert code in (0, 1, 3) and "Traceback" not in err, err
    outcomes = {a["outcome"] for p in json.loads(out)["paths"] for a in p["actions"]}
    reasons = " ".join(r for p in json.loads(out)["paths"] for a in p["actions"]
                       for r in a["reasons"])
    return outcomes, err + "\n" + reasons


def test_an_oversized_inline_policy_is_a_warning_and_unknown(
        snapshot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outcomes, _ = _trace(snapshot, capsys, "app-1", "data")
    assert "allowed" in outcomes  # app's inline policy grants data: the baseline
    big = {"Version": "2012-10-17", "Statement": _statements(300)}
    _edit(snapshot, lambda d: _role(d, "app")["inline_policies"][0].update(document=big))
    outcomes, err = _trace(snapshot, capsys, "app-1", "data")
    assert outcomes == {"unknown"}, outcomes
    size = f"{document_size(big):,}"
    assert "inline policies of role app (app-s3)" in err and size in err and "10,240" in err
    assert "inline policy app-s3 is over AWS's size limit (not analysed)" in err  # the why


def test_an_oversized_bucket_policy_is_a_warning_and_unknown(
        snapshot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def public_rows() -> set[str]:
        assert main(["who-can", "--snapshot", str(snapshot), "--format", "json",
                     "public"]) == 0
        rows = json.loads(capsys.readouterr().out)["principals"]
        return {o for r in rows if r["kind"] == "public" for o in r["actions"].values()}

    assert public_rows() == {"allowed"}  # the bucket policy's PublicRead statement
    big = {"Version": "2012-10-17", "Statement": _statements(300, "public")}
    _edit(snapshot, lambda d: _bucket(d, "public").update(policy=big))
    assert public_rows() == {"unknown"}
    main(["who-can", "--snapshot", str(snapshot), "public"])
    err = capsys.readouterr().err
    assert "bucket policy of public" in err and f"{document_size(big):,}" in err
    assert "20,480" in err


def test_an_oversized_trust_policy_is_a_warning_and_unknown(
        snapshot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    accounts = [f"{i:012d}" for i in range(700)]
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": accounts}}}]}
    assert document_size(trust) > 8192
    _edit(snapshot, lambda d: _role(d, "app").update(trust_policy=trust))
    outcomes, err = _trace(snapshot, capsys, "app-1", "data")
    assert outcomes == {"unknown"}, outcomes
    assert "trust policy of role app" in err and "8,192" in err
    assert "the trust policy is over AWS's size limit (not analysed)" in err


def test_a_trust_policy_within_the_raised_quota_is_analysed(
        snapshot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """2,048 is only the default quota: a 5,000-character trust policy is a real one."""
    accounts = [f"{i:012d}" for i in range(300)]
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": [*accounts, "111111111111"]}}}]}
    assert 2048 < document_size(trust) <= 8192
    _edit(snapshot, lambda d: _role(d, "app").update(trust_policy=trust))
    outcomes, err = _trace(snapshot, capsys, "app-1", "data")
    assert "policy size" not in err
    assert "unknown" not in outcomes or "allowed" in outcomes


def test_white_space_is_not_counted() -> None:
    doc = {"Version": "2012-10-17", "Statement": _statements(1)}
    pretty = json.dumps(doc, indent=8)
    assert document_size(pretty) == document_size(doc) < len(pretty)


def test_a_100000_statement_policy_is_refused_quickly(
        snapshot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    huge = {"Version": "2012-10-17", "Statement": _statements(100_000)}
    _edit(snapshot, lambda d: _role(d, "app")["inline_policies"][0].update(document=huge))
    start = time.monotonic()
    outcomes, err = _trace(snapshot, capsys, "app-1", "data")
    assert time.monotonic() - start < 20
    assert outcomes == {"unknown"} and "10,240" in err
    start = time.monotonic()
    assert main(["who-can", "--snapshot", str(snapshot), "data"]) == 0
    assert main(["export", "--snapshot", str(snapshot), "-o",
                 str(snapshot.with_name("out.json"))]) == 0
    assert time.monotonic() - start < 30


def test_the_export_folder_refuses_an_oversized_managed_policy(tmp_path: Path) -> None:
    """The layers account's one managed policy is a permissions boundary: refused, it makes
    what the bounded role may do unknown (a boundary only limits, so never "allowed")."""
    folder = Path(shutil.copytree(LAYERS, tmp_path / "acct"))
    details = json.loads((folder / IAM).read_text())
    policy = details["Policies"][0]
    big = {"Version": "2012-10-17", "Statement": _statements(200)}
    default = next(v for v in policy["PolicyVersionList"] if v["IsDefaultVersion"])
    default["Document"] = big
    (folder / IAM).write_text(json.dumps(details))
    snap = load_export_folder(folder)
    warning = next(w for w in snap.warnings if w.operation == "policy size")
    assert policy["PolicyName"] in warning.message and "6,144" in warning.message
    roles = [r for r in snap.roles if r.permissions_boundary_arn == policy["Arn"]]
    assert roles
    graph = build_access_graph(snap)
    outcomes = {a.outcome for r in roles for b in graph.reachable_from_role(r.arn)
                for a in b.actions.values()}
    assert Outcome.ALLOWED not in outcomes and Outcome.UNKNOWN in outcomes


def test_a_refused_policy_survives_a_save_and_reload(snapshot: Path, tmp_path: Path) -> None:
    big = {"Version": "2012-10-17", "Statement": _statements(300)}
    _edit(snapshot, lambda d: _role(d, "app")["inline_policies"][0].update(document=big))
    first = load_snapshot(snapshot)
    again = tmp_path / "again.json"
    save_snapshot(first, again)
    assert again.stat().st_size < snapshot.stat().st_size
    reloaded = load_snapshot(again)
    assert [w for w in reloaded.warnings if w.operation == "policy size"] == \
        [w for w in first.warnings if w.operation == "policy size"]
    graph = build_access_graph(reloaded)
    app = reloaded.role_by_name["app"]
    outcomes = {a.outcome for b in graph.reachable_from_role(app.arn) for a in b.actions.values()}
    assert Outcome.ALLOWED not in outcomes


def test_the_live_loader_refuses_oversized_documents(demo_conn: AwsConnection) -> None:
    """moto, like a crafted emulator, accepts documents AWS would refuse: the live loader
    refuses them the same way (the demo's web-server role and its public website bucket)."""
    iam, s3 = demo_conn.client("iam"), demo_conn.client("s3")
    role_policy = {"Version": "2012-10-17", "Statement": _statements(300, PUBLIC_BUCKET)}
    iam.put_role_policy(RoleName="web-server", PolicyName="web-least-privilege",
                        PolicyDocument=json.dumps(role_policy))
    bucket_policy = {"Version": "2012-10-17", "Statement": [
        {**s, "Principal": "*"} for s in _statements(300, PUBLIC_BUCKET)]}
    s3.put_bucket_policy(Bucket=PUBLIC_BUCKET, Policy=json.dumps(bucket_policy))
    snap = load_live(demo_conn, REGIONS)
    sized = {w.target: w.message for w in snap.warnings if w.operation == "policy size"}
    assert set(sized) == {"web-server", PUBLIC_BUCKET}, sized
    assert "10,240" in sized["web-server"] and "20,480" in sized[PUBLIC_BUCKET]
    assert snap.bucket_by_name[PUBLIC_BUCKET].policy_unknown
    graph = build_access_graph(snap)
    public = graph.public_access(PUBLIC_BUCKET)
    assert public and {a.outcome for a in public.values()} <= {Outcome.UNKNOWN}
    role = snap.role_by_name["web-server"]
    outcomes = {a.outcome for b in graph.reachable_from_role(role.arn)
                for a in b.actions.values()}
    assert Outcome.ALLOWED not in outcomes and Outcome.UNKNOWN in outcomes


def test_a_url_encoded_document_is_counted_as_its_json() -> None:
    """IAM's wire form: `{` is `%7B`; counting the encoded text would refuse real policies."""
    from urllib.parse import quote

    doc = {"Version": "2012-10-17", "Statement": _statements(40)}
    assert document_size(quote(json.dumps(doc))) == document_size(doc)
