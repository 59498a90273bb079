"""Exports written by several processes (graph/exports/shards.py) are the one-process bytes.

Spans of units are rendered by whichever process takes them and written in turn; a child
that dies before writing what it took must cost nothing, and one that dies half-way through
writing must fail the export, never leave a file with rows missing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from graph.access import AccessGraph, build_access_graph
from graph.errors import RolemapError
from graph.exports import export, shards
from graph.model import AccountSnapshot
from graph.sources import SourceSpec, open_source
from graph.sources.synth import write_synthetic

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

#: Accounts with fewer units are written by one process (the fixture below lowers it).
MIN_UNITS = shards.MIN_UNITS


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, AccountSnapshot]:
    folder = tmp_path_factory.mktemp("shards") / "account"
    write_synthetic(folder, roles=60, instances=200, buckets=40, policies=15, seed=11)
    return folder, open_source(SourceSpec(snapshot=str(folder))).snapshot


@pytest.fixture(autouse=True)
def small_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shard even this small account, in many small spans."""
    monkeypatch.setattr(shards, "MIN_UNITS", 1)
    monkeypatch.setattr(shards, "MAX_SPAN", 3)


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if "generated_at" not in line]


def _export(snapshot: AccountSnapshot, path: Path, fmt: str, mode: str, workers: int,
            keep: bool = True, **filters: object) -> int:
    g: AccessGraph = build_access_graph(snapshot, decide=False)
    return export(g, fmt, path, mode=mode, workers=workers, keep=keep,
                  **filters)  # type: ignore[arg-type]


@pytest.mark.parametrize(("workers", "keep"), [(2, True), (3, True), (2, False), (1, False)])
@pytest.mark.parametrize("fmt", ["json", "csv"])
@pytest.mark.parametrize("mode", ["default", "per-action", "by-role"])
def test_processes_write_the_same_bytes_as_one(account: tuple[Path, AccountSnapshot],
                                              tmp_path: Path, fmt: str, mode: str,
                                              workers: int, keep: bool) -> None:
    """Also without keeping each role decided once written (what the command line does):
    roles reached again through a chain are decided again, to the same answers."""
    _, snapshot = account
    one, many = tmp_path / "one", tmp_path / "many"
    count_one = _export(snapshot, one, fmt, mode, 1)
    count_many = _export(snapshot, many, fmt, mode, workers, keep)
    assert count_one == count_many > 0
    assert _lines(one) == _lines(many)


def test_filters_and_denied_rows_too(account: tuple[Path, AccountSnapshot],
                                    tmp_path: Path) -> None:
    _, snapshot = account
    bucket = snapshot.buckets[0].name
    for filters in ({"include_denied": True}, {"bucket": bucket}):
        one, many = tmp_path / "one.json", tmp_path / "many.json"
        assert _export(snapshot, one, "json", "by-role", 1, **filters) == _export(
            snapshot, many, "json", "by-role", 2, **filters)
        assert _lines(one) == _lines(many)


def test_an_export_without_rows_is_still_valid_json(account: tuple[Path, AccountSnapshot],
                                                    tmp_path: Path) -> None:
    import json

    _, snapshot = account
    # A role (assuming no other) and a bucket it cannot touch: their export has no rows.
    g = build_access_graph(snapshot)
    pair = next(((r.arn, bf.bucket.name) for r in snapshot.roles
                 if len(g.data.chains_from(r.arn)) == 1
                 for bf in g.data.buckets if not g.data.reach_of(r.arn).lookup(bf)), None)
    assert pair is not None, "the account has a role that cannot touch some bucket"
    out = tmp_path / "none.json"
    assert _export(snapshot, out, "json", "by-role", 2, role=pair[0], bucket=pair[1]) == 0
    assert json.loads(out.read_text())["permissions"] == []


def test_a_child_that_dies_before_writing_costs_nothing(
        account: tuple[Path, AccountSnapshot], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _, snapshot = account
    parent = os.getpid()
    render = shards._Writer._render

    def dies_in_child(self: shards._Writer, k: int) -> shards._Held:
        if os.getpid() != parent and k >= 2:
            os._exit(9)  # killed after taking a span, before writing it
        return render(self, k)

    one = tmp_path / "one.csv"
    _export(snapshot, one, "csv", "by-role", 1)
    monkeypatch.setattr(shards._Writer, "_render", dies_in_child)
    many = tmp_path / "many.csv"
    _export(snapshot, many, "csv", "by-role", 2)
    assert _lines(one) == _lines(many)


def test_a_child_that_dies_while_writing_fails_the_export(
        account: tuple[Path, AccountSnapshot], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _, snapshot = account
    parent = os.getpid()
    write = shards._Writer._write

    def dies_half_way(self: shards._Writer, held: shards._Held, first: bool) -> None:
        if os.getpid() != parent:
            os.write(self.fd, held.pieces[0][:10])
            os._exit(9)
        write(self, held, first)

    out = tmp_path / "out.csv"
    out.write_text("the previous export\n")
    monkeypatch.setattr(shards._Writer, "_write", dies_half_way)
    with pytest.raises(RolemapError, match="stopped half-way"):
        _export(snapshot, out, "csv", "by-role", 2)
    assert out.read_text() == "the previous export\n", "the old file is left as it was"


def test_cli_jobs_option(tmp_path: Path) -> None:
    """`rolemap export --jobs`: more roles than MIN_UNITS, so two processes do write."""
    folder = tmp_path / "account"
    write_synthetic(folder, roles=MIN_UNITS + 20, instances=300, buckets=20,
                    policies=10, seed=5)
    base = [sys.executable, "-m", "tui.cli", "export", "--snapshot", str(folder), "--by-role",
            "--format", "csv"]
    bad = subprocess.run([*base, "--jobs", "0"], capture_output=True, text=True)
    assert bad.returncode == 2
    assert "--jobs" in bad.stderr and "≥ 1" in bad.stderr
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"j{jobs}.csv"
        done = subprocess.run([*base, "--jobs", jobs, "-o", str(out)], capture_output=True,
                              text=True)
        assert done.returncode == 0, done.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert outs[0].count(b"\r\n") > MIN_UNITS
    # Piped to a reader instead of a file, the rows arrive the same.
    piped = subprocess.run([*base, "--jobs", "2"], capture_output=True)
    assert piped.returncode == 0
    assert piped.stdout == outs[0]
    # A reader that leaves early (`| head -1`) is no error, whichever process it stops.
    proc = subprocess.Popen([*base, "--jobs", "2"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith(b"role,")
    proc.stdout.close()
    assert proc.wait(timeout=120) == 0
    assert b"error" not in proc.stderr.read()
