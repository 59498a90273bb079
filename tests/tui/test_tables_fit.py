"""No table cuts an identifier or a risk mark, at 80x24 or at 160x48 (#22 item 6): names, ids
and marks too long for the terminal wrap onto a second line of their row; only free text ends
in "…". Checked on the screen, as a user reads it."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from graph.model import InstanceProfile, Role
from graph.sources import LoadedSource, SourceSpec
from tui.app import RolemapApp
from tui.screens.explorer import ExplorerScreen
from tui.widgets.resource_table import ResourceTable
from tui.widgets.risk import split_marks

from .screen_text import screen_rows
from .test_access_flows import open_explorer

SIZES = [(80, 24), (160, 48)]

#: As long as AWS allows: role names 64 characters, bucket names 63.
LONG_ROLE = "payments-settlement-reconciliation-batch-processor-prod-eu-west-1"
LONG_BUCKET = "acme-payments-settlement-reconciliation-exports-prod-eu-west-1a"
LONG_NAME = "payments-settlement-reconciliation-worker-blue-green-canary-7"


def long_names(loaded: LoadedSource) -> LoadedSource:
    """The demo plus a role, profile, instance and bucket with the longest names AWS allows;
    the instance has a public IP and IMDSv1, and the role is administrator: long marks too."""
    snap = loaded.snapshot
    acct = snap.account_id
    role = Role(f"arn:aws:iam::{acct}:role/{LONG_ROLE}", LONG_ROLE, {
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole"}]},
        attached_policy_arns=snap.role_by_name["admin-box"].attached_policy_arns)
    profile = InstanceProfile(f"arn:aws:iam::{acct}:instance-profile/{LONG_ROLE}", LONG_ROLE,
                              role_arns=(role.arn,))
    legacy = next(i for i in snap.instances if i.name == "legacy-reports")
    inst = dataclasses.replace(legacy, instance_id="i-0fffffffffffffff1", name=LONG_NAME,
                               instance_profile_arn=profile.arn)
    bucket = dataclasses.replace(snap.bucket_by_name["acme-public-website"], name=LONG_BUCKET)
    return dataclasses.replace(loaded, snapshot=dataclasses.replace(
        snap, roles=snap.roles + (role,), instances=(inst, *snap.instances),
        instance_profiles=snap.instance_profiles + (profile,),
        buckets=(bucket, *snap.buckets)))


def drawn(app: RolemapApp, table: ResourceTable) -> list[tuple[int, list[str]]]:
    """(row index, text of each column as drawn) for every row wholly on screen."""
    rows = screen_rows(app)
    region = table.content_region
    top = round(table.scroll_y)
    widths = table.drawn_widths
    out = []
    for index in range(len(table.model.visible)):
        first, height = table.row_lines(index)
        if first < top or first + height > top + region.height - 1:
            continue
        lines = [rows[region.y + 1 + line - top] for line in range(first, first + height)]
        cells = []
        x = region.x
        for width in widths:
            cells.append([line[x:x + width].rstrip() for line in lines] if width else [])
            x += width + 2 if width else 0
        out.append((index, [" ".join(p for p in c if p) if i else "".join(c)
                            for i, c in zip(_marks(table), cells, strict=True)]))
    return out


def _marks(table: ResourceTable) -> list[bool]:
    return [c.marks for c in table.model.columns]


def assert_nothing_cut(app: RolemapApp, explorer: ExplorerScreen) -> int:
    table = explorer.table
    assert table.virtual_size.width <= table.content_region.width  # no sideways scroll
    checked = 0
    for index, cells in drawn(app, table):
        row = table.model.visible[index]
        for i, column in enumerate(table.model.columns):
            if not (column.identifier or column.marks):
                continue
            full = row.cell(i)
            if column.marks:
                assert cells[i].split() == " ".join(split_marks(full)).split(), (column.key, full)
            else:
                assert cells[i] == full, (column.key, full, cells[i])
            checked += 1
    assert checked or not table.model.visible
    return checked


@pytest.mark.parametrize("size", SIZES)
async def test_no_identifier_or_mark_is_cut(demo_loaded: LoadedSource,
                                           size: tuple[int, int]) -> None:
    loaded = long_names(demo_loaded)

    def opener(spec: SourceSpec, progress: Any = None) -> LoadedSource:
        return loaded

    app = RolemapApp(loaded.spec, opener=opener)
    async with app.run_test(size=size) as pilot:
        explorer = await open_explorer(app, pilot)
        seen = set()
        for _ in explorer.tabs:
            assert_nothing_cut(app, explorer)
            seen.add(explorer.tab_id)
            if explorer.tab_id == "instances":
                visible = explorer.table.model.visible
                risk = [c.key for c in explorer.table.model.columns].index("risk")
                top = next(r for r in visible if r.values[0] == LONG_NAME)
                assert top.values[risk] == "ADMIN PUBLIC IMDSv1"
                # Scrolling down a page keeps every row whole.
                await pilot.press("pagedown")
                await pilot.pause()
                assert_nothing_cut(app, explorer)
            await pilot.press("right_square_bracket")
            await pilot.pause()
        assert seen == {"findings", "instances", "roles", "buckets", "warnings"}
