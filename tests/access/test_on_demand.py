"""Deciding on demand (the app's path before its background analysis is done) gives the very
answers of the full analysis: who-can on one bucket, a trace of one instance, every pair."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from graph.access import AccessGraph, ActionAccess, build_access_graph
from graph.model import AccountSnapshot
from graph.sources.export_folder import load_export_folder
from graph.sources.synth import SIZES, write_synthetic


@pytest.fixture(scope="module", params=[0, 1, 2])
def snapshot(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> AccountSnapshot:
    folder = tmp_path_factory.mktemp("acct") / "a"
    return load_export_folder(write_synthetic(folder, **vars(SIZES["small"]),
                                              seed=request.param))


def _seen(g: AccessGraph, bucket: str, acts: Mapping[str, ActionAccess]
          ) -> dict[str, tuple[object, ...]]:
    """What a person sees of each answer (evidence quoted from the bucket's own policy)."""
    return {k: (a.outcome, a.conditions, a.prefixes, a.blocked_by,
                g.own_evidence(bucket, a.evidence)) for k, a in acts.items()}


def test_who_can_before_analysis_equals_after(snapshot: AccountSnapshot) -> None:
    full = build_access_graph(snapshot)
    early = build_access_graph(snapshot, decide=False)
    for bucket in snapshot.buckets[::5]:
        found = early.who_can(bucket.name, include_denied=True)
        assert not early.data.role_reach, "a who-can decides one bucket, not whole roles"
        expected = full.who_can(bucket.name, include_denied=True)
        assert [(p.kind, p.id, p.via) for p in found] == \
            [(p.kind, p.id, p.via) for p in expected]
        for got, want in zip(found, expected, strict=True):
            assert _seen(early, bucket.name, got.actions) == \
                _seen(full, bucket.name, want.actions)


def test_trace_before_analysis_equals_after(snapshot: AccountSnapshot) -> None:
    full = build_access_graph(snapshot)
    early = build_access_graph(snapshot, decide=False)
    for inst in snapshot.instances[::7]:
        found = early.reachable_from_instance(inst.instance_id, include_denied=True)
        expected = full.reachable_from_instance(inst.instance_id, include_denied=True)
        assert [(a.bucket, a.via) for a in found] == [(a.bucket, a.via) for a in expected]
        for got, want in zip(found, expected, strict=True):
            assert _seen(early, got.bucket, got.actions) == _seen(full, want.bucket,
                                                                  want.actions)
    assert not early.complete
    assert early.decide_all() and early.complete


def test_every_pair_decided_alone_equals_the_role_reach(snapshot: AccountSnapshot) -> None:
    full = build_access_graph(snapshot)
    early = build_access_graph(snapshot, decide=False)
    for role in snapshot.roles:
        for bucket in snapshot.buckets:
            alone = early.data.bucket_answer(role.arn, bucket.name) or {}
            reach = full.data.role_reach[role.arn].lookup(full.data.bucket_by_name[bucket.name])
            assert _seen(early, bucket.name, alone) == _seen(full, bucket.name, reach or {})
    assert early.data.role_reach == {}, "no role was decided whole"


def test_decide_all_stops_when_cancelled(snapshot: AccountSnapshot) -> None:
    early = build_access_graph(snapshot, decide=False)
    calls = iter(range(10**6))
    assert early.decide_all(cancelled=lambda: next(calls) >= 5) is False
    assert len(early.data.role_reach) == 5 and not early.complete
    assert early.decide_all() is True and early.complete


def test_every_answer_quotes_only_the_roles_own_policies(snapshot: AccountSnapshot) -> None:
    """Buckets alike share one decided answer, and so do roles with the same account-wide
    statements: the answer must be decided on a bucket none of the role's statements names,
    or another role's Deny (or grant) would leak into it."""
    from graph.policy import PolicyKind

    g = build_access_graph(snapshot)
    names = {p.arn: p.name for p in snapshot.managed_policies}
    for role in snapshot.roles:
        own = {f"{role.name}/{p.name}" for p in role.inline_policies}
        own |= {names[arn] for arn in role.attached_policy_arns}
        if role.permissions_boundary_arn:
            own.add(names[role.permissions_boundary_arn])
        for bucket, actions in g.role_buckets(role.arn):
            for access in actions.values():
                quoted = {ref.policy_name for ref in access.evidence
                          if ref.policy_kind in (PolicyKind.IDENTITY, PolicyKind.BOUNDARY)}
                assert quoted <= own, (role.name, bucket, access.action, quoted - own)
