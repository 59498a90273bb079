"""Exports are byte-identical to the recorded ones: every export form of the command line on the
stable-id demo and on seeded synthetic accounts, small and medium.

A restructure, a new cache or a speed-up must not change one byte of an answer. When a change of
answers IS intended, re-record with tests/access/record_export_digests.py and say why in the
commit; a red test here otherwise names each export whose bytes changed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from . import export_goldens as goldens

CASES = goldens.cases()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the commands run: the accounts' snapshot files are written there once."""
    return tmp_path_factory.mktemp("goldens")


@pytest.fixture(scope="module")
def recorded() -> dict[str, dict[str, str]]:
    return goldens.recorded()


def test_every_case_is_recorded(recorded: dict[str, dict[str, str]]) -> None:
    # A case added without recording it, or one recorded but since removed, is a gap.
    assert sorted(recorded) == sorted(goldens.key(c) for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=goldens.key)
def test_export_bytes_unchanged(case: goldens.Case, folder: Path,
                                recorded: dict[str, dict[str, str]]) -> None:
    assert goldens.run(case, folder) == recorded[goldens.key(case)]


def test_parallel_rows_equal_serial_rows(recorded: dict[str, dict[str, str]]) -> None:
    # Rows decided in two processes are the rows decided in one: same bytes.
    assert recorded["demo/export-json-by-role-j2"] == recorded["demo/export-json-by-role"]
    assert recorded["small/export-json-by-role-j2"] == recorded["small/export-json-by-role"]
