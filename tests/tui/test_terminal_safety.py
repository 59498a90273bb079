"""Account text never sends control sequences to the reviewer's terminal (issue #13 item 6).

A crafted instance Name tag and role name (ESC sequences that clear the screen and retitle the
window, a `[/x]` that Rich markup would choke on) are loaded from a snapshot file; every place
that shows them — CLI output on a terminal, the explorer table, the trace tree, the details
pane, the jump list — must show them escaped, and nothing may crash.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.widgets import Markdown, OptionList

from graph.sources import LoadedSource, SourceSpec, open_source
from graph.sources.snapshot_file import save_snapshot
from graph.text import printable, stream_safe
from tui.app import RolemapApp
from tui.cli import main
from tui.screens.explorer import ExplorerScreen
from tui.widgets.access_tree import AccessTree
from tui.widgets.safe_text import safe_text

EVIL_NAME = "web-1\x1b[2J\x1b]0;pwned\x07"
EVIL_ROLE = "web-server[/x]\x1b[31m\u202e"


def test_printable_escapes_controls_bidi_and_surrogates() -> None:
    assert printable("plain name") == "plain name"
    assert printable(EVIL_NAME) == "web-1\\x1b[2J\\x1b]0;pwned\\x07"
    assert printable("a\u202eb\ud800\x9b") == "a\\u202eb\\ud800\\x9b"
    assert printable("two\nlines") == "two\\x0alines"
    assert printable("two\nlines", multiline=True) == "two\nlines"
    assert stream_safe("a,b\r\nc\x1bd\re\n") == "a,b\r\nc\\x1bd\\x0de\n"


def test_safe_text_keeps_styles() -> None:
    text = Text("ok ")
    text.append("bad\x1bname", style="bold")
    out = safe_text(text)
    assert out.plain == "ok bad\\x1bname"
    assert any(str(s.style) == "bold" for s in out.spans)


@pytest.fixture(scope="module")
def evil_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    loaded = open_source(SourceSpec(demo=True))
    snap = loaded.snapshot
    instances = tuple(
        dataclasses.replace(i, name=EVIL_NAME, tags={**i.tags, "Name": EVIL_NAME})
        if i.name == "web-1" else i for i in snap.instances)
    roles = tuple(dataclasses.replace(r, name=EVIL_ROLE) if r.name == "web-server" else r
                  for r in snap.roles)
    path = tmp_path_factory.mktemp("evil") / "evil.json"
    save_snapshot(dataclasses.replace(snap, instances=instances, roles=roles), path)
    return path


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("argv", [["who-can", "acme-app-logs"],
                                  ["trace", EVIL_NAME, "acme-app-logs"],
                                  ["export", "--format", "csv"],
                                  ["export", "--format", "md"]])
def test_cli_on_a_terminal_shows_escapes(argv: list[str], evil_snapshot: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    out = FakeTerminal()
    monkeypatch.setattr("sys.stdout", out)
    code = main([*argv, "--snapshot", str(evil_snapshot)])
    text = out.getvalue()
    assert code in (0, 1), text
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "\\x1b" in text


def test_cli_piped_output_stays_exact(evil_snapshot: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--format", "csv", "--snapshot", str(evil_snapshot)]) == 0
    assert EVIL_NAME in capsys.readouterr().out  # data, not a terminal: byte-exact


def test_error_messages_are_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad\x1b[2J.json"
    bad.write_text("{")
    assert main(["export", "--snapshot", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "bad\\x1b[2J.json" in err


async def test_the_app_shows_escapes_everywhere(evil_snapshot: Path) -> None:
    spec = SourceSpec(snapshot=str(evil_snapshot))

    def opener(spec: SourceSpec, progress: Any = None) -> LoadedSource:
        return open_source(spec)

    app = RolemapApp(spec, opener=opener)
    async with app.run_test(size=(160, 48)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExplorerScreen)
        evil = next(i.instance_id for i in app.workspace.snapshot.instances
                    if i.name == EVIL_NAME)
        screen.jump_to(("instances", evil))
        await pilot.pause()
        table = screen.table
        drawn = "\n".join(table.render_line(y).text for y in range(table.size.height))
        assert "web-1\\x1b[2J" in drawn and "\x1b" not in drawn
        assert "web-server[/x]\\x1b[31m\\u202e" in drawn
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        tree = app.screen.query_one(AccessTree)
        labels = [str(tree.get_node_at_line(y).label) for y in range(tree.last_line + 1)]
        assert any("web-server[/x]\\x1b[31m" in label for label in labels), labels
        assert not any("\x1b" in label for label in labels)

        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        markdown = app.screen.query_one(Markdown)
        assert "\\x1b" in markdown.source and "\x1b" not in markdown.source
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("colon")
        await pilot.pause()
        await pilot.press(*"web")
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any("\\x1b" in s for s in shown) and not any("\x1b" in s for s in shown)
