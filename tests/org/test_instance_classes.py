"""An export works out the rows of instances that cannot differ once (query/instance_class.py):
the same profile and route, no statement reading their own address. Where a bucket policy
reads the address (`aws:SourceIp`, here another account's), each instance keeps its own
rows, whichever comes first."""

from __future__ import annotations

import dataclasses

import pytest

from graph.access.query.graph import AccessGraph
from graph.exports.rows import rows
from graph.model import Instance
from graph.org.analysis import analyse_account
from graph.org.index import build_index

from .scenario import WORK, MemoryOrg
from .test_foreign_source_ip import _org

Body = frozenset[tuple[tuple[str, object], ...]]


def _rows_by_instance(source: MemoryOrg, order: tuple[Instance, ...]) -> dict[str, Body]:
    """Each instance's export rows, less its own columns, with the instances in `order`."""
    work = dataclasses.replace(source.snapshots[WORK], instances=order)
    org = dataclasses.replace(source, snapshots={**source.snapshots, WORK: work})
    g = analyse_account(org, build_index(org), WORK)
    out: dict[str, set[tuple[tuple[str, object], ...]]] = {}
    for row in rows(g, "default"):
        out.setdefault(row["instance_id"], set()).add(tuple(
            (k, tuple(v) if isinstance(v, list) else v) for k, v in row.items()
            if k not in ("instance_id", "instance_name")))
    return {k: frozenset(v) for k, v in out.items()}


def _allowed(body: Body) -> set[object]:
    """The buckets the instance may use (the lost account's chain stays unknown for all)."""
    return {dict(row)["bucket"] for row in body if dict(row)["outcome"] == "allowed"}


def test_an_address_read_by_a_bucket_policy_keeps_each_instance_its_own_rows() -> None:
    source, placed, twin = _org()
    for order in ((placed, twin), (twin, placed)):
        got = _rows_by_instance(source, order)
        assert "org-shared" in _allowed(got[placed.instance_id])
        assert "org-shared" not in _allowed(got[twin.instance_id])


def test_instances_of_one_class_share_their_rows_worked_out_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    source, placed, twin = _org(by_address=False)
    asked: list[str] = []
    original = AccessGraph.network_classes

    def counted(self: AccessGraph, inst: Instance, *rest: object) -> object:
        asked.append(inst.instance_id)
        return original(self, inst, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(AccessGraph, "network_classes", counted)
    got = _rows_by_instance(source, (placed, twin))
    assert "org-shared" in _allowed(got[placed.instance_id])
    assert got[placed.instance_id] == got[twin.instance_id]
    # Each of the role's chains was worked out for the first instance only.
    assert asked and set(asked) == {placed.instance_id}
