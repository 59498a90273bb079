"""One change at a time between two hand-built snapshots, and exactly the rows it makes."""

from __future__ import annotations

from dataclasses import replace

from graph.diff import analyse_pair, diff_graphs
from graph.diff.model import ChangeRow, SnapshotDiff
from graph.model import AccountSnapshot

from .accounts import (
    APP,
    APP_1,
    REPORTS,
    base,
    bpa_turned_off,
    bucket_policy_widened,
    profile_reassociated,
    public_data,
    statement_added,
    version_made_default,
    with_role,
)

ALL_FLAGS = "BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets"


def diff(old: AccountSnapshot, new: AccountSnapshot) -> SnapshotDiff:
    return diff_graphs(*analyse_pair(old, new))


def essentials(row: ChangeRow) -> tuple[object, ...]:
    return (row.kind, row.instance_id or row.principal, row.bucket, row.action,
            row.before.value, row.after.value, row.granted_by, row.via, row.why)


def test_identical_snapshots_have_no_rows() -> None:
    result = diff(base(), base())
    assert result.rows == () and not result.differs


def test_a_statement_added() -> None:
    result = diff(base(), statement_added(base()))
    assert [essentials(r) for r in result.rows] == [
        ("gained", APP_1, "data", "s3:ListBucket", "denied", "allowed",
         ("identity policy app/app-inline, statement 2 (List)",), (APP,),
         ("role app: inline policy app-inline: statement 2 (List) added",)),
    ]
    assert result.gained[0].instance_name == "app-1" and result.gained[0].role == APP


def test_a_policy_version_made_default() -> None:
    result = diff(base(), version_made_default(base()))
    assert [essentials(r) for r in result.rows] == [
        ("gained", APP_1, "data", "s3:DeleteObject", "denied", "allowed",
         ("identity policy AppRead, statement 2 (Prune)",), (APP,),
         ("managed policy AppRead: default version v1 → v2",
          "managed policy AppRead: statement 2 (Prune) added")),
    ]


def test_a_profile_reassociated() -> None:
    result = diff(base(), profile_reassociated(base()))
    why = ("instance app-1 (i-0000000000000a001): instance profile association app-profile "
           "→ reports-profile",)
    assert [essentials(r) for r in result.rows] == [
        ("lost", APP_1, "data", "s3:PutObject", "allowed", "denied",
         ("identity policy app/app-inline, statement 1 (Logs)",), (APP,), why),
        ("changed", APP_1, "data", "s3:GetObject", "allowed", "allowed",
         ("identity policy reports/reports-inline, statement 1 (ReadAll)",), (REPORTS,), why),
        ("changed", APP_1, "site", "s3:GetObject", "allowed", "allowed",
         ("bucket policy, statement 1 (PublicRead)",), (REPORTS,), why),
    ]
    data_row = result.changed[0]
    assert "keys reports/ → whole bucket" in data_row.change
    assert "via app → reports" in data_row.change
    assert result.changed[1].change == "via app → reports"


def test_a_bucket_policy_widened_to_a_prefix() -> None:
    result = diff(base(), bucket_policy_widened(base()))
    why = ("bucket site: bucket policy: statement 1 (PublicRead) changed (Resource)",)
    assert [essentials(r) for r in result.rows] == [
        ("changed", APP_1, "site", "s3:GetObject", "allowed", "allowed",
         ("bucket policy, statement 1 (PublicRead)",), (APP,), why),
        ("changed", "public", "site", "s3:GetObject", "allowed", "allowed",
         ("bucket policy, statement 1 (PublicRead)",), (), why),
    ]
    for row in result.rows:
        assert row.change.startswith("keys public/index.html → public/")


def test_block_public_access_turned_off() -> None:
    old = public_data(base())
    result = diff(old, bpa_turned_off(old))
    assert [essentials(r) for r in result.rows] == [
        ("gained", "public", "data", "s3:GetObject", "denied", "allowed",
         ("bucket policy, statement 1 (PublicRead)",), (),
         (f"bucket data: Block Public Access turned off ({ALL_FLAGS}) "
          "(configuration removed)",)),
    ]
    assert result.gained[0].principal_kind == "public"


def test_the_reverse_change_is_lost() -> None:
    result = diff(statement_added(base()), base())
    assert [(r.kind, r.action, r.before.value, r.after.value, r.granted_by)
            for r in result.rows] == [
        ("lost", "s3:ListBucket", "allowed", "denied",
         ("identity policy app/app-inline, statement 2 (List)",)),
    ]
    assert result.lost[0].why == ("role app: inline policy app-inline: statement 2 (List) "
                                  "removed",)


def test_filters_limit_rows_to_one_instance_or_bucket() -> None:
    old, new = base(), profile_reassociated(base())
    assert {r.bucket for r in diff_graphs(*analyse_pair(old, new), bucket="site").rows} == {
        "site"}
    widened = bucket_policy_widened(base())
    only_app = diff_graphs(*analyse_pair(base(), widened), instance="app-1").rows
    assert [r.instance_id for r in only_app] == [APP_1]


def test_findings_that_appear_and_go_away() -> None:
    old = public_data(base())
    opened = diff(old, bpa_turned_off(old))
    categories = {f.category for f in opened.new_findings}
    assert "public-bucket" in categories and opened.resolved_findings == ()
    public = next(f for f in opened.new_findings if f.category == "public-bucket")
    closed = diff(bpa_turned_off(old), old)
    assert public.id in {f.id for f in closed.resolved_findings}
    assert closed.new_findings == ()


def test_why_names_only_statements_that_can_concern_the_bucket() -> None:
    result = diff(base(), bucket_policy_widened(statement_added(base())))
    by_bucket = {r.bucket: r.why for r in result.rows if r.instance_id}
    assert by_bucket == {
        "data": ("role app: inline policy app-inline: statement 2 (List) added",),
        "site": ("bucket site: bucket policy: statement 1 (PublicRead) changed (Resource)",),
    }


def test_an_instance_gone_loses_everything_it_had() -> None:
    old = base()
    result = diff(old, replace(old, instances=()))
    assert {(r.kind, r.bucket, r.action) for r in result.rows} == {
        ("lost", "data", "s3:GetObject"), ("lost", "data", "s3:PutObject"),
        ("lost", "site", "s3:GetObject")}
    assert {r.why for r in result.rows} == {
        ("instance app-1 (i-0000000000000a001) is gone from the new snapshot",)}


def test_a_trust_policy_that_no_longer_trusts_ec2() -> None:
    lambda_only = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"Service": "lambda.amazonaws.com"}}]}
    result = diff(base(), with_role(base(), APP, trust_policy=lambda_only))
    assert {(r.kind, r.bucket, r.action) for r in result.rows} == {
        ("lost", "data", "s3:GetObject"), ("lost", "data", "s3:PutObject"),
        ("lost", "site", "s3:GetObject")}
    assert {r.why for r in result.rows} == {
        ("role app: trust policy: statement 1 changed (Principal)",)}
