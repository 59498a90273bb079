"""Every README example that needs no real account runs as written.

The commands are read from the README's `sh` code blocks, so an example added or changed
there is tested as it reads; `.ci/run` must run exactly the README's test command.
"""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from tui.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"

#: Examples that need something the test machine does not have (a live account, an export
#: folder the reader made, minutes of synthesis); each must be named here on purpose.
_NEEDS_MORE = (
    "--profile",  # a live account
    "--snapshot DIR",  # the folder `collect.sh` writes (acct.json is made from the demo)
    "snapshot synth big",  # a 5,000-role account: the benchmark's, not a test's
    "rolemap diff ",  # snapshots the reader took on two days (tests/diff runs the command)
    # The organisation the reader saved with `snapshot save acme-org/ --org` (and analysed);
    # tests/org runs these commands on organisations made in the tests.
    "acme-org/",
)


def shell_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)


def commands(text: str) -> list[str]:
    """Each command of the sh blocks: continuations joined, comments dropped, `&&` split."""
    found: list[str] = []
    for block in shell_blocks(text):
        joined = re.sub(r"\\\n\s*", "", block)
        for line in joined.splitlines():
            line = re.sub(r"\s+#\s.*$", "", line).strip()  # a trailing comment
            if not line or line.startswith("#"):
                continue
            found.extend(part.strip() for part in line.split("&&"))
    return found


def runnable(text: str) -> list[str]:
    return [c for c in commands(text)
            if c.startswith("rolemap ") and not any(m in c for m in _NEEDS_MORE)]


EXAMPLES = runnable(README.read_text())


def test_the_readme_has_demo_examples_and_every_skipped_one_is_named() -> None:
    every = [c for c in commands(README.read_text()) if c.startswith("rolemap ")]
    assert sum("--demo" in c for c in EXAMPLES) >= 8
    skipped = [c for c in every if c not in EXAMPLES]
    assert all(any(m in c for m in _NEEDS_MORE) for c in skipped)


def test_the_demo_command_installs_the_demo_extra() -> None:
    setup = next(line for block in shell_blocks(README.read_text())
                 for line in block.splitlines() if line.rstrip().endswith("rolemap --demo"))
    assert "pip install -c requirements.lock -e '.[demo]'" in setup


def test_ci_runs_exactly_the_readmes_test_command() -> None:
    test_line = next(line for block in shell_blocks(README.read_text())
                     for line in block.splitlines() if line.rstrip().endswith("pytest"))
    install_and_test = test_line.split("&& pip", 1)[1]
    assert f"pip{install_and_test}" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("command", EXAMPLES)
async def test_readme_example_runs_as_written(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    argv = shlex.split(command)[1:]
    if "--snapshot" in argv and not Path(argv[argv.index("--snapshot") + 1]).exists():
        # The README saves acct.json from a live account first; the demo stands in for it.
        assert main(["snapshot", "save", argv[argv.index("--snapshot") + 1], "--demo"]) == 0
        capsys.readouterr()
    args = build_parser().parse_args(argv)
    if getattr(args, "func", None) is None:
        await _opens_the_app(args)
        return
    code = main(argv)
    out, err = capsys.readouterr()
    # `--fail-on` answers with its exit code (1: a finding at or above the level exists).
    allowed = (0, 1) if "--fail-on" in argv else (0,)
    assert code in allowed, f"{command!r} exited {code}: {err.strip()}"
    assert out.strip() or any(tmp_path.iterdir()), f"{command!r} printed and wrote nothing"
    assert "Traceback" not in err


async def _opens_the_app(args: argparse.Namespace) -> None:
    """`rolemap --demo` opens the explorer on the demo account (headless here)."""
    from tui.app import RolemapApp
    from tui.commands.source_options import spec_from_args
    from tui.screens.explorer import ExplorerScreen

    app = RolemapApp(spec_from_args(args))
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ExplorerScreen)
        assert app.workspace is not None
        assert app.workspace.snapshot.instance_by_id


def test_the_readme_points_only_inside_the_repository() -> None:
    text = README.read_text()
    # A reader of a clone has nothing outside it: no ../ paths, and every image is there.
    assert "../" not in text
    for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text):
        assert (ROOT / image).is_file(), image


def test_the_trace_screenshot_caption_names_what_it_shows() -> None:
    caption = next(m for m in re.findall(r"!\[([^\]]*)\]\(screenshots/trace\.svg\)",
                                         README.read_text()))
    shown = (ROOT / "screenshots" / "trace.svg").read_text()
    named = re.search(r"Tracing (\S+) to", caption)
    assert named and f"trace&#160;{named.group(1)}&#160;" in shown
