"""who_can, explain, lookups, the networkx view, and SCPs (not in export folders)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from graph.access import AccessGraph, build_access_graph
from graph.errors import LookupFailed
from graph.model import AccountSnapshot, Scp
from graph.policy import Outcome, PolicyKind

from .helpers import role_arn


def test_who_can_lists_instances_roles_and_public(layers: AccessGraph) -> None:
    found = layers.who_can("public", action="s3:GetObject")
    kinds = {(p.kind, p.name) for p in found}
    assert ("public", "anyone (public)") in kinds
    assert ("instance", "app-1 (i-0000000000000a001)") in kinds
    assert ("role", "looper") in kinds  # the grant to "*" covers every role too
    # The lambda-trusted role may write, but no instance can get its credentials.
    writers = layers.who_can("public", level="write")
    # Roles count through their chains, as their traces do: hopper and target write as the
    # looper role they can assume.
    assert {(p.kind, p.id) for p in writers} == {
        ("instance", "i-0000000000000a005"), ("role", role_arn("looper")),
        ("role", role_arn("untrusted")), ("role", role_arn("hopper")),
        ("role", role_arn("target"))}
    hopper = next(p for p in writers if p.kind == "instance")
    assert hopper.via == (role_arn("hopper"), role_arn("target"), role_arn("looper"))
    role = next(p for p in writers if p.id == role_arn("hopper"))
    assert role.via == (role_arn("hopper"), role_arn("target"), role_arn("looper"))


def test_who_can_public_absent_when_blocked(layers: AccessGraph) -> None:
    assert not [p for p in layers.who_can("restricted") if p.kind == "public"]
    assert not [p for p in layers.who_can("acl-ignored") if p.kind == "public"]


def test_explain_gives_each_hop_and_its_evidence(layers: AccessGraph) -> None:
    x = layers.explain("hopper-1", "secure", "s3:ListBucket")
    assert [h.relation for h in x.hops] == ["runs as", "runs as", "can assume", "can access"]
    assert x.hops[1].evidence[0].policy_kind is PolicyKind.TRUST
    assert x.hops[2].source_id == f"role:{role_arn('hopper')}"
    assert x.access.outcome is Outcome.CONDITIONAL
    denied = layers.explain("app-1", "secure", "s3:GetObject")
    assert denied.access.outcome is Outcome.DENIED


def test_unknown_names_suggest_close_matches(layers: AccessGraph) -> None:
    with pytest.raises(LookupFailed) as err:
        layers.reachable_from_instance("app-2")
    assert "app-1" in err.value.suggestions
    with pytest.raises(LookupFailed) as err:
        layers.who_can("sekure")
    assert err.value.suggestions == ["secure"]


def test_networkx_nodes_and_edges(layers: AccessGraph) -> None:
    G = layers.graph
    assert G.nodes["instance:i-0000000000000a001"]["kind"] == "instance"
    profile = "profile:arn:aws:iam::111111111111:instance-profile/app"
    assert G.has_edge("instance:i-0000000000000a001", profile)
    assert G.has_edge(f"role:{role_arn('hopper')}", f"role:{role_arn('target')}")
    assert G.has_edge("service:ec2.amazonaws.com", f"role:{role_arn('app')}")
    assert G.has_edge("account:222222222222", f"role:{role_arn('partner-access')}")
    assert G.has_edge("public", "bucket:acl-public")
    assert not G.has_edge("public", "bucket:restricted") or all(
        d["outcome"] is Outcome.DENIED for d in G.get_edge_data("public", "bucket:restricted")
        .values())
    for _, _, d in G.edges(data=True):
        if d["relation"] == "can access":
            # Statements for every edge, except "unknown" ones that exist because a policy
            # could not be read (their answers say so).
            assert d["evidence"] or (d["outcome"] is Outcome.UNKNOWN and all(
                any("could not be read" in r for r in a.reasons)
                for a in d["actions"].values())), "every access edge carries its evidence"


def test_scp_blocks_what_identity_allows(layers_snapshot: AccountSnapshot) -> None:
    deny_put = Scp("DenyPut", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}]})
    snap = dataclasses.replace(layers_snapshot, scps=((deny_put,),))
    g = build_access_graph(snap)
    data = [b for b in g.reachable_from_instance("app-1", include_denied=True)
            if b.bucket == "data"][0]
    assert data.actions["s3:PutObject"].outcome is Outcome.DENIED
    assert data.actions["s3:PutObject"].blocked_by is PolicyKind.SCP
    assert data.actions["s3:GetObject"].outcome is Outcome.ALLOWED


def test_who_can_names_external_accounts_from_bucket_policy(layers: AccessGraph) -> None:
    partner = [p for p in layers.who_can("shared") if p.kind == "account"]
    assert [(p.id, sorted(p.actions)) for p in partner] == [
        ("222222222222", ["s3:GetObject", "s3:ListBucket"])]
    get = partner[0].actions["s3:GetObject"]
    assert [e.sid for e in get.evidence] == ["Partner"]
    assert any("not loaded" in r for r in get.reasons)
    assert layers.graph.has_edge("account:222222222222", "bucket:shared")


def _without_bucket_bpa(snapshot: AccountSnapshot, bucket: str) -> AccountSnapshot:
    buckets = tuple(dataclasses.replace(b, public_access_block=None) if b.name == bucket else b
                    for b in snapshot.buckets)
    return dataclasses.replace(snapshot, buckets=buckets)


def test_unreadable_bucket_policy_leaves_public_access_unknown(
        layers_snapshot: AccountSnapshot) -> None:
    # With Block Public Access fully on, an unreadable policy cannot open the bucket to anyone.
    assert not [p for p in build_access_graph(layers_snapshot).who_can("unknown")
                if p.kind == "public"]
    # Without it, the policy nobody could read may grant anything to anyone: never "no".
    g = build_access_graph(_without_bucket_bpa(layers_snapshot, "unknown"))
    public = [p for p in g.who_can("unknown") if p.kind == "public"]
    assert len(public) == 1
    get = public[0].actions["s3:GetObject"]
    assert get.outcome is Outcome.UNKNOWN
    assert any("could not be read" in r for r in get.reasons)
    assert public[0].actions["s3:PutBucketPolicy"].outcome is Outcome.UNKNOWN


def test_look_alike_buckets_share_answers_but_quote_their_own_statements(
        layers_snapshot: AccountSnapshot) -> None:
    public = next(b for b in layers_snapshot.buckets if b.name == "public")
    twin = dataclasses.replace(public, name="public-twin", policy=json.loads(
        json.dumps(public.policy).replace("arn:aws:s3:::public/", "arn:aws:s3:::public-twin/")))
    g = build_access_graph(dataclasses.replace(
        layers_snapshot, buckets=(*layers_snapshot.buckets, twin)))
    quoted = set()
    for name in ("public", "public-twin"):
        app = next(p for p in g.who_can(name) if p.kind == "role" and p.name == "app")
        get = app.actions["s3:GetObject"]
        assert get.outcome is Outcome.ALLOWED
        assert [e.label for e in get.evidence] == ["bucket policy, statement 1 (PublicRead)"]
        quoted.add(get.evidence[0].statement["Resource"])
        own = g.own_evidence(name, get.evidence)
        assert own[0].statement["Resource"] == f"arn:aws:s3:::{name}/site/*"
    assert len(quoted) == 1  # the shared answer quotes one of them; own_evidence corrects it
