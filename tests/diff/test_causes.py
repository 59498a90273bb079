"""Each change in the account is one cause, whatever moved around it; rows are attributed to
the causes on their path; causes are ordered riskiest first."""

from __future__ import annotations

from dataclasses import replace

import pytest

from graph.diff import analyse_pair, diff_graphs
from graph.diff.documents import document_changes
from graph.diff.model import SnapshotDiff
from graph.model import AccountSnapshot, InlinePolicy

from .accounts import (
    ALL_ON,
    APP,
    APP_INLINE,
    APP_READ,
    allow,
    base,
    bpa_turned_off,
    bucket_policy_widened,
    doc,
    profile_reassociated,
    public_data,
    statement_added,
    version_made_default,
    with_role,
)


def diff(old: AccountSnapshot, new: AccountSnapshot) -> SnapshotDiff:
    return diff_graphs(*analyse_pair(old, new))


def inserted_first(snapshot: AccountSnapshot) -> AccountSnapshot:
    """app-inline gains s3:ListBucket on data, inserted before its Logs statement."""
    inline = doc(allow("List", "s3:ListBucket", "arn:aws:s3:::data"), *APP_INLINE["Statement"])
    return with_role(snapshot, APP, inline_policies=(InlinePolicy("app-inline", inline),))


def test_a_statement_inserted_first_changes_nothing_after_it() -> None:
    """Logs moves from statement 1 to statement 2: its s3:PutObject row does not change."""
    result = diff(base(), inserted_first(base()))
    assert [(r.kind, r.bucket, r.action) for r in result.rows] == [
        ("gained", "data", "s3:ListBucket")]
    assert [(c.kind, c.subject) for c in result.causes] == [
        ("statement-added", "role app: inline policy app-inline: statement 1 (List) added")]


def test_a_statement_is_known_by_its_sid_or_content_not_its_place() -> None:
    a = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    b = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}
    x = {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}
    b_edited = {**b, "Resource": "arn:aws:s3:::data/*"}
    found = document_changes(doc(a, b), doc(x, a, b_edited))
    assert [(c.change, c.label) for c in found] == [
        ("added", "statement 1 added"), ("changed", "statement 3 changed (Resource)")]
    # The same edits, identified the same way, wherever they sit.
    again = document_changes(doc(b, a), doc(b_edited, a, x))
    assert {c.key for c in again} == {c.key for c in found}
    named = document_changes(doc({**a, "Sid": "Read"}, b), doc(b, {**a, "Sid": "Read",
                                                                   "Action": "s3:Get*"}))
    assert [(c.change, c.key) for c in named] == [("changed", "Read")]


@pytest.mark.parametrize(("edit", "kind", "subject", "details"), [
    (statement_added, "statement-added",
     "role app: inline policy app-inline: statement 2 (List) added", ()),
    (version_made_default, "default-version", "managed policy AppRead: default version v1 → v2",
     ("managed policy AppRead: statement 2 (Prune) added",)),
    (profile_reassociated, "profile-association",
     "instance app-1 (i-0000000000000a001): instance profile association app-profile → "
     "reports-profile", ()),
    (bucket_policy_widened, "statement-changed",
     "bucket site: bucket policy: statement 1 (PublicRead) changed (Resource)", ()),
    (lambda s: with_role(s, APP, attached_policy_arns=()), "policy-detached",
     "role app: managed policy AppRead detached", ()),
    (lambda s: replace(s, instances=()), "instance-terminated",
     "instance app-1 (i-0000000000000a001) is gone from the new snapshot", ()),
    (lambda s: replace(s, buckets=s.buckets[1:]), "bucket-deleted",
     "bucket data is gone from the new snapshot", ()),
])
def test_one_change_is_one_cause_explaining_every_row(edit, kind, subject, details) -> None:  # type: ignore[no-untyped-def]
    result = diff(base(), edit(base()))
    (cause,) = result.causes
    assert (cause.kind, cause.subject, cause.fact.details) == (kind, subject, details)
    assert sorted(cause.rows) == sorted(
        [(k, i) for k in ("gained", "lost", "changed") for i in range(len(getattr(result, k)))])
    assert result.rows and all(r.causes == (cause.id,) for r in result.rows)


def test_block_public_access_off_is_one_cause_public_first() -> None:
    old = statement_added(public_data(base()))
    result = diff(old, bpa_turned_off(statement_added(old)))
    assert [(c.kind, c.public) for c in result.causes] == [("block-public-access", True)]
    both = diff(public_data(base()), bpa_turned_off(statement_added(public_data(base()))))
    assert [c.kind for c in both.causes] == ["block-public-access", "statement-added"]
    assert both.causes[0].summary.startswith("anyone (public) gained s3:GetObject on data")
    assert both.causes[1].summary == "1 instance × 1 bucket × 1 action gained"


