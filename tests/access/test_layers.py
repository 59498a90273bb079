"""Each layer and each outcome kind on the hand-built `layers` account.

The account (tests/fixtures/accounts/layers) is an AWS CLI export folder; every expectation
below follows from AWS's documented rules for the statements it contains.
"""

from __future__ import annotations

from graph.access import AccessGraph, BucketAccess
from graph.policy import Outcome, PolicyKind

from .helpers import role_arn


def reach(g: AccessGraph, instance: str, bucket: str, include_denied: bool = False,
          via_len: int = 1) -> BucketAccess | None:
    for ba in g.reachable_from_instance(instance, include_denied=include_denied):
        if ba.bucket == bucket and len(ba.via) == via_len:
            return ba
    return None


def outcome(ba: BucketAccess | None, action: str) -> Outcome | None:
    if ba is None or action not in ba.actions:
        return None
    return ba.actions[action].outcome


def test_identity_policy_grants_with_evidence(layers: AccessGraph) -> None:
    ba = reach(layers, "app-1", "data")
    assert outcome(ba, "s3:GetObject") is Outcome.ALLOWED
    assert outcome(ba, "s3:ListBucket") is Outcome.ALLOWED
    evidence = ba.actions["s3:GetObject"].evidence
    assert [(e.policy_name, e.index) for e in evidence] == [("app/app-s3", 0)]


def test_grant_limited_to_prefix_shows_prefix(layers: AccessGraph) -> None:
    ba = reach(layers, "app-1", "data")
    assert ba.actions["s3:PutObject"].prefixes == ("uploads/",)
    assert ba.actions["s3:GetObject"].prefixes == ()


def test_explicit_deny_wins_and_is_only_shown_when_asked(layers: AccessGraph) -> None:
    assert "s3:DeleteObject" not in reach(layers, "app-1", "data").actions
    denied = reach(layers, "app-1", "data", include_denied=True).actions["s3:DeleteObject"]
    assert denied.outcome is Outcome.DENIED
    assert denied.blocked_by is PolicyKind.IDENTITY
    assert denied.evidence[0].effect == "Deny"


def test_permissions_boundary_cuts_a_grant(layers: AccessGraph) -> None:
    ba = reach(layers, "bounded-1", "data", include_denied=True)
    assert outcome(ba, "s3:GetObject") is Outcome.ALLOWED
    put = ba.actions["s3:PutObject"]
    assert put.outcome is Outcome.DENIED
    assert put.blocked_by is PolicyKind.BOUNDARY


def test_bucket_policy_grant_to_role_arn_needs_no_identity_policy(layers: AccessGraph) -> None:
    ba = reach(layers, "named-1", "shared")
    assert outcome(ba, "s3:GetObject") is Outcome.ALLOWED
    assert ba.actions["s3:GetObject"].evidence[0].sid == "NamedRole"
    assert outcome(ba, "s3:ListBucket") is None  # granted to the partner account only


def test_deny_on_insecure_transport_is_conditional_until_assumed(layers: AccessGraph) -> None:
    ba = reach(layers, "reader-1", "secure")
    get = ba.actions["s3:GetObject"]
    assert get.outcome is Outcome.CONDITIONAL
    assert [(c.key, c.must_hold) for c in get.conditions] == [("aws:SecureTransport", False)]
    secure = layers.with_assumed({"aws:SecureTransport": "true"})
    assert outcome(reach(secure, "reader-1", "secure"), "s3:GetObject") is Outcome.ALLOWED
    insecure = layers.with_assumed({"aws:SecureTransport": "false"})
    assert reach(insecure, "reader-1", "secure") is None


def test_unreadable_bucket_policy_makes_grants_unknown(layers: AccessGraph) -> None:
    ba = reach(layers, "reader-1", "unknown")
    get = ba.actions["s3:GetObject"]
    assert get.outcome is Outcome.UNKNOWN
    assert any("could not be read" in r for r in get.reasons)


def test_instance_context_decides_per_instance(layers: AccessGraph) -> None:
    # aws:EC2InstanceSourceVPC comes from the instance: known, not conditional.
    assert outcome(reach(layers, "vpc-a-1", "data"), "s3:GetObject") is Outcome.ALLOWED
    assert reach(layers, "vpc-b-1", "data") is None
    # For the role alone (no instance) the key is unknown: conditional.
    by_role = [b for b in layers.reachable_from_role(role_arn("vpc-only")) if b.bucket == "data"]
    assert by_role[0].actions["s3:GetObject"].outcome is Outcome.CONDITIONAL


