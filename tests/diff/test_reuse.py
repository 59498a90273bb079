"""Deciding the second snapshot with the first one's answers: same answers, less work.

The oracle is the plain path: the second snapshot decided on its own. Every mutation of a
generated account must give the same per-action rows and the same diff both ways.
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from graph.access import AccessGraph, build_access_graph
from graph.diff import analyse_pair, diff_graphs
from graph.model import AccountSnapshot, BlockPublicAccess, InlinePolicy
from graph.sources import SourceSpec, open_source
from tui.cli import main

from .accounts import base, doc, statement_added


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> AccountSnapshot:
    out = tmp_path_factory.mktemp("synth") / "acct"
    assert main(["snapshot", "synth", str(out), "--roles", "60", "--instances", "200",
                 "--buckets", "40"]) == 0
    return open_source(SourceSpec(snapshot=str(out))).snapshot


def _answers(g: AccessGraph) -> dict[tuple[str, str, str], tuple[object, ...]]:
    """Every third role's answer on every bucket, as a person would read it."""
    out = {}
    for role in g.snapshot.roles[::3]:
        for bucket in g.snapshot.buckets:
            for name, a in g.role_bucket(role.arn, bucket.name).items():
                refs = g.own_evidence(bucket.name, a.evidence)
                out[(role.arn, bucket.name, name)] = (
                    a.outcome, a.prefixes, tuple(r.label for r in refs),
                    tuple(str(c) for c in a.conditions))
        out[("public", "", "")] = tuple(sorted(
            (b.name, k, a.outcome.value) for b in g.snapshot.buckets
            for k, a in g.public_access(b.name).items()))
    return out


def _mutations(snap: AccountSnapshot, rng: random.Random) -> list[AccountSnapshot]:
    """One change each: a role's new statement, a bucket policy, Block Public Access off
    everywhere, account Block Public Access on, a managed policy's document, a bucket deleted
    and one created (other bucket names: nothing index-based is shared), an instance moved
    to another profile."""
    out = []
    role = rng.choice(snap.roles)
    bucket = rng.choice(snap.buckets)
    grant = doc({"Effect": "Allow", "Action": ["s3:Get*", "s3:PutObject"],
                 "Resource": [f"arn:aws:s3:::{bucket.name}/*"]})
    roles = tuple(replace(r, inline_policies=r.inline_policies + (InlinePolicy("extra", grant),))
                  if r is role else r for r in snap.roles)
    out.append(replace(snap, roles=roles))
    public = doc({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                  "Resource": f"arn:aws:s3:::{bucket.name}/pub/*"})
    out.append(replace(snap, buckets=tuple(replace(b, policy=public) if b is bucket else b
                                           for b in snap.buckets)))
    out.append(replace(snap, buckets=tuple(replace(b, public_access_block=None)
                                           for b in snap.buckets)))
    out.append(replace(snap, account=replace(snap.account, public_access_block=BlockPublicAccess(
        True, True, True, True))))
    if snap.managed_policies:
        mp = rng.choice([p for p in snap.managed_policies if not p.is_aws_managed]
                        or snap.managed_policies)
        wider = doc({"Effect": "Allow", "Action": ["s3:GetObject", "s3:DeleteObject"],
                     "Resource": f"arn:aws:s3:::{bucket.name}/*"})
        out.append(replace(snap, managed_policies=tuple(
            replace(p, document=wider, default_version_id="v9") if p is mp else p
            for p in snap.managed_policies)))
    others = [b for b in snap.buckets if b is not bucket]
    out.append(replace(snap, buckets=(*others[1:], replace(bucket, name="created-tonight"))))
    with_profile = [i for i in snap.instances if i.instance_profile_arn]
    if with_profile and len(snap.instance_profiles) > 1:
        moved = rng.choice(with_profile)
        other = rng.choice([p for p in snap.instance_profiles
                            if p.arn != moved.instance_profile_arn])
        out.append(replace(snap, instances=tuple(
            replace(i, instance_profile_arn=other.arn) if i is moved else i
            for i in snap.instances)))
    return out


def test_reused_answers_equal_fresh_ones(generated: AccountSnapshot) -> None:
    rng = random.Random(16)
    old = build_access_graph(generated)
    for changed in _mutations(generated, rng):
        reused = build_access_graph(changed, reuse_from=old)
        fresh = build_access_graph(changed)
        assert _answers(reused) == _answers(fresh)
        assert diff_graphs(old, reused) == diff_graphs(old, fresh)


def test_the_same_snapshot_is_not_decided_twice(generated: AccountSnapshot) -> None:
    old, new = analyse_pair(generated, generated)
    assert old.data.decider.calls > 0
    assert new.data.decider.calls == 0
    assert diff_graphs(old, new).rows == ()


def test_one_changed_role_costs_only_its_own_decisions() -> None:
    old, new = analyse_pair(base(), statement_added(base()))
    fresh = build_access_graph(statement_added(base()))
    assert 0 < new.data.decider.calls < fresh.data.decider.calls


def test_other_context_or_account_settings_share_no_decisions(
        generated: AccountSnapshot) -> None:
    old = build_access_graph(generated)
    other = build_access_graph(generated, assumed={"aws:SecureTransport": "false"},
                               reuse_from=old)
    alone = build_access_graph(generated, assumed={"aws:SecureTransport": "false"})
    assert other.data.decider.calls == alone.data.decider.calls > 0
    assert _answers(other) == _answers(build_access_graph(
        generated, assumed={"aws:SecureTransport": "false"}))


def test_taken_at_round_trips_and_export_folders_use_file_times(
        tmp_path: Path, generated: AccountSnapshot) -> None:
    from graph.sources.snapshot_file import load_snapshot, save_snapshot

    save_snapshot(replace(generated, taken_at="2026-03-04T05:06:07+00:00"), tmp_path / "s.json")
    assert load_snapshot(tmp_path / "s.json").taken_at == "2026-03-04T05:06:07+00:00"
    folder = Path(generated.source.label)
    import os

    for path in folder.rglob("*.json"):
        os.utime(path, (1_700_000_000, 1_700_000_000))
    again = open_source(SourceSpec(snapshot=str(folder))).snapshot
    assert again.taken_at == "2023-11-14T22:13:20+00:00"


def test_a_nights_drift_reused_equals_fresh(tmp_path: Path) -> None:
    """The golden diff's account (small, seed 0) after tests/bench_diff.py's night of drift:
    a bucket created with a policy copied from another bucket (its statements name that
    bucket, so its TLS deny does not apply here) once read back the first side's answer
    ("conditional on TLS") where deciding it afresh says "allowed"."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bench_diff import drift

    out = tmp_path / "small.json"
    assert main(["snapshot", "synth", str(out), "--size", "small", "--seed", "0"]) == 0
    snap = open_source(SourceSpec(snapshot=str(out))).snapshot
    changed = drift(snap)
    old = build_access_graph(snap)
    reused = build_access_graph(changed, reuse_from=old)
    fresh = build_access_graph(changed)
    new = {b.name for b in changed.buckets} - {b.name for b in snap.buckets}
    assert new
    for role in changed.roles:
        for name in new:
            assert dict(reused.role_bucket(role.arn, name)) == dict(
                fresh.role_bucket(role.arn, name)), (role.name, name)
    assert diff_graphs(old, reused) == diff_graphs(old, fresh)
