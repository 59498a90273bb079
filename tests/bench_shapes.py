"""Shape sweep: rolemap's `export --by-role` next to cloudsplaining on accounts of every shape.

    python tests/bench_shapes.py                                  # every shape x seeds 0 1, medium
    python tests/bench_shapes.py --size large --shapes mixed inline-heavy --seeds 0
    python tests/bench_shapes.py --profile mixed          # cProfile of one shape, one process

Speed depends on how an account is shaped, not only on its size (issue 24): one generator with
one set of proportions measures one shape. For each shape (`rolemap snapshot synth --shape`)
and seed, this writes the account, then, one after the other on the same account, measures
`rolemap export --by-role --format csv` (set-up plus every role decided and its rows written,
as `tests/bench_realistic.py` measures it: its own process, peak PSS sampled) and
`cloudsplaining scan` of the same authorization details, and prints a table of every ratio
and the worst one. Run nothing else meanwhile: the pairs share the machine with each other only.

Figures go to the README's Performance section; never into timed test assertions.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import bench_realistic as br  # noqa: E402

from graph.sources.synth import SHAPES  # noqa: E402


@dataclass(frozen=True)
class Pair:
    """One account measured: rolemap's export and cloudsplaining's scan of it."""

    shape: str
    seed: int
    mb: float
    rows: int
    rolemap_s: float
    rolemap_cpu: float
    rolemap_mib: float
    scan_s: float
    scan_cpu: float
    scan_mib: float

    @property
    def ratio(self) -> float:
        return self.rolemap_s / self.scan_s

    @property
    def cpu_ratio(self) -> float:
        return self.rolemap_cpu / self.scan_cpu


def generate(folder: Path, size: str, seed: int, shape: str) -> float:
    wall, _, _ = br.run_child([sys.executable, "-m", "tui.cli", "snapshot", "synth", str(folder),
                               "--size", size, "--seed", str(seed), "--shape", shape])
    return wall


def measure(folder: Path, shape: str, seed: int, scratch: Path) -> Pair:
    """rolemap's export, then cloudsplaining's scan, of the same folder."""
    _, peak, out = br.run_child([sys.executable, str(ROOT / "tests" / "bench_realistic.py"),
                                 "--child", "rolemap", "--folder", str(folder)])
    r = json.loads(out.strip().splitlines()[-1])
    exclusions = scratch / "exclusions.yml"
    exclusions.write_text(br.EXCLUDE_NOTHING)
    report = scratch / "cs"
    shutil.rmtree(report, ignore_errors=True)
    report.mkdir()
    scan, scan_peak, _ = br.run_child(
        ["cloudsplaining", "scan", "--input-file", str(folder / "iam-get-account-authorization-"
                                                       "details.json"),
         "--exclusions-file", str(exclusions), "--output", str(report), "--skip-open-report"],
        capture=False)
    scan_cpu = br.LAST_CPU
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
    return Pair(shape, seed, size, r["rows"], r["analysis"] + r["export"],
                r["analysis_cpu"] + r["export_cpu"], peak, scan, scan_cpu, scan_peak)


def table(pairs: list[Pair]) -> str:
    lines = ["| shape | seed | folder | rows | `export --by-role` | peak | cloudsplaining `scan` "
             "| ratio (wall) | ratio (CPU) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for p in pairs:
        lines.append(f"| {p.shape} | {p.seed} | {p.mb:.0f} MB | {p.rows:,} | {p.rolemap_s:.1f} s "
                     f"({p.rolemap_cpu:.1f} s CPU) | {p.rolemap_mib:.0f} MiB | {p.scan_s:.1f} s "
                     f"({p.scan_cpu:.1f} s CPU) | {p.ratio:.2f}× | {p.cpu_ratio:.2f}× |")
    return "\n".join(lines)


def worst(pairs: list[Pair]) -> str:
    wall = max(pairs, key=lambda p: p.ratio)
    cpu = max(pairs, key=lambda p: p.cpu_ratio)
    memory = max(pairs, key=lambda p: p.rolemap_mib)
    return (f"worst ratio by the clock: {wall.ratio:.2f}× ({wall.shape}, seed {wall.seed}); "
            f"by CPU: {cpu.cpu_ratio:.2f}× ({cpu.shape}, seed {cpu.seed}); "
            f"highest peak: {memory.rolemap_mib:.0f} MiB ({memory.shape}, seed {memory.seed})")


def profile(size: str, seed: int, shape: str, top: int) -> None:
    """cProfile of load, set-up and a one-process by-role export of one shape's account."""
    from graph.access import build_access_graph
    from graph.exports import export
    from graph.sources import SourceSpec, open_source

    with tempfile.TemporaryDirectory(prefix="rolemap-shapes-") as tmp:
        folder = Path(tmp) / "account"
        generate(folder, size, seed, shape)
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        snapshot = open_source(SourceSpec(snapshot=str(folder))).snapshot
        graph = build_access_graph(snapshot, decide=False)
        rows = export(graph, "csv", os.devnull, mode="by-role", workers=1, keep=False)
        profiler.disable()
        print(f"{shape} seed {seed} ({size}): {rows:,} rows in "
              f"{time.perf_counter() - start:.1f} s under cProfile (load included, one process)")
        for order in ("tottime", "cumulative"):
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(top)
            print(f"--- by {order} ---")
            print("\n".join(line for line in text.getvalue().splitlines()
                            if line.strip())[:20000])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("small", "medium", "large"), default="medium")
    parser.add_argument("--shapes", nargs="+", choices=tuple(SHAPES), default=list(SHAPES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--jobs", type=int, default=None,
                        help="processes of the rolemap export (default: as `rolemap export`)")
    parser.add_argument("--json", type=Path, help="also append each pair as a JSON line here")
    parser.add_argument("--profile", choices=tuple(SHAPES),
                        help="instead: cProfile one shape's account (first seed), one process")
    parser.add_argument("--top", type=int, default=30, help="functions shown by --profile")
    args = parser.parse_args()
    if args.profile:
        profile(args.size, args.seeds[0], args.profile, args.top)
        return 0
    if "BENCH_JOBS" not in os.environ:
        from graph.exports.shards import default_workers
        os.environ["BENCH_JOBS"] = str(args.jobs if args.jobs else default_workers())
    pairs: list[Pair] = []
    with tempfile.TemporaryDirectory(prefix="rolemap-shapes-") as tmp:
        for shape in args.shapes:
            for seed in args.seeds:
                folder = Path(tmp) / f"{shape}-{seed}"
                made = generate(folder, args.size, seed, shape)
                pair = measure(folder, shape, seed, Path(tmp))
                shutil.rmtree(folder)
                pairs.append(pair)
                print(f"{shape:24} seed {seed}: generated {made:.0f} s; rolemap "
                      f"{pair.rolemap_s:.1f} s, {pair.rolemap_mib:.0f} MiB; cloudsplaining "
                      f"{pair.scan_s:.1f} s; ratio {pair.ratio:.2f}× (CPU {pair.cpu_ratio:.2f}×)",
                      flush=True)
                if args.json:
                    with args.json.open("a") as fh:
                        fh.write(json.dumps({**vars(pair), "size": args.size,
                                             "jobs": os.environ["BENCH_JOBS"]}) + "\n")
    print(f"\n{args.size}, {os.environ['BENCH_JOBS']} process(es) for rolemap, "
          f"{time.strftime('%Y-%m-%d %H:%M')}\n")
    print(table(pairs))
    print("\n" + worst(pairs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
