"""The issue's three edits to a realistic account read as three causes, the public one
first, in text, Markdown, JSON and the app's Changes tab."""

from __future__ import annotations

import json

import pytest

from graph.sources import SourceSpec, open_source
from graph.sources.snapshot_file import save_snapshot
from graph.sources.synth import SIZES, write_synthetic
from tui.app import RolemapApp
from tui.cli import main
from tui.screens.change_details import ChangeDetailsScreen
from tui.screens.changes_tree import ChangesTree
from tui.screens.explorer import ExplorerScreen
from tui.screens.who_can import WhoCanScreen

from .three_edits import ADDED_SID, PUBLIC_SID, Edits, three_edits


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, Edits]:
    """(OLD export folder, NEW snapshot file, what was edited) of a small synthetic account."""
    root = tmp_path_factory.mktemp("three-edits")
    size = SIZES["small"]
    old = write_synthetic(root / "old", roles=size.roles, instances=size.instances,
                          buckets=size.buckets, seed=0)
    new, edits = three_edits(open_source(SourceSpec(snapshot=str(old))).snapshot)
    save_snapshot(new, root / "new.json")
    return str(old), str(root / "new.json"), edits


def subjects(edits: Edits) -> tuple[str, str, str]:
    """The three causes' subjects: the public statement, the role's, the profile swap."""
    short = lambda arn: arn.rsplit("/", 1)[-1]  # noqa: E731
    return (f"bucket {edits.public_bucket}: bucket policy: statement 1 ({PUBLIC_SID}) added",
            f"role {edits.role}: inline policy {edits.policy}: statement 1 ({ADDED_SID}) added",
            f"instance profile association {short(edits.old_profile)} → "
            f"{short(edits.new_profile)}")


def test_json_has_three_causes_public_first_and_every_row_attributed(
        edited: tuple[str, str, Edits], capsys: pytest.CaptureFixture[str]) -> None:
    old, new, edits = edited
    assert main(["diff", old, new, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    public, role, profile = subjects(edits)
    causes = data["causes"]
    assert len(causes) == 3
    assert causes[0]["subject"] == public and causes[0]["public"] is True
    assert causes[0]["kind"] == "statement-added"
    rest = {c["kind"]: c["subject"] for c in causes[1:]}
    assert rest["statement-added"] == role
    assert rest["profile-association"].endswith(profile)
    assert edits.instance in rest["profile-association"]
    # Every row is explained by a cause that lists it, and the references resolve.
    listed: dict[tuple[str, int], set[str]] = {}
    for cause in causes:
        for kind, index in cause["rows"]:
            assert cause["id"] in data[kind][index]["causes"]
            listed.setdefault((kind, index), set()).add(cause["id"])
    for kind in ("gained", "lost", "changed"):
        for index, row in enumerate(data[kind]):
            assert set(row["causes"]) == listed[(kind, index)]
    (public_row,) = [(k, i) for k in ("gained", "changed") for i, r in enumerate(data[k])
                     if r["principal_kind"] == "public"]
    assert list(public_row) in causes[0]["rows"]
    assert causes[0]["summary"].startswith(
        f"anyone (public) gained s3:GetObject on {edits.public_bucket}; ")


def test_inserted_statements_renumber_nothing(edited: tuple[str, str, Edits],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """Both statements were inserted first: the later ones moved down one number, which
    changes no row (only rows the new statements decide say a deciding statement was
    added)."""
    old, new, edits = edited
    main(["diff", old, new, "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    inserted = {c["id"] for c in data["causes"] if c["kind"] == "statement-added"}
    for row in data["changed"]:
        if set(row["causes"]) <= inserted and row["instance_id"] != edits.instance:
            assert "deciding statement" not in row["change"] or any(
                ADDED_SID in g or PUBLIC_SID in g for g in row["granted_by"]), row


def test_text_and_markdown_lead_with_the_causes(edited: tuple[str, str, Edits],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    old, new, edits = edited
    public, role, profile = subjects(edits)
    assert main(["diff", old, new]) == 1
    text = capsys.readouterr().out.splitlines()
    start = text.index("CAUSES (3, riskiest first)")
    assert text[2].startswith("3 causes (3 changing access): ")
    assert text[start + 1] == f"  1. [PUBLIC] {public}  [statement-added]"
    numbered = [line for line in text if line[:5] in ("  1. ", "  2. ", "  3. ")]
    assert len(numbered) == 3 and any(role in line for line in numbered)
    assert any(profile in line for line in numbered)
    assert start < text.index(next(line for line in text if line.startswith("GAINED (")))
    assert main(["diff", old, new, "--format", "md"]) == 1
    md = capsys.readouterr().out
    assert "## Causes (3, riskiest first)" in md
    assert f"| 1 | **[PUBLIC]** {public} | statement-added | anyone (public) gained" in md
    assert md.index("## Causes") < md.index("## Gained")


async def test_the_changes_tab_shows_the_three_causes(edited: tuple[str, str, Edits]) -> None:
    old, new, edits = edited
    public, role, profile = subjects(edits)
    app = RolemapApp(SourceSpec(snapshot=new), compare=old)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExplorerScreen) and screen.tab_id == "changes"
        tree = screen.query_one(ChangesTree)
        labels = [n.label.plain for n in tree.root.children]
        assert labels[0] == f"[PUBLIC] {public}"
        assert sorted(labels[1:]) == sorted([role, next(x for x in labels if profile in x)])
        # c copies the cause under the cursor as the JSON `rolemap diff` gives.
        copied = tree.copy_target()
        assert copied is not None and copied[1] == "cause as JSON"
        assert json.loads(copied[0])["subject"] == public
        # d on the first cause: it in full, with its effect.
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ChangeDetailsScreen)
        assert "anyone (public) gained s3:GetObject" in app.screen.text.plain
        await pilot.press("escape")
        # The first cause is open: its effect, then its buckets, the public one first.
        await pilot.press("j", "j")
        assert tree.cursor_node is not None
        assert tree.cursor_node.label.plain.startswith(f"{edits.public_bucket}  [PUBLIC]")
        await pilot.press("enter", "j")
        await pilot.pause()
        assert tree.cursor_node is not None
        assert tree.cursor_node.label.plain.startswith("gained   anyone (public)")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, WhoCanScreen)
        assert app.screen.bucket == edits.public_bucket


async def test_at_80x24_the_line_under_the_cursor_is_shown_in_full(
    edited: tuple[str, str, Edits],
) -> None:
    old, new, _ = edited
    app = RolemapApp(SourceSpec(snapshot=new), compare=old)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        tree = app.screen.query_one(ChangesTree)
        long_lines = 0
        for cause in list(tree.root.children):
            tree.move_cursor(cause)
            await pilot.pause()
            whole = cause.label.plain
            long_lines += len(whole) > 76  # longer than the tree's line: cut there
            # Wrapped below the tree: every word of the line is on the screen.
            rows = [strip.text for strip in app.screen._compositor.render_strips()]
            shown = " ".join(" ".join(rows).split())
            assert all(word in shown for word in whole.split()), whole
        assert long_lines  # the case this is for
