"""Benchmark: findings on a realistic synthetic account, next to the analysis they build on.

    python tests/bench_findings.py                                   # 1,000 / 10,000 / 1,000
    python tests/bench_findings.py --roles 5000 --instances 50000 --buckets 5000

Writes the synthetic account (`rolemap snapshot synth`'s generator, an AWS CLI export folder)
into a temporary directory unless --folder names an existing one, then times load, analysis
and `graph.findings.find` in this process and prints the findings per category and severity.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.access import build_access_graph  # noqa: E402
from graph.findings import escalations, find  # noqa: E402
from graph.sources import SourceSpec, open_source  # noqa: E402
from graph.sources.synth import write_synthetic  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roles", type=int, default=1000)
    parser.add_argument("--instances", type=int, default=10000)
    parser.add_argument("--buckets", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folder", help="an existing export folder (skips generation)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.folder) if args.folder else Path(tmp) / "account"
        if not args.folder:
            t = time.perf_counter()
            write_synthetic(folder, roles=args.roles, instances=args.instances,
                            buckets=args.buckets, seed=args.seed)
            print(f"generate  {time.perf_counter() - t:6.1f} s", flush=True)
        # CPU seconds next to wall seconds: on a shared machine the wall clock measures the
        # neighbours too.
        t0, c0 = time.perf_counter(), time.process_time()
        snapshot = open_source(SourceSpec(snapshot=str(folder))).snapshot
        t1, c1 = time.perf_counter(), time.process_time()
        print(f"load      {t1 - t0:6.1f} s  ({c1 - c0:.1f} s CPU; {len(snapshot.roles)} roles, "
              f"{len(snapshot.instances)} instances, {len(snapshot.buckets)} buckets)",
              flush=True)
        g = build_access_graph(snapshot)
        t2, c2 = time.perf_counter(), time.process_time()
        print(f"analyse   {t2 - t1:6.1f} s  ({c2 - c1:.1f} s CPU)  peak {peak_mb():.0f} MB",
              flush=True)
        findings = find(g)
        t3, c3 = time.perf_counter(), time.process_time()
        print(f"findings  {t3 - t2:6.1f} s  ({c3 - c2:.1f} s CPU = {(c3 - c2) / (c2 - c1):.2f}× "
              f"the analysis; {len(findings)} findings, {len(escalations(g))} escalation "
              f"paths)  peak {peak_mb():.0f} MB", flush=True)
        by_category = Counter(f.category for f in findings)
        by_severity = Counter(f.severity.value for f in findings)
        print("          " + ", ".join(f"{n} {c}" for c, n in by_category.most_common()))
        print("          " + ", ".join(f"{n} {s}" for s, n in by_severity.most_common()))
        print(f"total     {t3 - t0:6.1f} s (load + analyse + findings)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
