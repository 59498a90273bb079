"""Decisions per second: a role with 20 statements against a bucket policy with 10 (issue #2).

Target: at least 100,000 decisions/s on one core. `pytest --benchmark-enable
tests/policy/test_benchmark.py` reports pytest-benchmark's statistics (decisions/s = batch size
/ mean). The README figure comes from `python tests/bench_engine.py` (timed assertions would make CI flaky).
"""

from __future__ import annotations

from typing import Any

from graph.policy import Verdict

from .bench_workload import compiled, decide_all, requests

TARGET = 100_000
BATCH = 5000


def test_workload_gives_a_mix_of_answers() -> None:
    # A benchmark of one repeated answer would measure a cache, not the engine.
    principal, bucket = compiled()
    verdicts = {d.verdict for d in decide_all(principal, bucket, requests(400))}
    assert verdicts == {Verdict.ALLOW, Verdict.IMPLICIT_DENY, Verdict.EXPLICIT_DENY}


def test_decisions_per_second(benchmark: Any) -> None:
    batch = requests(BATCH)
    principal, bucket = compiled()
    results = benchmark(decide_all, principal, bucket, batch)
    assert len(results) == BATCH
    stats = getattr(benchmark, "stats", None)
    if stats is not None and getattr(stats, "stats", None) is not None:
        benchmark.extra_info["decisions_per_second"] = round(BATCH / stats.stats.mean)
    # No timed assertion: CI machines are shared. The figure goes to the README from
    # `python tests/bench_engine.py`; the target is TARGET.
