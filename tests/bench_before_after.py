"""Paired benchmark of two versions of rolemap on the same account: a change's speed figure.

    python tests/bench_before_after.py --before c01e57a --size medium [--rounds 3]
    python tests/bench_before_after.py --before c01e57a --snapshot FILE_OR_FOLDER
    python tests/bench_before_after.py --before c01e57a --after 3c9436a --size large

Checks out `--before` (a commit) into a temporary git worktree, writes the account with
`rolemap snapshot synth` (seeded, by the *before* version, whose snapshot format the
after version reads too, so both read the same bytes) unless
one is given, then runs `rolemap export --by-role --format csv -o /dev/null --jobs 1` (one
process: less noise than two sharing the machine) with each version in turn, before and after
alternating round by round, so a machine that gets busier or quieter during the run weighs on
both alike. Reports each run's wall and CPU time and peak RSS, the medians, and the ratio of
the medians (after / before). Figures go to the README; never into timed test assertions.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUN = "import sys; from tui.cli import main; sys.exit(main(sys.argv[1:]))"


def _measured(tree: Path, argv: list[str]) -> tuple[float, float, float]:
    """One run in a child process of its own, measured by wait4 (CPU and peak RSS)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child becomes the command (its "wrote N rows" line is not wanted)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        # -P: the current folder must not come before the tree's PYTHONPATH (run from a
        # checkout, `-c` would otherwise import the working tree for both versions).
        os.execve(sys.executable, [sys.executable, "-P", "-c", RUN, *argv], env)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{tree}: rolemap {' '.join(argv)} exited "
                         f"{os.waitstatus_to_exitcode(status)}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", required=True, help="the commit to compare with (e.g. c01e57a)")
    ap.add_argument("--after", help="a commit to measure instead of the working tree")
    ap.add_argument("--size", choices=("small", "medium", "large"), default="medium")
    ap.add_argument("--shape", default="default", help="snapshot synth --shape (default)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--snapshot", help="an account already written (file or folder)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="rolemap-bench-") as tmp:
        before = Path(tmp) / "before"
        after = Path(tmp) / "after" if args.after else ROOT
        for tree, rev in ((before, args.before), (after, args.after)):
            if tree is not ROOT:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach",
                                str(tree), rev], check=True)
        try:
            account = args.snapshot
            if account is None:
                account = str(Path(tmp) / "account.json")
                # Written by the older version: the newer one reads its format too.
                _measured(before, ["snapshot", "synth", account, "--size", args.size,
                                 "--seed", str(args.seed), "--shape", args.shape])
            argv = ["export", "--snapshot", account, "--by-role", "--format", "csv",
                    "-o", os.devnull, "--jobs", "1"]
            runs: dict[str, list[tuple[float, float, float]]] = {"before": [], "after": []}
            for n in range(args.rounds):
                order = (("before", before), ("after", after))
                for name, tree in order if n % 2 == 0 else order[::-1]:
                    wall, cpu, rss = _measured(tree, argv)
                    runs[name].append((wall, cpu, rss))
                    print(f"round {n + 1} {name:6} {wall:7.2f} s wall {cpu:7.2f} s CPU "
                          f"{rss:7.0f} MiB", flush=True)
            med = {k: tuple(statistics.median(r[i] for r in v) for i in range(3))
                   for k, v in runs.items()}
            for k, (wall, cpu, rss) in med.items():
                print(f"median {k:6} {wall:7.2f} s wall {cpu:7.2f} s CPU {rss:7.0f} MiB")
            print(f"after / before: {med['after'][0] / med['before'][0]:.3f} wall, "
                  f"{med['after'][1] / med['before'][1]:.3f} CPU, "
                  f"{med['after'][2] / med['before'][2]:.3f} peak RSS")
        finally:
            for tree in (before, after):
                if tree is not ROOT:
                    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                                    str(tree)], check=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
