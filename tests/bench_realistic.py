"""Benchmark on a realistic account: rolemap next to cloudsplaining and the bare JSON parse.

    python tests/bench_realistic.py --size medium          # 1,000 / 10,000 / 1,000
    python tests/bench_realistic.py --size large           # 5,000 / 50,000 / 5,000 (minutes)
    python tests/bench_realistic.py --folder DIR           # an export folder already written

Writes the account with `rolemap snapshot synth` (seeded) unless --folder names one, then runs
each measurement in its own process, so each peak memory is its own: the highest sum, over
the measurement's processes, of their proportional set sizes (PSS: pages shared between
processes, as a forked export's are, count once in all), sampled (see `_sample_peak`):

- json: `json.load` of every file of the export folder, nothing else (the floor);
- cloudsplaining: `cloudsplaining scan` of the same account's authorization details (the tool
  users run on such accounts; it computes far less: no EC2, no S3, no bucket policies);
- rolemap: `rolemap export --by-role --format csv -o /dev/null` as the command line runs it:
  load, the account's set-up, then every role decided as its rows are written, by
  `--jobs` processes (default: the CPUs available, at most two; `--jobs 1` for one). The
  set-up plus deciding and writing is what the issue's target counts;
- app: the explorer at 160x48, headless: time to its first rows, then a trace of an instance
  and a who-can of a bucket asked right after (before the background analysis is done), then
  the time until the analysis is done.

Figures go to the README's Performance table; never into timed test assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: An exclusions file that excludes nothing: cloudsplaining scans every role and policy, as
#: rolemap does (its default leaves out service-role paths).
EXCLUDE_NOTHING = "policies:\n  - ''\nroles:\n  - ''\nusers:\n  - ''\ngroups:\n  - ''\n"
#: Targets of issue 12 by size: (export --by-role s, peak GiB, first rows s, view after s).
TARGETS = {"medium": (10, 1, 5, 1), "large": (60, 4, 15, 1)}


def _tree(pid: int) -> list[int]:
    """The process and its descendants (Linux: /proc/<pid>/task/<pid>/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        with contextlib.suppress(OSError, ValueError):
            todo.extend(int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split())
    return out


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _sample_peak(pid: int, stop: threading.Event, peak: list[int]) -> None:
    """Reading smaps_rollup walks the page tables (45 ms for a 2.6 GB process): samples are
    spaced 20 times the time they take, so the sampler costs at most a twentieth of a core
    of the two the measured processes share."""
    pause = 0.1
    while not stop.wait(pause):
        begin = time.perf_counter()
        peak[0] = max(peak[0], sum(_pss_kib(p) for p in _tree(pid)))
        pause = max(0.1, 20 * (time.perf_counter() - begin))


def run_child(args: list[str], capture: bool = True) -> tuple[float, float, str]:
    """Wall seconds, peak MiB (the highest sum of PSS over the child and its descendants,
    sampled; at least wait4's maximum resident set of one of them) and stdout of a child."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out if capture else subprocess.DEVNULL,
                                stderr=err, text=True)
        stop, peak = threading.Event(), [0]
        sampler = threading.Thread(target=_sample_peak, args=(proc.pid, stop, peak))
        sampler.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            stop.set()
            sampler.join()
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            raise SystemExit(f"{' '.join(args[:4])}… failed ({proc.returncode}):\n"
                             f"{err.read()[-2000:]}")
        global LAST_CPU
        LAST_CPU = usage.ru_utime + usage.ru_stime
        return wall, max(peak[0], usage.ru_maxrss) / 1024, out.read()


#: CPU seconds (user + system) of the last child run: on a machine shared with other work,
#: CPU time is what compares between tools; wall time grows with everyone else's load.
LAST_CPU = 0.0


def me(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), *args]


# -- children ------------------------------------------------------------------------------------

def child_json(folder: Path) -> dict[str, Any]:
    start, cpu = time.perf_counter(), time.process_time()
    files = 0
    for path in folder.rglob("*.json"):
        with open(path, "rb") as fh:
            json.load(fh)
        files += 1
    return {"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu,
            "files": files}


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended (forked writers)."""
    own, done = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + done.ru_utime + done.ru_stime


def child_rolemap(folder: Path) -> dict[str, Any]:
    from graph.access import build_access_graph
    from graph.exports import export
    from graph.sources import SourceSpec, open_source

    jobs = int(os.environ["BENCH_JOBS"])
    t0, c0 = time.perf_counter(), _cpu()
    snapshot = open_source(SourceSpec(snapshot=str(folder))).snapshot
    t1, c1 = time.perf_counter(), _cpu()
    # As `rolemap export` does: the account's set-up, then each role decided as its rows are
    # reached.
    graph = build_access_graph(snapshot, decide=False)
    t2, c2 = time.perf_counter(), _cpu()
    rows = export(graph, "csv", os.devnull, mode="by-role", workers=jobs, keep=False)
    t3, c3 = time.perf_counter(), _cpu()
    return {"load": t1 - t0, "analysis": t2 - t1, "export": t3 - t2, "rows": rows,
            "load_cpu": c1 - c0, "analysis_cpu": c2 - c1, "export_cpu": c3 - c2,
            "jobs": jobs, "roles": len(snapshot.roles), "instances": len(snapshot.instances),
            "buckets": len(snapshot.buckets)}


def child_app(folder: Path) -> dict[str, Any]:
    return asyncio.run(_drive_app(folder))


async def _drive_app(folder: Path) -> dict[str, Any]:
    from graph.sources import SourceSpec
    from tui.app import RolemapApp
    from tui.screens.explorer import ExplorerScreen
    from tui.screens.trace import TraceScreen
    from tui.screens.who_can import WhoCanScreen
    from tui.widgets.resource_table import ResourceTable

    figures: dict[str, Any] = {}
    start = time.perf_counter()
    app = RolemapApp(SourceSpec(snapshot=str(folder)))

    async with app.run_test(size=(160, 48)) as pilot:
        async def until(done: Any, limit: float = 900) -> float:
            begin = time.perf_counter()
            while not done():
                if time.perf_counter() - begin > limit:
                    raise SystemExit("the app did not get there in time")
                await pilot.pause(0.01)
            return time.perf_counter()

        def rows_shown() -> bool:
            screen = app.screen
            if not isinstance(screen, ExplorerScreen):
                return False
            tables = screen.query("#instances").results(ResourceTable)
            return any(t.model.rows and t.is_mounted for t in tables)

        figures["first rows"] = await until(rows_shown) - start
        await pilot.pause()  # the tabs finish mounting (a person cannot type faster)
        explorer = app.screen
        assert isinstance(explorer, ExplorerScreen)
        workspace = app.workspace
        assert workspace is not None
        figures["analysed at first rows"] = workspace.analysed
        # The instance of the most used profile (the one a user likely looks at first).
        counts: dict[str, int] = {}
        for inst in workspace.snapshot.instances:
            if inst.instance_profile_arn:
                counts[inst.instance_profile_arn] = counts.get(inst.instance_profile_arn, 0) + 1
        busiest = max(counts, key=counts.__getitem__)
        instance = next(i for i in workspace.snapshot.instances
                        if i.instance_profile_arn == busiest)
        explorer.jump_to(("instances", instance.instance_id))
        await pilot.pause()
        asked = time.perf_counter()
        await pilot.press("t")
        figures["trace after first rows"] = await until(
            lambda: isinstance(app.screen, TraceScreen)) - asked
        figures["analysed at trace"] = app.workspace.analysed if app.workspace else None
        await pilot.press("escape")
        await until(lambda: isinstance(app.screen, ExplorerScreen))
        bucket = workspace.snapshot.buckets[len(workspace.snapshot.buckets) // 2].name
        explorer.jump_to(("buckets", bucket))
        await pilot.pause()
        asked = time.perf_counter()
        await pilot.press("t")
        figures["who-can after first rows"] = await until(
            lambda: isinstance(app.screen, WhoCanScreen)) - asked
        figures["analysed at who-can"] = app.workspace.analysed if app.workspace else None
        await pilot.press("escape")
        if os.environ.get("BENCH_APP_QUICK"):
            return figures  # quitting cancels the background analysis
        figures["analysis done"] = await until(
            lambda: app.workspace is not None and app.workspace.analysed) - start
    return figures


CHILDREN = {"json": child_json, "rolemap": child_rolemap, "app": child_app}


# -- parent --------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("small", "medium", "large"), default="medium")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folder", help="an existing export folder (skips generation)")
    parser.add_argument("--skip", action="append", default=[],
                        choices=("json", "cloudsplaining", "rolemap", "app"))
    parser.add_argument("--app-quick", action="store_true",
                        help="leave the app once the trace and who-can are shown, without "
                             "waiting for its background analysis (the rolemap figures time "
                             "the same analysis)")
    parser.add_argument("--jobs", type=int, default=None,
                        help="processes of the rolemap export (default: as `rolemap export`)")
    parser.add_argument("--child", choices=tuple(CHILDREN), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if "BENCH_JOBS" not in os.environ:
        from graph.exports.shards import default_workers
        os.environ["BENCH_JOBS"] = str(args.jobs if args.jobs else default_workers())
    if args.app_quick:
        os.environ["BENCH_APP_QUICK"] = "1"
    if args.child:
        print(json.dumps(CHILDREN[args.child](Path(args.folder))))
        return 0
    with tempfile.TemporaryDirectory(prefix="rolemap-bench-") as tmp:
        folder = Path(args.folder) if args.folder else Path(tmp) / "account"
        if not args.folder:
            wall, _, _ = run_child([sys.executable, "-m", "tui.cli", "snapshot", "synth",
                                    str(folder), "--size", args.size, "--seed",
                                    str(args.seed)])
            print(f"generate          {wall:7.1f} s   ({args.size}, seed {args.seed})")
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        print(f"export folder     {size / 1e6:7.0f} MB")
        found: dict[str, tuple[float, float, dict[str, Any]]] = {}
        for name in ("json", "rolemap", "app"):
            if name in args.skip:
                continue
            wall, peak, out = run_child(me("--child", name, "--folder", str(folder)))
            found[name] = (wall, peak, json.loads(out.strip().splitlines()[-1]))
            print(f"  ({name} done: {wall:.0f} s wall, {LAST_CPU:.0f} s CPU)", flush=True)
        if "cloudsplaining" not in args.skip:
            exclusions = Path(tmp) / "exclusions.yml"
            exclusions.write_text(EXCLUDE_NOTHING)
            (Path(tmp) / "cs").mkdir()
            wall, peak, _ = run_child(
                ["cloudsplaining", "scan", "--input-file",
                 str(folder / "iam-get-account-authorization-details.json"),
                 "--exclusions-file", str(exclusions), "--output", str(Path(tmp) / "cs"),
                 "--skip-open-report"], capture=False)
            found["cloudsplaining"] = (wall, peak, {"cpu": LAST_CPU})
    report(args.size, found)
    return 0


def report(size: str, found: dict[str, tuple[float, float, dict[str, Any]]]) -> None:
    targets = TARGETS.get(size)
    parse = found["json"][2]["seconds"] if "json" in found else None
    scan = found["cloudsplaining"][0] if "cloudsplaining" in found else None
    parse_cpu = found["json"][2]["cpu"] if "json" in found else None
    scan_cpu = found["cloudsplaining"][2]["cpu"] if "cloudsplaining" in found else None
    if parse is not None:
        print(f"json.load         {parse:7.1f} s   ({parse_cpu:.1f} s CPU; "
              f"{found['json'][2]['files']} files, peak {found['json'][1]:.0f} MiB)")
    if scan is not None:
        print(f"cloudsplaining    {scan:7.1f} s   ({scan_cpu:.1f} s CPU; scan of the "
              f"authorization details, peak {found['cloudsplaining'][1]:.0f} MiB)")
    if "rolemap" in found:
        _, peak, r = found["rolemap"]
        by_role = r["analysis"] + r["export"]
        print(f"rolemap load      {r['load']:7.1f} s   ({r['roles']} roles, {r['instances']} "
              f"instances, {r['buckets']} buckets)")
        print(f"rolemap set-up    {r['analysis']:7.1f} s   (bucket facts, public access, trust)")
        print(f"rolemap export    {r['export']:7.1f} s   (every role decided and its rows "
              f"written: {r['rows']:,} rows, by-role CSV, {r['jobs']} process(es))")
        line = f"export --by-role  {by_role:7.1f} s   (set-up + export), peak {peak:.0f} MiB"
        if targets:
            line += f"; targets {targets[0]} s, {targets[1]} GiB"
        print(line)
        by_role_cpu = r["analysis_cpu"] + r["export_cpu"]
        print(f"  CPU: load {r['load_cpu']:.1f} s, set-up {r['analysis_cpu']:.1f} s, "
              f"export {r['export_cpu']:.1f} s; export --by-role {by_role_cpu:.1f} s")
        if scan is not None and scan_cpu:
            print(f"  vs cloudsplaining: {by_role / scan:.2f}x its wall time, "
                  f"{by_role_cpu / scan_cpu:.2f}x its CPU time "
                  f"({'faster' if by_role < scan else 'SLOWER'} by the clock; "
                  f"{'less' if by_role_cpu < scan_cpu else 'MORE'} CPU)")
        if parse is not None and parse_cpu:
            print(f"  vs json.load: load+analysis+export = "
                  f"{(r['load_cpu'] + by_role_cpu) / parse_cpu:.1f}x the bare parse (CPU)")
    if "app" in found:
        _, peak, a = found["app"]
        print(f"app first rows    {a['first rows']:7.1f} s   (analysed then: "
              f"{a['analysed at first rows']})" + (f"; target {targets[2]} s" if targets else ""))
        print(f"app trace         {a['trace after first rows']:7.2f} s   after first rows "
              f"(analysed then: {a['analysed at trace']})"
              + (f"; target {targets[3]} s" if targets else ""))
        print(f"app who-can       {a['who-can after first rows']:7.2f} s   after first rows "
              f"(analysed then: {a['analysed at who-can']})")
        done = f"{a['analysis done']:7.1f} s   from start" if "analysis done" in a \
            else "    not waited for (--app-quick)"
        print(f"app analysis done {done}, peak {peak:.0f} MiB")


if __name__ == "__main__":
    sys.exit(main())
