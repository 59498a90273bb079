"""A role whose identity policy could not be read: every S3 action it might grant is unknown,
never "denied" (issue #11, item 9) — only an explicit deny that was read still says no."""

from __future__ import annotations

import dataclasses

from graph.access import build_access_graph
from graph.policy import Outcome
from graph.sources import SourceSpec, open_source

from .helpers import LAYERS, role_arn

GONE = "arn:aws:iam::111111111111:policy/Gone"


def _without_app_policy():
    snapshot = open_source(SourceSpec(snapshot=str(LAYERS))).snapshot
    roles = tuple(
        dataclasses.replace(r, attached_policy_arns=(*r.attached_policy_arns, GONE))
        if r.name == "app" else r
        for r in snapshot.roles)
    return dataclasses.replace(snapshot, roles=roles)


def test_unread_attached_policy_makes_ungranted_actions_unknown() -> None:
    g = build_access_graph(_without_app_policy())
    answers = g.role_bucket(role_arn("app"), "secure")
    # The readable inline policy grants nothing on "secure"; the unread one may grant anything.
    put_policy = answers["s3:PutBucketPolicy"]
    assert put_policy.outcome is Outcome.UNKNOWN
    assert any(GONE in r for r in put_policy.reasons)
    # A read explicit deny still denies: the unread policy cannot override it.
    assert answers["s3:DeleteObject"].outcome is Outcome.DENIED
    # Every bucket gets answers, not only those a readable statement names.
    reached = {b.bucket for b in g.reachable_from_role(role_arn("app"))}
    assert reached == {b.name for b in g.snapshot.buckets}


def test_readable_policies_keep_their_denials() -> None:
    g = build_access_graph(open_source(SourceSpec(snapshot=str(LAYERS))).snapshot)
    answers = g.role_bucket(role_arn("app"), "secure")
    assert answers.get("s3:PutBucketPolicy") is None or \
        answers["s3:PutBucketPolicy"].outcome is Outcome.DENIED
