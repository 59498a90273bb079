"""Cross-account access through a role another account may assume: the account, the role (and
the chain), the bucket, actions, prefixes, and the trust and identity statements as evidence;
never for services, this account's own principals, a Deny, or a role that reaches nothing."""

from __future__ import annotations

import dataclasses

from graph.access import AccessGraph, build_access_graph
from graph.exports.findings import findings_json
from graph.findings import Finding, Severity, find
from graph.model import InlinePolicy, Role
from graph.policy import PolicyKind

from .account import PARTNER, THIRD_PARTY


def _assumed(graph: AccessGraph) -> dict[str, Finding]:
    """Cross-account findings made through a trust policy, by the role the account ends as."""
    out: dict[str, Finding] = {}
    for f in find(graph):
        if f.category == "cross-account" and f.path and f.path[0].relation == "can assume":
            out[f.path[-1].source.rsplit("/", 1)[-1]] = f
    return out


def test_root_of_another_account_reads_through_a_role(trust_graph: AccessGraph) -> None:
    found = _assumed(trust_graph)
    # Services, a same-account role, this account's root, a Deny, "*" kept to this account,
    # and a role that reaches no bucket are not other accounts' access.
    assert set(found) == {"partner-reader", "vendor-writer", "inner-writer", "org-any"}
    f = found["partner-reader"]
    acct = trust_graph.snapshot.account_id
    assert f.role == f"arn:aws:iam::{acct}:role/partner-reader"
    assert f.principal == f"arn:aws:iam::{PARTNER}:root"
    assert f.bucket == "data" and f.actions == ("s3:GetObject", "s3:ListBucket")
    assert f.title == (f"data: account {PARTNER} can assume role partner-reader and list and "
                       "read under exports/")
    assert f.severity is Severity.MEDIUM  # read only, no ExternalId: as a bucket-policy grant
    kinds = [(e.policy_kind, e.policy_name, e.sid) for e in f.evidence]
    assert kinds == [(PolicyKind.TRUST, "partner-reader", None),
                     (PolicyKind.IDENTITY, "partner-reader/partner-reader-policy", "List"),
                     (PolicyKind.IDENTITY, "partner-reader/partner-reader-policy", "Exports")]
    assert "data: s3:GetObject, s3:ListBucket (only under exports/)" in f.detail
    assert "sts:ExternalId" in f.fix and "partner-reader, statement 1" in f.fix
    assert f.view == ("role", f.role)
    assert [(s.source, s.target) for s in f.path] == [
        (f"account:{PARTNER}", f"role:{f.role}"), (f"role:{f.role}", "bucket:data")]


def test_external_id_says_so_but_does_not_lower_for_the_account_it_names(
    trust_graph: AccessGraph,
) -> None:
    f = _assumed(trust_graph)["vendor-writer"]
    assert f.principal == f"arn:aws:iam::{THIRD_PARTY}:root" and f.actions == ("s3:PutObject",)
    # Writing is high. The ExternalId guards the vendor against a confused deputy; the vendor
    # itself knows it, so the bucket is as exposed to that account as without it.
    assert f.severity is Severity.HIGH
    assert "(only with sts:ExternalId)" in f.title and f.bucket == "drop"
    assert any("sts:ExternalId must be v-42" in line for line in f.detail)
    assert "check account 444455556666 is meant to reach" in f.fix
    org = _assumed(trust_graph)["org-any"]
    assert org.principal == "*" and "aws:PrincipalOrgID" in org.title
    assert org.severity is Severity.MEDIUM  # any account (high for a read), org-conditioned


def test_chain_from_a_role_that_reaches_nothing(trust_graph: AccessGraph) -> None:
    f = _assumed(trust_graph)["inner-writer"]
    acct = trust_graph.snapshot.account_id
    assert f.principal == f"arn:aws:iam::{PARTNER}:role/etl"
    assert f.role == f"arn:aws:iam::{acct}:role/partner-hop"
    assert "etl of account 999988887777 can assume role partner-hop → inner-writer" in f.title
    assert f.severity is Severity.HIGH and f.actions == ("s3:GetObject", "s3:PutObject")
    assert [e.policy_name for e in f.evidence] == [
        "partner-hop", "inner-writer", "inner-writer/inner-writer-policy"]
    assert [s.target.rsplit("/", 1)[-1] for s in f.path] == [
        "partner-hop", "inner-writer", "bucket:drop"]
    assert "stop trust policy inner-writer, statement 1 of role inner-writer naming " \
        "partner-hop" in f.fix
    # The trust finding on the way in counts what the chain reaches too.
    broad = next(b for b in find(trust_graph) if b.category == "broad-trust"
                 and b.role == f.role)
    assert "(reaches 1 bucket(s))" in broad.title


def test_many_buckets_one_finding_and_stable_ids(trust_graph: AccessGraph) -> None:
    snap = trust_graph.snapshot
    wide = dataclasses.replace(
        next(r for r in snap.roles if r.name == "partner-reader"),
        inline_policies=(dataclasses.replace(
            next(r for r in snap.roles if r.name == "partner-reader").inline_policies[0],
            document={"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}),))
    extra = tuple(dataclasses.replace(snap.buckets[0], name=f"bulk-{i:03d}") for i in range(40))
    g = build_access_graph(dataclasses.replace(
        snap, roles=tuple(wide if r.name == "partner-reader" else r for r in snap.roles),
        buckets=snap.buckets + extra))
    f = _assumed(g)["partner-reader"]
    assert f.bucket is None and "reads objects in 42 buckets" in f.title
    assert len(f.buckets) == 42
    # Another account reading 42 buckets: medium for a read, one up for the breadth.
    assert f.severity is Severity.HIGH
    assert f.detail[-1] == "… and 32 more bucket(s)"
    assert f.id == _assumed(trust_graph)["partner-reader"].id
    shuffled = build_access_graph(dataclasses.replace(
        snap, roles=tuple(reversed(snap.roles)), buckets=tuple(reversed(snap.buckets))))
    assert {f.id: f.title for f in _assumed(shuffled).values()} == \
        {f.id: f.title for f in _assumed(trust_graph).values()}


def test_json_carries_role_account_bucket_and_evidence(trust_graph: AccessGraph) -> None:
    data = findings_json(trust_graph, find(trust_graph))
    f = next(f for f in data["findings"] if f["category"] == "cross-account"
             and f.get("role", "").endswith("/partner-reader"))
    assert f["principal"] == f"arn:aws:iam::{PARTNER}:root" and f["bucket"] == "data"
    assert [e["kind"] for e in f["evidence"]] == ["trust", "identity", "identity"]


def test_trust_that_cannot_be_read_is_unknown_not_silent(trust_graph: AccessGraph) -> None:
    snap = trust_graph.snapshot
    bad = Role(f"arn:aws:iam::{snap.account_id}:role/bad-trust", "bad-trust", {
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"},
            "Action": "sts:AssumeRole", "Condition": {"NoSuchOperator": {"aws:x": "y"}}}]},
        inline_policies=(InlinePolicy("read", {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"}]}),))
    f = _assumed(build_access_graph(dataclasses.replace(snap, roles=snap.roles + (bad,))))[
        "bad-trust"]
    assert f.severity is Severity.LOW and "may be able to assume role bad-trust" in f.title
    assert "unknown: assuming bad-trust: the trust policy could not be parsed" in f.detail
