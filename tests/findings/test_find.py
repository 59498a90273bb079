"""Every category found on a hand-built account, each near-miss left out, ids stable."""

from __future__ import annotations

import dataclasses

from graph.access import AccessGraph, build_access_graph
from graph.findings import Finding, Severity, escalations, find
from graph.model import AccountSnapshot, BlockPublicAccess
from graph.policy import PolicyKind

from .account import PARTNER, THIRD_PARTY


def _by(findings: tuple[Finding, ...], category: str) -> dict[str, Finding]:
    """Findings of one category keyed by their main subject (bucket, role name, instance)."""
    out: dict[str, Finding] = {}
    for f in findings:
        if f.category != category:
            continue
        key = f.bucket if category in ("public-bucket", "cross-account") else None
        if category == "cross-account" and f.view and f.view[0] == "role":
            key = "via " + f.view[1].rsplit("/", 1)[-1]  # through a role it may assume
        if key is None and category in ("admin-role", "broad-trust"):
            key = (f.role or "").rsplit("/", 1)[-1]
        if key is None:
            key = f.role.rsplit("/", 1)[-1] if category == "privilege-escalation" else (
                f.instance or "")
        out[key] = f
    return out


def _name(snap: AccountSnapshot, instance_id: str | None) -> str:
    return snap.instance_by_id[instance_id or ""].name


def test_public_buckets_after_block_public_access(findings_graph: AccessGraph) -> None:
    public = _by(find(findings_graph), "public-bucket")
    assert set(public) == {"pub-open", "pub-write", "pub-ip"}  # pub-blocked is blocked
    assert public["pub-write"].severity is Severity.CRITICAL
    assert public["pub-open"].severity is Severity.HIGH
    assert public["pub-open"].actions == ("s3:GetObject",)
    assert [e.sid for e in public["pub-open"].evidence] == ["Public"]
    assert "put-public-access-block --bucket pub-open" in public["pub-open"].fix
    # A grant conditioned on the source IP is reported as such, lower.
    assert public["pub-ip"].severity is Severity.MEDIUM
    assert "aws:SourceIp" in public["pub-ip"].title


def test_cross_account_names_account_actions_and_prefix(findings_graph: AccessGraph) -> None:
    shared = _by(find(findings_graph), "cross-account")
    # logs-svc is scoped to this account; roles other accounts may assume count too.
    assert set(shared) == {"shared", "cf-svc", "via third-party", "via vendor", "via anyone"}
    partner = shared["shared"]
    assert partner.principal == f"arn:aws:iam::{PARTNER}:root"
    assert PARTNER in partner.title and "reports/" in partner.title
    assert partner.actions == ("s3:GetObject",) and partner.severity is Severity.MEDIUM
    assert "cloudfront.amazonaws.com" in shared["cf-svc"].title
    assert shared["cf-svc"].severity is Severity.LOW
    # third-party reads private, and pub-blocked (whose "*" grant Block Public Access keeps to
    # this account's principals: the role is one); what anyone may do anyway is left out.
    third = shared["via third-party"]
    assert "account 444455556666 can assume role third-party, which reads objects in 2 buckets" \
        in third.title
    assert [line.split(":")[0] for line in third.detail[1:]] == ["private", "pub-blocked"]
    assert third.severity is Severity.MEDIUM
    assert shared["via anyone"].principal == "*" and shared["via anyone"].bucket == "pub-blocked"
    assert shared["via anyone"].severity is Severity.HIGH
    # ExternalId guards the vendor against a confused deputy, not the bucket against the
    # vendor: a read by another account stays medium.
    assert shared["via vendor"].severity is Severity.MEDIUM


def test_admin_roles_by_engine_higher_when_instances_run_as_them(
        findings_graph: AccessGraph) -> None:
    admins = _by(find(findings_graph), "admin-role")
    assert set(admins) == {"admin-ec2", "power"}
    assert admins["admin-ec2"].severity is Severity.CRITICAL  # admin-1 runs as it
    assert admins["power"].severity is Severity.MEDIUM  # NotAction, no instance
    assert "nearly" in admins["power"].title
    assert admins["admin-ec2"].evidence[0].policy_kind is PolicyKind.IDENTITY


