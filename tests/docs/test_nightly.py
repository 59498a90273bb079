"""The README's nightly routine runs as written: a first night and a second one.

The block is read from the README and run by `sh` in an empty folder; only the account
source is substituted (`--profile audit`, a live account, becomes `--demo`). Between the two
nights the first snapshot is renamed to yesterday's date (time passing) and the public
website's bucket policy is taken out of it, so tonight the public has gained access and the
routine must fail the job with a report naming the bucket.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from graph.sources.snapshot_file import load_snapshot, save_snapshot

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
LIVE_SOURCE = "--profile audit"
PUBLIC_BUCKET = "acme-public-website"


def nightly_block() -> str:
    """The first `sh` block after the README's words "The nightly routine"."""
    text = README.read_text()
    start = text.index("The nightly routine")
    found = re.search(r"```sh\n(.*?)```", text[start:], flags=re.DOTALL)
    assert found is not None, "no sh block after 'The nightly routine'"
    return found.group(1)


def run_night(block: str, folder: Path) -> subprocess.CompletedProcess[str]:
    assert block.count(LIVE_SOURCE) == 1
    script = block.replace(LIVE_SOURCE, "--demo")
    # `rolemap` as the installed command, from this interpreter's environment.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return subprocess.run(["sh", "-c", script], cwd=folder, capture_output=True, text=True,
                          env={**os.environ, "PATH": path}, timeout=300)


def test_the_nightly_routine_first_night_then_second(tmp_path: Path) -> None:
    assert shutil.which("rolemap", path=str(Path(sys.executable).parent))
    block = nightly_block()
    # First night, in an empty folder: a baseline, and nothing compared.
    first = run_night(block, tmp_path)
    assert first.returncode == 0, first.stderr
    saved = list((tmp_path / "snapshots").iterdir())
    assert len(saved) == 1 and re.fullmatch(r"\d{4}-\d\d-\d\d\.json", saved[0].name)
    today = saved[0].stem
    assert f"saved snapshots/{today}.json as the baseline; nothing to compare yet" in first.stdout
    assert list((tmp_path / "reports").iterdir()) == []
    assert "warning:" not in first.stderr
    # A day passes: last night's snapshot is yesterday's, and had no public website policy.
    snapshot = load_snapshot(saved[0])
    buckets = tuple(dataclasses.replace(b, policy=None) if b.name == PUBLIC_BUCKET else b
                    for b in snapshot.buckets)
    # Taken yesterday too: a cached demo opens within the second, and two snapshots taken in
    # the same second are rightly flagged as copies of one.
    save_snapshot(dataclasses.replace(snapshot, buckets=buckets,
                                      taken_at="2000-01-01T03:00:00+00:00"),
                  tmp_path / "snapshots" / "2000-01-01.json")
    saved[0].unlink()
    second = run_night(block, tmp_path)
    # The public gained access tonight: the job fails, with tonight's report.
    assert second.returncode == 1, second.stderr
    assert "nothing to compare" not in second.stdout
    assert "same file" not in second.stderr and "both taken at" not in second.stderr
    assert sorted(p.name for p in (tmp_path / "snapshots").iterdir()) == [
        "2000-01-01.json", f"{today}.json"]
    report = (tmp_path / "reports" / f"{today}.md").read_text()
    assert PUBLIC_BUCKET in report and "2000-01-01.json" in report
