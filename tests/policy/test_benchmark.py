"""Decisions per second: a role with 20 statements against a bucket policy with 10 (issue #2).

Target: at least 100,000 decisions/s on one core. The default test run disables benchmarks, and
then no timed assertion is made (CI machines are shared). `pytest --benchmark-enable
tests/policy/test_benchmark.py` measures with pytest-benchmark and checks the target against its
fastest round; `python tests/bench_engine.py` prints the README figure without pytest.
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
    # Warm, reused policies answer like freshly compiled ones (caches change speed, not answers).
    fresh_principal, fresh_bucket = compiled()
    fresh = decide_all(fresh_principal, fresh_bucket, batch[:500])
    assert [d.verdict for d in results[:500]] == [d.verdict for d in fresh]
    if not benchmark.enabled:
        return
    rate = BATCH / benchmark.stats.stats.min
    benchmark.extra_info["decisions_per_second"] = round(rate)
    assert rate >= TARGET, f"{rate:,.0f} decisions/s, target {TARGET:,}"
