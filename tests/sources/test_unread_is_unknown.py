"""What could not be read is unknown, never "no" (issue #11, item 9): in the access answers,
the command line and every export; with moto refusing the loader's calls (a real AccessDenied
to its boto3 request) and with AWS CLI export folders holding `.error` or `null` files."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from moto.core.authorization import enable_iam_authentication
from sources_faults import auditor_connection, fresh_connection, inject_error

from graph.access import AccessGraph, build_access_graph
from graph.access.decide.unread import REASON
from graph.exports import export
from graph.policy import Outcome
from graph.sources import SourceSpec, open_source
from graph.sources.connection import AwsConnection
from graph.sources.demo_cast import REGIONS
from graph.sources.live import load_live

LAYERS = Path(__file__).resolve().parents[1] / "fixtures" / "accounts" / "layers"
IAM_FILE = "iam-get-account-authorization-details"
ACL_PUBLIC = "acl-public"


def folder(tmp_path: Path) -> Path:
    out = tmp_path / "account"
    shutil.copytree(LAYERS, out)
    return out


def graph_of(path: Path) -> AccessGraph:
    return build_access_graph(open_source(SourceSpec(snapshot=str(path))).snapshot)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True,
                          text=True, timeout=300)


def assert_iam_unknown(g: AccessGraph, instance: str, bucket: str) -> None:
    reach = g.reachable_from_instance(instance)
    assert reach, "an instance whose role could not be read still reaches, unknown"
    get = next(b for b in reach if b.bucket == bucket).actions["s3:GetObject"]
    assert get.outcome is Outcome.UNKNOWN
    assert REASON in get.reasons
    assert all(not e.policy_name.endswith("(not read)") for e in get.evidence)
    x = g.explain(instance, bucket, "s3:GetObject")
    assert x.access is not None and x.access.outcome is Outcome.UNKNOWN
    assert any(p.kind == "instance" and p.id == g.snapshot.instances[0].instance_id
               for p in g.who_can(bucket))


# --- the account's IAM details -------------------------------------------------------------

def test_refused_iam_details_live_are_unknown(demo_conn: AwsConnection) -> None:
    conn = auditor_connection(demo_conn, "auditor-iam-11", "iam:GetAccountAuthorizationDetails")
    with enable_iam_authentication():
        snapshot = load_live(conn, REGIONS)
    g = build_access_graph(snapshot)
    web = next(i for i in snapshot.instances if i.name == "web-1")
    assert_iam_unknown(g, web.instance_id, "acme-app-logs")


@pytest.mark.parametrize("content", ["error", "null"])
def test_iam_details_error_or_null_file_is_unknown_in_every_export(
        tmp_path: Path, content: str) -> None:
    path = folder(tmp_path)
    iam = path / f"{IAM_FILE}.json"
    if content == "error":
        iam.unlink()
        (path / f"{IAM_FILE}.error").write_text(
            "An error occurred (AccessDenied) when calling the GetAccountAuthorizationDetails "
            "operation: denied\n")
    else:
        iam.write_text("null\n")
    g = graph_of(path)
    assert any(w.operation == "iam:GetAccountAuthorizationDetails" for w in g.warnings)
    first = g.snapshot.instances[0].instance_id
    assert_iam_unknown(g, first, "data")
    # Every export: rows that say unknown and why, never 0 rows.
    rows = list(csv.DictReader(io.StringIO(_export(g, "csv"))))
    assert rows and {r["outcome"] for r in rows} == {"unknown"}
    assert all(REASON in r["unknown_because"] for r in rows)
    data = json.loads(_export(g, "json"))
    assert data["permissions"] and any("GetAccountAuthorizationDetails" in w
                                       for w in data["warnings"])
    assert REASON in data["permissions"][0]["unknown_because"]
    md = _export(g, "md")
    assert "GetAccountAuthorizationDetails" in md and "*unknown*" in md  # the review's warnings
    detail = _export(g, "md", detail=True)
    assert "| unknown |" in detail and REASON in detail
    graphml = _export(g, "graphml")
    assert REASON in graphml and "GetAccountAuthorizationDetails" in graphml
    # The command line: unknown, the reason, and the warning on stderr.
    proc = _cli("trace", "--snapshot", str(path), first, "data", "--action", "s3:GetObject")
    assert proc.returncode == 3, proc.stderr  # unknown: neither yes nor no
    assert "unknown" in proc.stdout and "no path" not in proc.stdout
    assert "warning: iam:GetAccountAuthorizationDetails" in proc.stderr


def _export(g: AccessGraph, fmt: str, detail: bool = False) -> str:
    """The export's text; with `detail`, the Markdown review's per-cell file instead."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"out.{fmt}"
        cells = Path(tmp) / "detail.md"
        export(g, fmt, out, detail=cells if detail else None)
        return (cells if detail else out).read_text()


