"""The first open: tables before the analysis is done, a progress bar while it runs, and a
trace or who-can asked meanwhile decided on demand, with the answers of the full analysis.

The background analysis is held back by an event, so each test sees the app mid-analysis
for as long as it needs, then lets it finish.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from textual.pilot import Pilot

from graph.access import AccessGraph, build_access_graph
from tui.app import RolemapApp
from tui.screens.explorer import ExplorerScreen
from tui.screens.trace import TraceScreen
from tui.screens.who_can import WhoCanScreen
from tui.views.rows import PENDING
from tui.widgets.analysis_bar import AnalysisBar
from tui.widgets.resource_table import ResourceTable

from .screen_text import screen_text
from .test_access_flows import instance_id, tree_labels

MakeApp = Callable[[], RolemapApp]


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Holds every background analysis until set (set at the end in any case)."""
    event = threading.Event()
    original = AccessGraph.decide_all

    def held(self: AccessGraph, progress=None, cancelled=lambda: False) -> bool:  # type: ignore[no-untyped-def]
        while not event.wait(0.02):
            if cancelled():
                return False
        return original(self, progress, cancelled)

    monkeypatch.setattr(AccessGraph, "decide_all", held)
    yield event
    event.set()


async def until(pilot: Pilot[int], done: Callable[[], bool], seconds: float = 20) -> None:
    for _ in range(int(seconds / 0.05)):
        if done():
            return
        await pilot.pause(0.05)
    raise AssertionError("the app did not get there in time")


async def _explorer_mid_analysis(app: RolemapApp, pilot: Pilot[int]) -> ExplorerScreen:
    # The screen is pushed before it composes: wait for its tables, not only the screen.
    await until(pilot, lambda: isinstance(app.screen, ExplorerScreen)
                and app.screen.is_mounted and bool(app.screen.query("#findings"))
                and app.workspace is not None and app.workspace.graph is not None)
    assert isinstance(app.screen, ExplorerScreen)
    return app.screen


async def test_tables_show_before_the_analysis_with_a_progress_bar_that_goes(
        make_app: MakeApp, gate: threading.Event) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        explorer = await _explorer_mid_analysis(app, pilot)
        assert app.workspace is not None and not app.workspace.analysed
        instances = explorer.query_one("#instances", ResourceTable)
        rows = {r.values[0]: r for r in instances.model.visible}
        assert {"web-1", "bastion", "legacy-reports"} <= set(rows)
        assert rows["web-1"].values[4] == "web-server" and rows["web-1"].values[5] == PENDING
        bar = explorer.query_one(AnalysisBar)
        assert bar.display and "Analysis: " in screen_text(app)
        assert app.check_action("export", ()) is False  # exports wait for the whole account
        findings = explorer.query_one("#findings", ResourceTable).model.rows
        assert [r.values[2] for r in findings] == ["Findings are ranked once the analysis is done"]
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is explorer and app.workspace.analysed
        assert not bar.display and "Analysis: " not in screen_text(app)
        legacy = next(r for r in instances.model.visible if r.values[0] == "legacy-reports")
        assert legacy.values[5] == 7  # the count arrived in place of "…"
        await until(pilot, lambda: all(r.key != "pending" for r in
                                       explorer.query_one("#findings", ResourceTable).model.rows))
        findings = explorer.query_one("#findings", ResourceTable).model.rows
        assert findings and all(r.key != "pending" for r in findings)


async def test_a_trace_opened_before_the_analysis_is_done_equals_the_one_after(
        make_app: MakeApp, gate: threading.Event) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        explorer = await _explorer_mid_analysis(app, pilot)
        explorer.jump_to(("instances", instance_id(app, "etl-worker-1")))
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TraceScreen))
        trace = app.screen
        assert isinstance(trace, TraceScreen) and not app.workspace.analysed
        graph = app.workspace.graph
        assert graph is not None and not graph.complete, "decided on demand, not all of it"
        before = tree_labels(trace.query_one("AccessTree"))  # type: ignore[arg-type]
        early = [(a.bucket, a.via, {k: (v.outcome, v.conditions) for k, v in a.actions.items()})
                 for a in trace.accesses]
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is trace and app.workspace.analysed
        after = tree_labels(trace.query_one("AccessTree"))  # type: ignore[arg-type]
        # Escalation paths ("could gain") are findings over the whole account: they come
        # with the analysis, after every answer that was already shown.
        gained = next((i for i, label in enumerate(after) if label.startswith("could gain")),
                      len(after))
        assert before == after[:gained] and any("acme-customer-data" in x for x in before)
        full = build_access_graph(app.workspace.snapshot)
        expected = full.reachable_from_instance(trace.key, include_denied=True)
        assert early == [(a.bucket, a.via, {k: (v.outcome, v.conditions)
                                             for k, v in a.actions.items()}) for a in expected]


async def test_who_can_opened_before_the_analysis_is_done_lists_everyone(
        make_app: MakeApp, gate: threading.Event) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        explorer = await _explorer_mid_analysis(app, pilot)
        explorer.jump_to(("buckets", "acme-customer-data"))
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, WhoCanScreen))
        assert not app.workspace.analysed
        early = app.workspace.decided.who_can("acme-customer-data", include_denied=True)
        full = build_access_graph(app.workspace.snapshot)
        expected = full.who_can("acme-customer-data", include_denied=True)
        assert [(p.kind, p.id, {k: a.outcome for k, a in p.actions.items()}) for p in early] \
            == [(p.kind, p.id, {k: a.outcome for k, a in p.actions.items()}) for p in expected]
        assert any(p.kind == "instance" for p in early)
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, WhoCanScreen) and app.workspace.analysed
