"""The access graph's shared, class-wise answers equal the plain cell-by-cell oracle's.

Several seeded realistic accounts (realistic.py's hand-made ones, and the synth generator's);
every role × bucket × S3 action, every
instance whose answers are its own, and the public on every bucket. A cell the graph does not
list must be denied by the oracle; a listed cell must equal the oracle's answer in outcome,
reasons, evidence (the bucket's own statements), conditions, prefixes and blocking layer.
"""

from __future__ import annotations

import pytest

from graph.access import AccessGraph, build_access_graph
from graph.catalog import s3_actions
from graph.model import AccountSnapshot
from graph.policy import Outcome
from graph.sources import SourceSpec, open_source
from graph.sources.synth import write_synthetic

from .oracle import Oracle, same
from .realistic import realistic_account

ACCOUNTS = {
    "seed-1": dict(seed=1),
    "seed-2-scps": dict(seed=2, scps=True),
    "seed-3-wide": dict(seed=3, roles=40, buckets=30, policies=16),
    "seed-4-assumed": dict(seed=4),
    "seed-5-on-demand": dict(seed=5),
}


def _mismatches(g: AccessGraph, oracle: Oracle, snap: AccountSnapshot) -> list[str]:
    out: list[str] = []
    instances = {}
    for inst in snap.instances:
        for arn in g.data.instance_roles(inst):
            if oracle.instance_context(snap.role_by_arn[arn], inst):
                instances.setdefault(arn, []).append(inst)
    for role in snap.roles:
        for inst in [None, *instances.get(role.arn, [])[:3]]:
            for bucket in snap.buckets:
                listed = g.role_bucket(role.arn, bucket.name, inst)
                for action in s3_actions():
                    want = oracle.role_cell(role, bucket, action, inst)
                    got = listed.get(action.name)
                    where = f"{role.name} {bucket.name} {action.name} {inst and inst.instance_id}"
                    if got is None:
                        if want.outcome is not Outcome.DENIED:
                            out.append(f"{where}: not listed, oracle says {want.outcome}")
                        continue
                    got = _own(g, bucket.name, got)
                    if not same(got, want):
                        out.append(f"{where}: {_brief(got)} != {_brief(want)}")
    for bucket in snap.buckets:
        public = g.public_access(bucket.name)
        for action in s3_actions():
            want = oracle.public_cell(bucket, action)
            got = public.get(action.name)
            if got is None:
                if want is not None and want.outcome is not Outcome.DENIED:
                    out.append(f"public {bucket.name} {action.name}: not listed, oracle {want}")
            elif want is None:
                if got.outcome is not Outcome.DENIED:
                    out.append(f"public {bucket.name} {action.name}: {got}, oracle: denied")
            elif not same(_own(g, bucket.name, got), want):
                out.append(f"public {bucket.name} {action.name}: {got} != {want}")
    return out


def _brief(a) -> str:  # type: ignore[no-untyped-def]
    return (f"{a.outcome.value} {a.reasons} {[e.label for e in a.evidence]} "
            f"{[str(c) for c in a.conditions]} {a.prefixes} {a.blocked_by}")


def _own(g: AccessGraph, bucket: str, a):  # type: ignore[no-untyped-def]
    from dataclasses import replace
    return replace(a, evidence=g.own_evidence(bucket, a.evidence))


@pytest.fixture(scope="module", params=[11, 12])
def synth_snapshot(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                   ) -> AccountSnapshot:
    """An account from `rolemap snapshot synth`'s generator, below its small size."""
    folder = tmp_path_factory.mktemp(f"synth-{request.param}")
    write_synthetic(folder, roles=30, instances=120, buckets=30, policies=12,
                    seed=request.param)
    return open_source(SourceSpec(snapshot=str(folder))).snapshot


def test_synthetic_accounts_equal_the_oracle(synth_snapshot: AccountSnapshot) -> None:
    g = build_access_graph(synth_snapshot)
    bad = _mismatches(g, Oracle(synth_snapshot), synth_snapshot)
    assert not bad, f"{len(bad)} cells differ, first: " + "\n".join(bad[:5])


@pytest.mark.parametrize("name", sorted(ACCOUNTS))
def test_graph_equals_cell_by_cell_oracle(name: str) -> None:
    params = dict(ACCOUNTS[name])
    assumed = {"aws:SecureTransport": "true"} if name.endswith("assumed") else {}
    snap = realistic_account(**params)
    # On demand: each bucket's answers decided alone (as the app asks before the background
    # analysis is done), through the same caches.
    g = build_access_graph(snap, assumed=assumed, decide=not name.endswith("on-demand"))
    bad = _mismatches(g, Oracle(snap, assumed), snap)
    assert not bad, f"{len(bad)} cells differ, first: " + "\n".join(bad[:5])


def test_export_groups_read_from_class_answers_equal_per_action_groups() -> None:
    """The exports summarise a shared answer class by class; the rows must be those of the
    same answers walked action by action."""
    from graph.exports.rows import Summaries

    snap = realistic_account(3, roles=40, buckets=30, policies=16)
    g = build_access_graph(snap)
    checked = 0
    from graph.access.decide.trust import AssumeEdge
    from graph.policy import ConditionRef

    # Reached through a role whose trust is conditional or unknown: every granted answer
    # beyond the hop changes, and the class-by-class rows must still equal the walk.
    cond = ConditionRef(_some_statement(g), "StringEquals", "sts:ExternalId", ("x",), True)
    hop_sets = [(), (AssumeEdge("role:a", "arn:aws:iam::1:role/b", Outcome.CONDITIONAL,
                                ("only if sts:ExternalId is x",), (), (cond,)),),
                (AssumeEdge("role:a", "arn:aws:iam::1:role/b", Outcome.UNKNOWN,
                            ("the trust policy could not be read",), (), ()),)]
    changed = 0
    for include_denied in (False, True):
        for hops in hop_sets:
            by_class = Summaries(include_denied, False)
            by_action = Summaries(include_denied, False)
            for role in snap.roles:
                for res, _ in g.role_classes(role.arn):
                    got = by_class.groups(res, hops)
                    assert got == by_action.groups(dict(res.items()), hops)
                    changed += bool(hops) and got != by_class.groups(res)
                    checked += 1
    assert checked > 100
    assert changed > 10


def _some_statement(g: object) -> object:
    """Any statement quoted in an answer (a hop's condition needs one to name)."""
    for role in g.snapshot.roles:  # type: ignore[attr-defined]
        for res, _ in g.role_classes(role.arn):  # type: ignore[attr-defined]
            for a in res.values():
                if a.evidence:
                    return a.evidence[0]
    raise AssertionError("no evidence in the account")
