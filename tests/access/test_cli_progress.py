"""Long commands show progress on stderr only when stderr is a terminal, and leave the line
clean for what follows; scripts capturing stderr see none of it."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest

from tui.cli import main

from .helpers import LAYERS

SRC = ["--snapshot", str(LAYERS)]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("command", [
    ["who-can", "data"],
    ["trace", "app-1", "data"],
])
def test_progress_on_a_terminal_ends_on_a_clean_line(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        command: list[str]) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main([*command, *SRC]) == 0
    err = terminal.getvalue()
    assert "rolemap: roles" in err or "rolemap: trust" in err, err
    # The account's load warnings (issue #11: what could not be read is shown) follow the
    # answer on their own lines, after the progress line is cleared.
    progress, _, warnings = err.partition("warning: ")
    assert progress.endswith("\r\x1b[2K"), "the last progress line is cleared"
    assert "\n" not in progress and "rolemap:" not in capsys.readouterr().out
    assert "s3:GetBucketPolicy" in warnings


def test_no_progress_when_stderr_is_not_a_terminal(capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    assert main(["export", "--format", "csv", "-o", str(tmp_path / "out.csv"), *SRC]) == 0
    captured = capsys.readouterr()
    assert "\r" not in captured.err and "rolemap:" not in captured.err
    assert captured.err.startswith("wrote ")


def test_export_to_a_file_says_it_is_writing(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    import graph.exports

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    original = graph.exports.export

    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        import time

        time.sleep(0.7)  # longer than the half second between two activity lines
        return original(*args, **kwargs)

    monkeypatch.setattr("tui.commands.export.export", slow)
    out = tmp_path / "out.csv"
    assert main(["export", "--format", "csv", "-o", str(out), *SRC]) == 0
    err = terminal.getvalue()
    assert re.search(rf"rolemap: writing {re.escape(str(out))}… \d+ s", err)
    assert "wrote " in err.rsplit("\r\x1b[2K", 1)[1], "the summary follows a cleared line"
