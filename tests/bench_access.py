"""Benchmark: synthetic account -> load -> access graph -> export, with seconds and peak memory.

    python tests/bench_access.py --roles 1000 --instances 10000 --buckets 1000
    python tests/bench_access.py --roles 5000 --instances 50000 --buckets 5000 --by-role

Writes the synthetic account (the sources' `write_synthetic`, an AWS CLI export folder) into a
temporary directory unless --folder names an existing one, then times each phase in this
process. Peak memory is the process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.access import build_access_graph  # noqa: E402
from graph.exports import export  # noqa: E402
from graph.sources import SourceSpec, open_source  # noqa: E402
from graph.sources.synth import write_synthetic  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roles", type=int, default=1000)
    parser.add_argument("--instances", type=int, default=10000)
    parser.add_argument("--buckets", type=int, default=1000)
    parser.add_argument("--folder", help="an existing export folder (skips generation)")
    parser.add_argument("--format", default="csv", choices=("csv", "json", "md"))
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument("--by-role", action="store_true")
    shape.add_argument("--per-action", action="store_true")
    parser.add_argument("--graph", action="store_true", help="also build the networkx graph")
    parser.add_argument("--output", help="export file (default: a temporary file; /dev/null "
                                         "measures everything but the disk)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.folder) if args.folder else Path(tmp) / "account"
        if not args.folder:
            t = time.perf_counter()
            write_synthetic(folder, roles=args.roles, instances=args.instances,
                            buckets=args.buckets)
            print(f"generate  {time.perf_counter() - t:6.1f} s", flush=True)
        t0 = time.perf_counter()
        snapshot = open_source(SourceSpec(snapshot=str(folder))).snapshot
        t1 = time.perf_counter()
        print(f"load      {t1 - t0:6.1f} s  ({len(snapshot.roles)} roles, "
              f"{len(snapshot.instances)} instances, {len(snapshot.buckets)} buckets)  "
              f"peak {peak_mb():.0f} MB", flush=True)
        g = build_access_graph(snapshot)
        t2 = time.perf_counter()
        print(f"analyse   {t2 - t1:6.1f} s  ({g.data.decider.calls} engine calls)  "
              f"peak {peak_mb():.0f} MB", flush=True)
        if args.graph:
            graph = g.graph
            t3 = time.perf_counter()
            print(f"networkx  {t3 - t2:6.1f} s  ({graph.number_of_edges()} edges)  "
                  f"peak {peak_mb():.0f} MB", flush=True)
            t2 = t3
        mode = "by-role" if args.by_role else "per-action" if args.per_action else "default"
        out = Path(args.output) if args.output else Path(tmp) / f"export.{args.format}"
        rows = export(g, args.format, out, mode=mode)
        t4 = time.perf_counter()
        size = os.path.getsize(out) / 1e6 if out.is_file() else 0.0
        print(f"export    {t4 - t2:6.1f} s  ({rows} rows, {mode}, {args.format}, {size:.0f} MB)"
              f"  peak {peak_mb():.0f} MB", flush=True)
        print(f"total     {t4 - t0:6.1f} s (load + analyse + export)  peak {peak_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