# --- a bucket's ACL --------------------------------------------------------------------------

def _acl_answers(g: AccessGraph) -> tuple[Outcome | None, Outcome]:
    public = g.public_access(ACL_PUBLIC).get("s3:ListBucket")
    role = g.role_bucket("arn:aws:iam::111111111111:role/app", ACL_PUBLIC).get("s3:ListBucket")
    if role is None:
        role_outcome = g.decide_now("arn:aws:iam::111111111111:role/app", ACL_PUBLIC,
                                    "s3:ListBucket").outcome
    else:
        role_outcome = role.outcome
    return (public.outcome if public else None), role_outcome


@pytest.mark.parametrize("content", ["error", "null", "missing"])
def test_unread_acl_of_a_public_acl_bucket_is_unknown(tmp_path: Path, content: str) -> None:
    """A refused, empty or missing ACL file: the public bucket keeps an (unknown) public row;
    a missing file once read as "no grants" and the row vanished."""
    path = folder(tmp_path)
    assert _acl_answers(graph_of(path)) == (Outcome.ALLOWED, Outcome.ALLOWED)
    acl = path / "s3api-get-bucket-acl" / f"{ACL_PUBLIC}.json"
    if content == "error":
        acl.unlink()
        acl.with_suffix(".error").write_text(
            "An error occurred (AccessDenied) when calling the GetBucketAcl operation\n")
    elif content == "null":
        acl.write_text("null")
    else:
        acl.unlink()
    g = graph_of(path)
    assert any(w.operation == "s3:GetBucketAcl" and w.target == ACL_PUBLIC
               for w in g.warnings)
    assert _acl_answers(g) == (Outcome.UNKNOWN, Outcome.UNKNOWN)
    public = g.public_access(ACL_PUBLIC)["s3:ListBucket"]
    assert any("bucket ACL could not be read" in r for r in public.reasons)
    assert any(p.kind == "public" for p in g.who_can(ACL_PUBLIC))


def test_refused_bucket_acl_live_is_unknown(demo_conn: AwsConnection) -> None:
    """moto: a bucket public through its ACL alone, and its GetBucketAcl refused."""
    s3 = demo_conn.client("s3")
    s3.create_bucket(Bucket="acme-acl-open")
    s3.put_bucket_acl(Bucket="acme-acl-open", ACL="public-read")
    conn = fresh_connection()
    inject_error(conn, "before-send.s3.GetBucketAcl", status=403, code="AccessDenied",
                 message="Access Denied", when=lambda request: "acme-acl-open" in request.url)
    g = build_access_graph(load_live(conn, REGIONS))
    public = g.public_access("acme-acl-open").get("s3:ListBucket")
    assert public is not None and public.outcome is Outcome.UNKNOWN
    role = g.decide_now(next(r.arn for r in g.snapshot.roles if r.name == "web-server"),
                        "acme-acl-open", "s3:ListBucket")
    assert role.outcome is Outcome.UNKNOWN


# --- trust policies and null files -----------------------------------------------------------

@pytest.mark.parametrize("trust", [None, 7, "{not json"])
def test_unreadable_trust_policy_is_a_warning_and_unknown(tmp_path: Path,
                                                          trust: object) -> None:
    path = folder(tmp_path)
    iam_path = path / f"{IAM_FILE}.json"
    details = json.loads(iam_path.read_text())
    for role in details["RoleDetailList"]:
        if role["RoleName"] == "app":
            role["AssumeRolePolicyDocument"] = trust
    iam_path.write_text(json.dumps(details))
    g = graph_of(path)
    assert any("AssumeRolePolicyDocument" in w.message for w in g.warnings)
    [app] = [i for i in g.snapshot.instances if i.name == "app-1"]
    reach = g.reachable_from_instance(app.instance_id)
    assert reach and {a.outcome for b in reach for a in b.actions.values()} == {
        Outcome.UNKNOWN}
    x = g.explain(app.instance_id, "data", "s3:GetObject")
    assert x.access is not None and x.access.outcome is Outcome.UNKNOWN


def test_null_list_buckets_is_a_warning_not_an_empty_account(tmp_path: Path) -> None:
    path = folder(tmp_path)
    (path / "s3api-list-buckets.json").write_text("null")
    snapshot = open_source(SourceSpec(snapshot=str(path))).snapshot
    assert "buckets" in snapshot.account.unknown
    assert any(w.operation == "s3:ListBuckets" for w in snapshot.warnings)
