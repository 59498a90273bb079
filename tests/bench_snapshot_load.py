"""Benchmark: loading a snapshot file costs about what parsing its JSON does (issue #13 item 7).

Each measure runs in a fresh interpreter (so peak memory is its own): `json.loads` of the file
(the floor), then `rolemap`'s `load_snapshot` (parse, shape checks, model records). Run:
    rolemap snapshot synth big.json --roles 15000 --instances 150000 --buckets 15000
    python tests/bench_snapshot_load.py big.json [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path


def _measure(kind: str, path: str) -> None:
    start = time.perf_counter()
    if kind == "json":
        with open(path, "rb") as fh:
            json.loads(fh.read())
    else:
        from graph.sources.snapshot_file import load_snapshot

        load_snapshot(path)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak}))


def _run(kind: str, path: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--measure", kind, path],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--measure", choices=("json", "load"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        _measure(args.measure, args.path)
        return
    size = Path(args.path).stat().st_size / 1e6
    results = {}
    for kind in ("json", "load"):
        runs = [_run(kind, args.path) for _ in range(args.repeat)]
        results[kind] = (min(r["seconds"] for r in runs), max(r["peak_mb"] for r in runs))
    (floor, floor_mb), (load, load_mb) = results["json"], results["load"]
    print(f"{args.path}: {size:.1f} MB")
    print(f"json.loads:    {floor:6.2f} s  peak {floor_mb:6.0f} MB  (best of {args.repeat})")
    print(f"load_snapshot: {load:6.2f} s  peak {load_mb:6.0f} MB  = {load / floor:.2f}x the parse")


if __name__ == "__main__":
    main()
