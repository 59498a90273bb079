"""Benchmark: load a 1,000-role / 10,000-instance / 1,000-bucket export folder into the model.

Compares rolemap's export-folder loader with a plain `json.load` of every file in the folder
(the floor: the loader must parse them all). Target: at most 2x. Run:
    python tests/bench_load.py [--roles N --instances M --buckets B --repeat K]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import tempfile
import time
from pathlib import Path

from graph.sources.export_folder import load_export_folder
from graph.sources.synth import write_synthetic


def json_load_all(folder: Path) -> int:
    count = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            with open(os.path.join(root, name), "rb") as fh:
                json.load(fh)
            count += 1
    return count


def json_load_all_gc_paused(folder: Path) -> int:
    gc.disable()
    try:
        return json_load_all(folder)
    finally:
        gc.enable()


def best_of(repeat: int, fn, *args) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roles", type=int, default=1000)
    parser.add_argument("--instances", type=int, default=10000)
    parser.add_argument("--buckets", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "account"
        start = time.perf_counter()
        write_synthetic(folder, roles=args.roles, instances=args.instances,
                        buckets=args.buckets, seed=1)
        written = time.perf_counter() - start
        files = json_load_all(folder)
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        floor = best_of(args.repeat, json_load_all, folder)
        floor_no_gc = best_of(args.repeat, json_load_all_gc_paused, folder)
        load = best_of(args.repeat, load_export_folder, folder)
    print(f"account: {args.roles} roles, {args.instances} instances, {args.buckets} buckets; "
          f"{files} files, {size / 1e6:.1f} MB (synthesised in {written:.2f} s)")
    print(f"json.load of every file: {floor:.3f} s")
    print(f"json.load, GC paused:    {floor_no_gc:.3f} s (the loader pauses the GC too)")
    print(f"rolemap load (model):    {load:.3f} s  = {load / floor:.2f}x json.load (target <= 2x), "
          f"{load / floor_no_gc:.2f}x the GC-paused json.load")


if __name__ == "__main__":
    main()
