"""Every shape of the sweep (`snapshot synth --shape`, tests/bench_shapes.py) decided equal to the
cell-by-cell oracle: the shapes stress the paths a faster decision must keep exact (issue 24)."""

from __future__ import annotations

import pytest

from graph.access import build_access_graph
from graph.sources import SourceSpec, open_source
from graph.sources.synth import SHAPES, write_synthetic

from .oracle import Oracle
from .test_oracle import _mismatches


@pytest.mark.parametrize("name", sorted(set(SHAPES) - {"default"}))
def test_each_shape_equals_the_oracle(name: str, tmp_path_factory: pytest.TempPathFactory
                                      ) -> None:
    folder = tmp_path_factory.mktemp(f"shape-{name}")
    write_synthetic(folder, roles=30, instances=120, buckets=30, policies=12, seed=21,
                    shape=SHAPES[name])
    snap = open_source(SourceSpec(snapshot=str(folder))).snapshot
    bad = _mismatches(build_access_graph(snap), Oracle(snap), snap)
    assert not bad, f"{len(bad)} cells differ, first: " + "\n".join(bad[:5])