def test_escalation_paths_with_statements_and_gains(
        findings_graph: AccessGraph, findings_snapshot: AccountSnapshot) -> None:
    esc = _by(find(findings_graph), "privilege-escalation")
    # near-passer may only pass a role without an instance profile: not an escalation;
    # admin-ec2 is an administrator already (reported as admin-role).
    assert set(esc) == {"escalator", "self-writer"}
    launch = esc["escalator"]
    assert _name(findings_snapshot, launch.instance) == "esc-1"
    assert "PassRole + RunInstances → role data-writer" in launch.title
    assert launch.principal.endswith(":role/data-writer")
    assert {e.sid or str(e.index) for e in launch.evidence} == {"0", "1"}
    assert "gains on private: s3:PutObject" in launch.detail
    assert launch.severity is Severity.HIGH
    assert any(step.escalation for step in launch.path)
    writer = esc["self-writer"]
    assert writer.severity is Severity.CRITICAL and "PutRolePolicy" in writer.title
    paths = escalations(findings_graph)
    assert {p.role.rsplit("/", 1)[-1] for p in paths} == {"escalator", "self-writer"}


def test_broad_trust_but_not_with_external_id(findings_graph: AccessGraph) -> None:
    broad = _by(find(findings_graph), "broad-trust")
    assert set(broad) == {"anyone", "third-party"}  # vendor has an ExternalId
    assert broad["anyone"].severity is Severity.CRITICAL
    assert broad["third-party"].severity is Severity.HIGH
    assert THIRD_PARTY in broad["third-party"].title
    assert broad["third-party"].evidence[0].policy_kind is PolicyKind.TRUST


def test_instance_exposure_needs_public_ip_and_imdsv1(
        findings_graph: AccessGraph, findings_snapshot: AccountSnapshot) -> None:
    exposed = [f for f in find(findings_graph) if f.category == "instance-exposure"]
    assert [_name(findings_snapshot, f.instance) for f in exposed] == ["web-exposed"]
    f = exposed[0]
    # What the public can do anyway is not counted; a public grant that Block Public Access
    # confines to this account's principals is (the stolen credentials are this account's).
    assert f.actions == ("s3:GetObject",) and "reads objects in 2 buckets" in f.title
    assert set(f.buckets) == {"shared", "pub-blocked"}
    assert [line.split(":")[0] for line in f.detail] == ["exposed", "pub-blocked", "shared"]
    # Reading objects is medium; the open door (public IP, IMDSv1, running) raises it.
    assert f.severity is Severity.HIGH
    assert "--http-tokens required" in f.fix
    web_safe = next(i for i in findings_snapshot.instances if i.name == "web-safe")
    assert web_safe.public_ip and web_safe.imdsv1_allowed is False


def test_no_block_public_access_and_account_level_setting(
        findings_snapshot: AccountSnapshot, findings_graph: AccessGraph) -> None:
    # One finding for the account (its setting is the one fix), listing every bucket.
    off = [f for f in find(findings_graph) if f.category == "no-block-public-access"]
    assert len(off) == 1
    assert set(off[0].buckets) == {"pub-open", "pub-write", "pub-ip"}
    assert off[0].severity is Severity.MEDIUM  # the worst of them: something is public
    assert "3 bucket(s)" in off[0].title
    assert "put-public-access-block --account-id" in off[0].fix
    # Account-level Block Public Access on: nothing is off, and nothing is public.
    account = dataclasses.replace(findings_snapshot.account,
                                  public_access_block=BlockPublicAccess(True, True, True, True))
    blocked = build_access_graph(dataclasses.replace(findings_snapshot, account=account))
    cats = {f.category for f in find(blocked)}
    assert "no-block-public-access" not in cats and "public-bucket" not in cats


def test_ranked_ids_stable_and_min_severity(
        findings_snapshot: AccountSnapshot, findings_graph: AccessGraph) -> None:
    first = find(findings_graph)
    ranks = [f.rank for f in first]
    assert ranks == sorted(ranks, reverse=True)
    assert len({f.id for f in first}) == len(first)
    shuffled = dataclasses.replace(
        findings_snapshot, roles=tuple(reversed(findings_snapshot.roles)),
        buckets=tuple(reversed(findings_snapshot.buckets)),
        instances=tuple(reversed(findings_snapshot.instances)))
    again = find(build_access_graph(shuffled))
    assert {f.id: f.title for f in again} == {f.id: f.title for f in first}
    high = find(findings_graph, min_severity="high")
    assert high and all(f.rank >= Severity.HIGH.rank for f in high)
    assert len(high) < len(first)