def test_who_can_decides_instance_keys_per_instance_even_with_one_shared_role(
    layers: AccessGraph,
) -> None:
    # Both instances act as the same role; only the one in the allowed VPC reaches "data".
    snapshot = layers.snapshot
    roles = {i.name: layers.data.instance_roles(i) for i in snapshot.instances
             if i.name in ("vpc-a-1", "vpc-b-1")}
    assert roles["vpc-a-1"] == roles["vpc-b-1"] == (role_arn("vpc-only"),)
    names = {p.name.split(" ")[0]: p for p in layers.who_can("data", include_denied=True)
             if p.kind == "instance"}
    assert names["vpc-a-1"].actions["s3:GetObject"].outcome is Outcome.ALLOWED
    assert "vpc-b-1" not in names or names["vpc-b-1"].actions["s3:GetObject"].outcome \
        is Outcome.DENIED
    reaching = {p.name.split(" ")[0] for p in layers.who_can("data", action="s3:GetObject")}
    assert "vpc-a-1" in reaching and "vpc-b-1" not in reaching


def test_role_whose_trust_excludes_ec2_gives_the_instance_nothing(layers: AccessGraph) -> None:
    assert layers.reachable_from_instance("lambda-role-1") == []
    assert layers.reachable_from_role(role_arn("untrusted"))  # the role itself can reach


def test_role_chaining_is_transitive_and_survives_cycles(layers: AccessGraph) -> None:
    direct = reach(layers, "hopper-1", "secure")
    assert direct is None  # hopper itself has no S3 grant on secure
    chained = reach(layers, "hopper-1", "secure", via_len=2)
    assert chained.via == (role_arn("hopper"), role_arn("target"))
    assert chained.actions["s3:ListBucket"].outcome is Outcome.CONDITIONAL
    looped = reach(layers, "hopper-1", "public", via_len=3)
    assert looped.via == (role_arn("hopper"), role_arn("target"), role_arn("looper"))
    assert looped.actions["s3:PutObject"].outcome is Outcome.ALLOWED
    assert not [b for b in layers.reachable_from_instance("hopper-1") if len(b.via) > 3]


def test_public_access_by_policy_acl_and_block_public_access(layers: AccessGraph) -> None:
    public = layers.public_access("public")
    assert public["s3:GetObject"].outcome is Outcome.ALLOWED
    assert public["s3:GetObject"].prefixes == ("site/",)
    restricted = layers.public_access("restricted")["s3:GetObject"]
    assert restricted.outcome is Outcome.DENIED
    assert "RestrictPublicBuckets" in restricted.reasons[0]
    acl = layers.public_access("acl-public")
    assert acl["s3:ListBucket"].outcome is Outcome.ALLOWED
    assert acl["s3:ListBucket"].evidence[0].sid == "ACL AllUsers READ"
    assert layers.public_access("acl-ignored") == {}
    assert layers.public_access("data") == {}


def test_public_acl_reaches_roles_too_unless_ignored(layers: AccessGraph) -> None:
    assert outcome(reach(layers, "app-1", "acl-public"), "s3:ListBucket") is Outcome.ALLOWED
    assert reach(layers, "app-1", "acl-ignored") is None


def test_instance_without_profile_reaches_nothing(layers: AccessGraph) -> None:
    assert layers.reachable_from_instance("no-profile-1") == []


def test_unreadable_bucket_policy_never_turns_into_a_silent_no(layers: AccessGraph) -> None:
    # reader-1's role grants nothing like PutBucketTagging; the unread policy might.
    ba = reach(layers, "reader-1", "unknown")
    tagging = ba.actions["s3:PutBucketTagging"]
    assert tagging.outcome is Outcome.UNKNOWN
    assert any("may grant" in r for r in tagging.reasons)
    # Every role in the account is a "maybe" for that bucket, listed as such by who-can.
    maybe = {p.name for p in layers.who_can("unknown") if p.kind == "role"}
    assert {"app", "looper"} <= maybe
