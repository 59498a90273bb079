"""The rolemap explorer: loads an account in a worker, then lets the user trace access.

Blocking work (boto3 calls, analysis) runs in thread workers that post typed messages; the
app owns the current `Workspace` and hands it to every open screen when it changes (reload,
new assumed context), so screens never reach into workers or sources.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.worker import get_current_worker

from graph.access import AccessGraph
from graph.diff import SnapshotDiff
from graph.diff.render import summary_line
from graph.errors import RolemapError
from graph.sources import LoadedSource, SourceSpec, open_source
from graph.text import printable
from tui.clipboard import copy_text
from tui.collector import SETTLE_AFTER_CHANGE, settle_collector
from tui.messages import (
    DecidedOnDemand,
    LoadFailed,
    LoadProgress,
    WorkspaceChanged,
    WorkspacePending,
    WorkspaceReady,
)
from tui.navigation import DecideFirst
from tui.navigator import Navigator, forget_views, open_trace, open_who_can
from tui.org_app import OrgAccounts, opens_org
from tui.screens.explorer import ExplorerScreen
from tui.screens.load_error import LoadErrorScreen
from tui.screens.loading import LoadingScreen
from tui.signals import AppSignals
from tui.workspace import Workspace, compare_with, make_workspace, pending_workspace

if TYPE_CHECKING:
    from rich.console import RenderableType

#: Opens a source; graph.sources.open_source, replaceable in tests of failure handling.
Opener = Callable[..., LoadedSource]

#: Progress messages closer together than this are dropped (the last of a step is kept).
_PROGRESS_INTERVAL = 0.05


def describe_spec(spec: SourceSpec) -> str:
    """The source in words for the loading screen."""
    if spec.demo:
        return "the demo account"
    if spec.snapshot:
        return f"snapshot {spec.snapshot}"
    return f"profile {spec.profile or 'default'}"


class RolemapApp(OrgAccounts, Navigator):
    """Which EC2 instance can reach which S3 bucket, with which actions, and why."""

    CSS_PATH = Path(__file__).with_name("rolemap.tcss")  # absolute: subclasses live elsewhere
    TITLE = "rolemap"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("ctrl+r", "reload", "Reload", id="reload"),
        Binding("a", "assumed_context", "Context", id="assumed_context"),
        Binding("e", "export", "Export", id="export"),
        Binding("c", "copy", "Copy ARN", id="copy"),
        Binding("C", "copy_view", "Copy JSON", show=False, id="copy_view"),
    ]

    workspace: reactive[Workspace | None] = reactive(None, always_update=True)
    """The loaded account and its analysis; None until the first load finishes."""

    def __init__(self, spec: SourceSpec, opener: Opener = open_source,
                 compare: str | None = None) -> None:
        super().__init__()
        self.spec = spec
        """Where the account comes from (demo, profile and regions, snapshot)."""
        self.compare = compare
        """An older snapshot (file or export folder) to show the Changes tab against."""
        self.opener = opener
        """How to open `spec`; the real sources, or a failing one in error-screen tests."""
        self.loaded: LoadedSource | None = None
        """The open source, kept so ctrl+r reloads the same one (the demo keeps its server)."""
        self.show_after_load: str | None = None
        """A role ARN whose access paths to open once the next load is ready (a new role)."""
        self._early_graph: AccessGraph | None = None
        """The first open's graph while its background analysis runs (decides on demand)."""
        self._graph_set_up = threading.Event()
        """Set once `_early_graph` is there: on-demand workers wait for it."""
        self._analysis_stop = threading.Event()
        """Stops the first open's background analysis (set by a reload or new context)."""
        self.load_error: str | None = None
        """Why the latest load failed; None once one succeeds (the exit code reads it)."""
        self.signals = AppSignals(lambda code: self.exit(return_code=code))
        """SIGTERM/SIGHUP: exit 143/129, after rolling back the wizard's writes in flight."""

    def exit(self, result: int | None = None, return_code: int = 0,
             message: RenderableType | None = None) -> None:
        """Exit code 2 after a failed load, as every command that could not read its input."""
        if self.load_error is not None and return_code == 0:
            return_code = 2
        super().exit(result, return_code, message)

    def on_mount(self) -> None:
        self.signals.install()
        self.push_screen(LoadingScreen(describe_spec(self.spec)))
        self._load(None, {})

    def on_unmount(self) -> None:
        self._analysis_stop.set()  # quitting mid-analysis: the daemon thread stops too

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        analysed = self.workspace is not None and self.workspace.analysed
        if action == "reload":
            # Not under a screen built on the account it opened on (the wizard's lists and
            # checks): ctrl+r there would change nothing the user sees.
            return analysed and getattr(self.screen, "ALLOW_RELOAD", True)
        if action in ("assumed_context", "export"):
            # Both decide the whole account: once the background analysis is done.
            return analysed and hasattr(self.screen, "copy_target")
        if action in ("copy", "copy_view"):
            # Only on the views that answer access questions (not inside the wizard).
            return self.workspace is not None and hasattr(self.screen, "copy_target")
        return True

    # -- loading --------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load(self, previous: LoadedSource | None, assumed: Mapping[str, str]) -> None:
        """Open (or reopen) the source and analyse it; runs off the UI thread.

        The first open shows the tables as soon as the files are read and analyses in the
        background (a view asked for meanwhile is decided on demand). A reload keeps the
        loading screen until the analysis is done: the views open on the old account are
        redrawn from the new one, which must then be decided.
        """
        worker = get_current_worker()
        progress = self._progress_poster()
        try:
            if previous is not None:
                loaded = previous.reload(progress=progress)
                graph, diff = self._analyse(loaded, assumed, progress)
            else:
                loaded = self._open_org(progress) if opens_org(self.spec) else \
                    self.opener(self.spec, progress=progress)
                if self.org is not None and self.org.stored:
                    self._open_stored(loaded, assumed)
                    return
                if self.compare is None:
                    self._analyse_in_background(loaded, assumed, progress)
                    return
                # Two snapshots compared: the changes view needs both analysed.
                graph, diff = self._analyse(loaded, assumed, progress)
            workspace = make_workspace(loaded, graph, progress, diff, org=self.org)
        except RolemapError as exc:
            message = str(exc)
        except Exception as exc:  # AWS or network failure: still a message, never a traceback
            message = f"{type(exc).__name__}: {exc}"
        else:
            if not worker.is_cancelled:
                self.post_message(WorkspaceReady(workspace))
            return
        if not worker.is_cancelled:
            self.post_message(LoadFailed(message))

    def _analyse_in_background(self, loaded: LoadedSource, assumed: Mapping[str, str],
                               progress: Callable[[str, int, int], None]) -> None:
        """Hand out the tables with a graph that decides on demand; the rest is decided by
        a daemon thread, which quitting does not wait for (a worker's own thread it would, and
        one role can take seconds on a large account); a reload stops it too.
        """
        worker = get_current_worker()
        # The account's set-up (bucket facts, public access, trust: about a second on 5,000
        # buckets) comes before the tables: a trace or who-can asked as soon as they show is
        # then decided at once instead of waiting for it.
        graph = self._set_up_graph(loaded, assumed, progress, decide=False)
        if worker.is_cancelled:
            return
        self.post_message(WorkspacePending(pending_workspace(loaded, graph, assumed,
                                                             org=self.org)))
        self._early_graph = graph
        self._graph_set_up.set()
        stop = self._analysis_stop = threading.Event()

        def decide_the_rest() -> None:
            try:
                if not graph.decide_all(progress, cancelled=stop.is_set):
                    return
                workspace = make_workspace(loaded, graph, progress, org=self.org)
            except RolemapError as exc:
                message = str(exc)
            except Exception as exc:  # a bug or a fault: a message, never a traceback
                message = f"{type(exc).__name__}: {exc}"
            else:
                if not stop.is_set():
                    self.post_message(WorkspaceReady(workspace))
                return
            if not stop.is_set():
                self.post_message(LoadFailed(message))

        thread = threading.Thread(target=decide_the_rest, name="rolemap-analysis", daemon=True)
        thread.start()
        # The worker lives as long as the analysis (so waiting for the app's workers waits for
        # it), but leaves as soon as it is cancelled, e.g. by quitting.
        while thread.is_alive():
            thread.join(0.05)
            if worker.is_cancelled:
                stop.set()
                return

    def _analyse(self, loaded: LoadedSource, assumed: Mapping[str, str],
                 progress: Callable[[str, int, int], None]
                 ) -> tuple[AccessGraph, SnapshotDiff | None]:
        """The access graph, and with --compare the changes since the older snapshot."""
        if self.compare is None:
            return self._set_up_graph(loaded, assumed, progress, decide=True), None
        return compare_with(self.compare, loaded.snapshot, dict(assumed), progress)

    def _progress_poster(self) -> Callable[[str, int, int], None]:
        last: dict[str, float] = {}

        def post(step: str, done: int, total: int) -> None:
            now = time.monotonic()
            if now - last.get(step, 0.0) >= _PROGRESS_INTERVAL or done >= total:
                last[step] = now
                self.post_message(LoadProgress(step, done, total))

        return post

    @on(LoadProgress)
    def _load_progress(self, message: LoadProgress) -> None:
        if not self.screen_stack:
            return  # the app is closing while the worker still reports
        if isinstance(self.screen, LoadingScreen):
            self.screen.show_progress(message)
            return
        for screen in self.screen_stack:
            if isinstance(screen, ExplorerScreen):
                screen.show_analysis(message.step, message.done, message.total)

    @on(WorkspacePending)
    async def _workspace_pending(self, message: WorkspacePending) -> None:
        self.load_error = None
        first = self.workspace is None
        self.workspace = message.workspace
        self.loaded = message.workspace.loaded
        if first:
            await self.switch_screen(ExplorerScreen(message.workspace))
            settle_collector(collect=False)  # the account's objects stay: keep gc off them
            self.after_first_open(message.workspace.assumed)
            return
        for screen in self.screen_stack:
            screen.post_message(WorkspaceChanged(message.workspace))

    @on(DecideFirst)
    def decide_then_open(self, request: DecideFirst) -> None:
        """`t` before the analysis is done: decide this instance, role or bucket now (off the
        UI thread, ahead of the background analysis), then open its view."""
        view, key = request.view, request.key
        snapshot = self.workspace.snapshot if self.workspace else None
        if snapshot is None:
            return
        name = snapshot.instance_by_id[key].label if view == "instance" else \
            snapshot.role_by_arn[key].name if view == "role" else key
        rest = "the tables come from the stored results" if self.workspace.stored else \
            "the rest of the account is still being analysed"
        self.notify(f"Deciding {name} now; {rest}.", timeout=3, markup=False)
        self._decide_one(view, key)

    @work(thread=True, exclusive=True, group="on-demand", exit_on_error=False)
    def _decide_one(self, view: str, key: str) -> None:
        worker = get_current_worker()
        if self.workspace is not None and self.workspace.stored is not None:
            try:  # shown from stored results: this account is analysed now, once
                self.decide_stored()
            except RolemapError as exc:
                self.call_from_thread(self.notify, str(exc), severity="error", markup=False)
                return
        while not self._graph_set_up.wait(0.05):
            if worker.is_cancelled:
                return
        graph = self._early_graph
        if graph is None:
            return
        try:
            if view == "instance":
                graph.reachable_from_instance(key, include_denied=True)
            elif view == "role":
                graph.reachable_from_role(key, include_denied=True)
            else:
                graph.who_can(key, include_denied=True)
        except RolemapError as exc:
            self.call_from_thread(self.notify, str(exc), severity="error", markup=False)
            return
        if not worker.is_cancelled:
            self.post_message(DecidedOnDemand(view, key))

    def _forget_early_graph(self) -> None:
        """Another account (or context) is coming: on-demand work is for the old one."""
        self._analysis_stop.set()
        self._graph_set_up.clear()
        self._early_graph = None

    @on(DecidedOnDemand)
    def _decided_on_demand(self, message: DecidedOnDemand) -> None:
        workspace = self.workspace
        if workspace is None or workspace.graph is None:
            return
        if message.view == "bucket":
            open_who_can(self, workspace, message.key)
        else:
            open_trace(self, workspace, message.view, message.key)

    @on(WorkspaceReady)
    async def _workspace_ready(self, message: WorkspaceReady) -> None:
        self.load_error = None
        first = self.workspace is None
        # The end of a first open's background analysis: nothing old to collect.
        settled_first = first or not self.workspace.analysed
        self.workspace = message.workspace
        self.loaded = message.workspace.loaded
        if first:
            await self.switch_screen(ExplorerScreen(message.workspace))
        else:
            if isinstance(self.screen, LoadingScreen):
                await self.pop_screen()
            for screen in self.screen_stack:
                screen.post_message(WorkspaceChanged(message.workspace))
            await forget_views(self)
            self.after_account_ready(message.workspace)
        if settled_first:
            settle_collector(collect=False)
        else:
            self.set_timer(SETTLE_AFTER_CHANGE, lambda: settle_collector(collect=True))
        await self._show_new_role(message.workspace)
        diff = message.workspace.diff
        if diff is not None:
            taken = f", taken {diff.old.taken_at}" if diff.old.taken_at else \
                " (when it was taken is not recorded)"
            self.notify(f"Compared with {diff.old.source}{taken}: {summary_line(diff)}.",
                        title="Changes", markup=False)
        warnings = len(message.workspace.snapshot.warnings)
        if warnings:
            self.notify(
                f"{warnings} load warning(s): see the Load warnings tab.",
                title="Loaded with warnings",
                severity="warning",
            )

    @on(LoadFailed)
    async def _load_failed(self, message: LoadFailed) -> None:
        self.load_error = message.message
        screen = LoadErrorScreen(message.message)
        if self.workspace is None or isinstance(self.screen, LoadingScreen):
            await self.switch_screen(screen)
        else:
            await self.push_screen(screen)

    async def action_retry_load(self) -> None:
        await self.switch_screen(LoadingScreen(describe_spec(self.spec)))
        self._load(self.loaded, self.workspace.assumed if self.workspace else {})

    async def _show_new_role(self, workspace: Workspace) -> None:
        """After the wizard created a role: its paths, opened for the user to check."""
        arn, self.show_after_load = self.show_after_load, None
        role = workspace.snapshot.role_by_arn.get(arn) if arn else None
        if role is None:
            return
        open_trace(self, workspace, "role", role.arn)
        self.notify(f"The access paths of the new role {printable(role.name)}, and of any "
                    "instance it "
                    "was attached to (Instances tab).", title="New role", markup=False)

    async def action_reload_and_show(self, role_arn: str) -> None:
        """Reload the account, then open `role_arn`'s access paths."""
        self.show_after_load = role_arn
        await self.action_reload()

    async def action_reload(self) -> None:
        if self.workspace is None:
            return
        gc.unfreeze()  # let the previous workspace be collected once it is replaced
        self._forget_early_graph()
        await self.push_screen(LoadingScreen(describe_spec(self.spec)))
        self._load(self.loaded, self.workspace.assumed)

    # -- assumed context ------------------------------------------------------------------------

    def action_assumed_context(self) -> None:
        from tui.screens.context import AssumedContextScreen

        if self.workspace is not None:
            self.push_screen(AssumedContextScreen(self.workspace.assumed), self._apply_context)

    def _apply_context(self, context: dict[str, str] | None) -> None:
        if context is None or self.workspace is None or context == dict(self.workspace.assumed):
            return
        self.notify("Re-deciding access under the new context…", markup=False)
        gc.unfreeze()
        self._forget_early_graph()
        self._redecide(self.workspace, context)

    @work(thread=True, exclusive=True, group="context", exit_on_error=False)
    def _redecide(self, workspace: Workspace, context: dict[str, str]) -> None:
        """Re-decide every conditional answer; the same graph with other assumed keys."""
        def quiet(step: str, done: int, total: int) -> None:
            return None

        try:  # an assumed value the analysis cannot read (aws:CurrentTime=tomorrow)
            if self.org is not None:  # the foreign sides are built for the context too
                graph, diff = self._set_up_graph(workspace.loaded, context, quiet, True), None
            elif self.compare is None:
                graph, diff = workspace.decided.with_assumed(context), None
            else:
                graph, diff = self._analyse(workspace.loaded, context, quiet)
        except RolemapError as exc:
            self.call_from_thread(self.notify, str(exc), severity="error", markup=False)
            return
        updated = make_workspace(workspace.loaded, graph, quiet, diff, org=self.org)
        if not get_current_worker().is_cancelled:
            self.post_message(WorkspaceReady(updated))

    # -- help, copy, export ---------------------------------------------------------------------

    def action_help(self) -> None:
        from tui.screens.help import EXPLORER_NOTES, HelpScreen

        name = getattr(self.screen, "HELP_TITLE", "explorer")
        notes = getattr(self.screen, "HELP_NOTES", EXPLORER_NOTES)
        self.push_screen(HelpScreen(name, dict(self.screen.active_bindings), notes))

    def action_copy(self) -> None:
        target = getattr(self.screen, "copy_target", None)
        picked = target() if callable(target) else None
        if picked is None:
            self.notify("Nothing selected to copy.", severity="warning")
            return
        copy_text(self, *picked)

    def action_copy_view(self) -> None:
        view_json = getattr(self.screen, "view_json", None)
        if callable(view_json):
            copy_text(self, *view_json())

    def action_export(self) -> None:
        from tui.screens.export import ExportScreen

        if self.workspace is not None:
            scopes = getattr(self.screen, "export_scopes", None)
            offered = scopes() if callable(scopes) else []
            self.push_screen(ExportScreen(self.workspace, offered))
