"""Opening a trace as a person sees it: `rolemap` in a real terminal (tmux), timed by the screen.

    /work/venv/bin/python tests/bench_terminal.py [--snapshot FOLDER] [--traces 12]

Starts `rolemap --snapshot` on a synthetic 1,000-role / 10,000-instance / 1,000-bucket account
(written with `rolemap snapshot synth` unless a folder is given) in a detached tmux session,
then presses keys with `tmux send-keys` and polls `tmux capture-pane` until the answer is on
the screen. Includes what Pilot leaves out: the terminal driver writing the frame and the
terminal parsing it. For scale, the same is timed for Textual opening the small `?` help
dialog. Needs tmux.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SESSION = "rolemap-bench"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout


def screen() -> str:
    return tmux("capture-pane", "-p", "-t", SESSION)


def wait_for(shown: Callable[[str], bool], timeout: float = 120.0) -> float:
    """Seconds until `shown(screen)` holds, polling as fast as capture-pane allows."""
    start = time.perf_counter()
    while not shown(screen()):
        if time.perf_counter() - start > timeout:
            raise TimeoutError(screen())
        time.sleep(0.002)
    return time.perf_counter() - start


def press(key: str, shown: Callable[[str], bool]) -> float:
    start = time.perf_counter()
    tmux("send-keys", "-t", SESSION, key)
    wait_for(shown)
    return time.perf_counter() - start


def in_trace(text: str) -> bool:
    return "buckets reachable" in text or "no instance profile" in text


def in_explorer(text: str) -> bool:
    return "Instance id" in text


def in_help(text: str) -> bool:
    return "Keys on the" in text


def drive(folder: Path, traces: int) -> dict[str, list[float]]:
    rolemap = str(Path(sys.executable).with_name("rolemap"))
    tmux("kill-session", "-t", SESSION)
    tmux("new-session", "-d", "-s", SESSION, "-x", "160", "-y", "48",
         f"{rolemap} --snapshot {folder}")
    try:
        wait_for(in_explorer)
        time.sleep(2)  # let the first frames settle
        opened, helped = [], []
        for step in range(traces):
            for _ in range(step % 4 + 1):  # another instance each time
                tmux("send-keys", "-t", SESSION, "j")
            time.sleep(0.4)
            opened.append(press("t", in_trace))
            time.sleep(0.3)
            press("Escape", in_explorer)
        for _ in range(max(3, traces // 2)):
            time.sleep(0.4)
            helped.append(press("?", in_help))
            time.sleep(0.3)
            press("Escape", lambda text: not in_help(text))
        polls = []
        for _ in range(10):
            start = time.perf_counter()
            screen()
            polls.append(time.perf_counter() - start)
        return {"open a trace": opened, "open the ? help dialog (for scale)": helped,
                "one capture-pane poll": polls}
    finally:
        tmux("kill-session", "-t", SESSION)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", help="an already written synthetic account folder")
    parser.add_argument("--traces", type=int, default=12)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("tmux is not installed", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.snapshot) if args.snapshot else Path(tmp) / "synth"
        if not args.snapshot:
            subprocess.run([sys.executable, "-m", "tui.cli", "snapshot", "synth", str(folder),
                            "--roles", "1000", "--instances", "10000", "--buckets", "1000",
                            "--seed", "7"], check=True, stdout=subprocess.DEVNULL)
        figures = drive(folder, args.traces)
    for name, times in figures.items():
        print(f"  {name + ':':<40}median {statistics.median(times) * 1000:.0f} ms, "
              f"max {max(times) * 1000:.0f} ms ({len(times)} times)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
