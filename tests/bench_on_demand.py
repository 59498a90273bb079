"""The app on a large account as a person meets it: tables first, a view asked at once.

    python tests/bench_on_demand.py FOLDER [--size 160x48]

Starts `rolemap --snapshot FOLDER` in a detached tmux session and reads the screen with
`tmux capture-pane`, as a user's eyes would: the time until the explorer's tables show,
then, while the background analysis still runs, the time from `t` on the Instances tab's first
row to its trace on screen, and from `t` on the Buckets tab's first row to its who-can. Each
view is decided on demand, ahead of the analysis. Pilot's timings of the same (see
bench_realistic.py) include its own waits for the app to be idle, which a background analysis
keeps from happening; a terminal has no such wait. Needs tmux.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from collections.abc import Callable

SESSION = "rolemap-on-demand"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout


def screen() -> str:
    return tmux("capture-pane", "-p", "-t", SESSION)


def title() -> str:
    lines = screen().splitlines()
    return lines[0] if lines else ""


def wait_for(shown: Callable[[], bool], timeout: float = 600.0) -> float:
    """The moment `shown()` first holds, polling as fast as capture-pane allows."""
    start = time.perf_counter()
    while not shown():
        if time.perf_counter() - start > timeout:
            raise SystemExit("the screen did not show it in time:\n" + screen())
        time.sleep(0.005)
    return time.perf_counter()


def analysing() -> bool:
    """The Findings tab reads "Findings (…)" until the background analysis is done."""
    return "Findings (…)" in screen()


def analysing_done() -> bool:
    text = screen()
    return "Findings (" in text and "Findings (…)" not in text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="an account export folder or snapshot file")
    parser.add_argument("--size", default="160x48", help="terminal size (default 160x48)")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("needs tmux")
    width, height = args.size.split("x")
    tmux("kill-session", "-t", SESSION)
    start = time.perf_counter()
    tmux("new-session", "-d", "-s", SESSION, "-x", width, "-y", height,
         f"{sys.executable} -m tui.cli --snapshot {args.folder}")
    try:
        shown = wait_for(lambda: "Instances" in screen() and "Buckets" in screen())
        print(f"tables shown        {shown - start:6.2f} s after start")
        tmux("send-keys", "-t", SESSION, "]")  # Findings -> Instances
        wait_for(lambda: " i-" in screen())
        asked = time.perf_counter()
        before = analysing()
        tmux("send-keys", "-t", SESSION, "t")
        done = wait_for(lambda: " trace " in title())
        print(f"trace after t       {done - asked:6.2f} s   (analysis still running: "
              f"{before})")
        tmux("send-keys", "-t", SESSION, "Escape")
        wait_for(lambda: " trace " not in title())
        tmux("send-keys", "-t", SESSION, "]")  # Instances -> Roles
        time.sleep(0.2)
        tmux("send-keys", "-t", SESSION, "]")  # Roles -> Buckets
        wait_for(lambda: "Public" in screen() or "Policy" in screen())
        time.sleep(0.2)  # the cursor settles on the first bucket
        asked = time.perf_counter()
        before = analysing()
        tmux("send-keys", "-t", SESSION, "t")
        done = wait_for(lambda: "who can" in title())
        print(f"who-can after t     {done - asked:6.2f} s   (analysis still running: "
              f"{before})")
        tmux("send-keys", "-t", SESSION, "Escape")
        wait_for(lambda: "who can" not in title() and "Findings" in screen())
        wait_for(analysing_done)
        print(f"analysis done       {time.perf_counter() - start:6.2f} s after start")
    finally:
        tmux("send-keys", "-t", SESSION, "q")
        time.sleep(0.3)
        tmux("kill-session", "-t", SESSION)
    return 0


if __name__ == "__main__":
    sys.exit(main())