def test_a_change_that_changes_no_access_is_listed_without_rows() -> None:
    tagged = with_role(base(), APP, tags={"team": "web"})
    result = diff(base(), tagged)
    assert [(c.kind, c.subject, c.summary, c.rows) for c in result.causes] == [
        ("role-tags", "role app: tags changed (team)", "no access changes", ())]
    assert not result.differs  # no access differs: a nightly job is not failed by a tag


def test_filtered_diffs_keep_only_the_causes_of_their_rows() -> None:
    new = bucket_policy_widened(statement_added(base()))
    only_data = diff_graphs(*analyse_pair(base(), new), bucket="data")
    assert [c.kind for c in only_data.causes] == ["statement-added"]
    assert APP_READ  # the managed policy is untouched: no cause for it


def test_rows_no_fact_explains_are_listed_under_one_cause() -> None:
    from graph.diff.causes import build_causes
    from graph.diff.model import ChangeRow
    from graph.policy import Outcome

    row = ChangeRow("gained", "data", "s3:GetObject", Outcome.DENIED, Outcome.ALLOWED,
                    instance_id="i-1", instance_name="one")
    (cause,) = build_causes((row,), (), (), (), {})
    assert (cause.kind, cause.rows, cause.summary) == (
        "unexplained", (("gained", 0),), "1 instance × 1 bucket × 1 action gained")


def test_rows_rank_public_then_other_accounts_then_gained_changed_lost() -> None:
    from graph.diff.causes import row_rank
    from graph.diff.model import ChangeRow
    from graph.policy import Outcome

    def row(kind: str, action: str, principal_kind: str = "") -> ChangeRow:
        return ChangeRow(kind, "b", action, Outcome.DENIED, Outcome.ALLOWED,
                         principal=principal_kind, principal_kind=principal_kind,
                         instance_id="" if principal_kind else "i-1")

    rows = [row("lost", "s3:DeleteObject", "public"), row("changed", "s3:GetObject"),
            row("gained", "s3:GetObject"), row("gained", "s3:PutBucketPolicy"),
            row("gained", "s3:DeleteObject"), row("gained", "s3:GetObject", "account"),
            row("changed", "s3:GetObject", "public")]
    assert [(r.kind, r.action, r.principal_kind) for r in sorted(rows, key=row_rank)] == [
        ("changed", "s3:GetObject", "public"), ("gained", "s3:GetObject", "account"),
        ("gained", "s3:PutBucketPolicy", ""), ("gained", "s3:DeleteObject", ""),
        ("gained", "s3:GetObject", ""), ("changed", "s3:GetObject", ""),
        ("lost", "s3:DeleteObject", "public")]


def test_a_condition_whose_statement_moved_down_is_the_same_condition() -> None:
    """data's policy denies requests without TLS (app-1's answers are conditional on it); a
    statement inserted before that Deny renumbers it, which changes none of app-1's rows."""
    from .accounts import with_bucket

    deny = {"Sid": "DenyInsecure", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": ["arn:aws:s3:::data", "arn:aws:s3:::data/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    partner = {"Sid": "Partner", "Effect": "Allow",
               "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
               "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/out/*"}
    old = with_bucket(base(), "data", policy=doc(deny))
    result = diff(old, with_bucket(base(), "data", policy=doc(partner, deny)))
    assert [(r.kind, r.principal_kind, r.action) for r in result.rows] == [
        ("gained", "account", "s3:GetObject")]
    assert [(c.kind, c.other_account) for c in result.causes] == [("statement-added", True)]


def test_a_condition_decided_for_look_alike_buckets_is_the_bucket_s_own() -> None:
    """Two buckets whose policies differ only by their names share one decided answer (its
    conditions quote whichever was decided first): the statement still counts as the
    bucket's own, so inserting one before it changes none of app-1's rows."""
    from graph.model import Bucket

    def deny(name: str) -> dict[str, object]:
        return {"Sid": "DenyInsecure", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}}

    partner = {"Sid": "Partner", "Effect": "Allow",
               "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
               "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/out/*"}
    twin = Bucket("aaa-twin", policy=doc(deny("aaa-twin")), public_access_block=ALL_ON)
    old_buckets = (twin, *(replace(b, policy=doc(deny("data"))) if b.name == "data" else b
                           for b in base().buckets))
    new_buckets = (twin, *(replace(b, policy=doc(partner, deny("data"))) if b.name == "data"
                           else b for b in base().buckets))
    # app reads every bucket (Resource "*"): data and aaa-twin look alike to it.
    anything = (InlinePolicy("any", doc(allow("Any", "s3:GetObject", "*"))),)
    old = with_role(replace(base(), buckets=old_buckets), APP, inline_policies=anything,
                    attached_policy_arns=())
    result = diff(old, replace(old, buckets=new_buckets))
    assert [(r.kind, r.principal_kind, r.action) for r in result.rows] == [
        ("gained", "account", "s3:GetObject")]
