"""Fuzzing the snapshot and export-folder formats (issue #13): a one-line error or a load.

Each example breaks a good account one way (see `mutations.py`: truncations, wrong types,
missing fields, nesting, sizes, hostile strings, bytes, non-regular files) and runs
`rolemap export` on it, which loads, analyses and writes every answer. The only acceptable
outcomes: it works (possibly with load warnings), or it exits 2 with one line naming the file.
A traceback or a hang fails (the alarm turns a hang into a failure).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.sources.export_folder import load_export_folder
from graph.sources.snapshot_file import save_snapshot

from .mutations import mutate_folder, mutate_snapshot, outcome

LAYERS = Path(__file__).parent.parent / "fixtures" / "accounts" / "layers"
FUZZ = settings(max_examples=int(os.environ.get("ROLEMAP_FUZZ_EXAMPLES", "120")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def good_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / "good.json"
    save_snapshot(load_export_folder(LAYERS), path)
    return path


@pytest.fixture(autouse=True)
def alarm() -> Iterator[None]:
    def expired(signum: int, frame: object) -> None:
        raise TimeoutError("hung on a fuzzed input")

    previous = signal.signal(signal.SIGALRM, expired)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _run(argv: list[str], named: str) -> str:
    signal.alarm(20)
    try:
        return outcome(argv, named)
    finally:
        signal.alarm(0)


@FUZZ
@given(rng=st.randoms(use_true_random=False))
def test_fuzzed_snapshot_files(good_snapshot: Path, rng: random.Random) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "snap.json"
        shutil.copy(good_snapshot, path)
        mutate_snapshot(path, rng)
        _run(["export", "--snapshot", str(path), "--format", "csv", "-o", os.devnull],
             str(path))


@FUZZ
@given(rng=st.randoms(use_true_random=False))
def test_fuzzed_export_folders(rng: random.Random) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(shutil.copytree(LAYERS, Path(tmp) / "acct"))
        mutate_folder(folder, rng)
        _run(["export", "--snapshot", str(folder), "--format", "md", "-o", os.devnull],
             str(folder))
