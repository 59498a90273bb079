"""The one module that knows which screen answers which request.

Screens ask for other screens with the typed messages of `tui.navigation`, posted to the app;
`Navigator` (the app's base class) handles them here. So screens import no screen, and the
dependency runs one way: app → navigator → screens → views, widgets, navigation.

A screen's module is imported when it is first opened, as the app always did: the explorer's
first rows do not wait for the wizard's, the trace's or the JSON view's imports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from textual import on
from textual.app import App

from graph.diff import ChangeRow
from graph.findings import Finding
from tui.navigation import (
    AskConfirm,
    AskJump,
    OfferFile,
    OpenChange,
    OpenResource,
    OpenTrace,
    OpenWhoCan,
    OpenWizard,
    ShowChange,
)
from tui.views.changes import mark_of
from tui.widgets.change_mark import ChangeMark
from tui.workspace import Workspace

if TYPE_CHECKING:
    from tui.screens.access_screen import AccessTreeScreen

S = TypeVar("S", bound="AccessTreeScreen")


def open_view(app: App[object], kind: type[S], create: Callable[[], S],
              aim: Callable[[S], None]) -> None:
    """Push an access view, reusing the one shown last time when it is not open already.

    Each view kind keeps one installed screen (named by its `ID_PREFIX`): the first open
    composes it, later opens re-aim it (`aim`) at a new subject. A view of the same kind
    already on the stack (e.g. a trace opened from a trace) gets a fresh screen instead.
    """
    name = kind.ID_PREFIX
    if app.is_screen_installed(name):
        kept = app.get_screen(name)
        if kept in app.screen_stack or not isinstance(kept, kind):
            app.push_screen(create())
            return
        aim(kept)
    else:
        app.install_screen(create(), name)
    app.push_screen(name)


async def forget_views(app: App[object]) -> None:
    """Drop kept access views that are not on the stack (after a reload they would hold the
    previous account in memory until the next open)."""
    from tui.screens.trace import TraceScreen
    from tui.screens.who_can import WhoCanScreen

    for kind in (TraceScreen, WhoCanScreen):
        name = kind.ID_PREFIX
        if app.is_screen_installed(name):
            kept = app.get_screen(name)
            if kept not in app.screen_stack:
                app.uninstall_screen(name)
                await kept.remove()


def marked(screen: S, mark: ChangeMark | None) -> S:
    """The screen, set to select and label `mark` after it builds (None: no mark)."""
    screen.mark = mark
    return screen


def open_trace(app: App[object], workspace: Workspace, kind: str, key: str,
               focus: Finding | None = None, mark: ChangeMark | None = None) -> None:
    """Show the trace of an instance or role (reusing the trace screen shown last); with
    `focus`, the finding it was opened for is explained first; `mark`: a change to select
    and label (from the Changes tab)."""
    from tui.screens.trace import TraceScreen

    open_view(app, TraceScreen, lambda: marked(TraceScreen(workspace, kind, key, focus), mark),
              lambda screen: marked(screen, mark).aim(workspace, kind, key, focus))


def open_who_can(app: App[object], workspace: Workspace, bucket: str,
                 focus: Finding | None = None, mark: ChangeMark | None = None) -> None:
    """Show who can reach a bucket (reusing the who-can screen shown last); with `focus`, the
    finding it was opened for is explained first; `mark`: a change to select and label
    (from the Changes tab)."""
    from tui.screens.who_can import WhoCanScreen

    open_view(app, WhoCanScreen, lambda: marked(WhoCanScreen(workspace, bucket, focus), mark),
              lambda screen: marked(screen, mark).aim(workspace, bucket, focus))


def open_change(app: App[object], workspace: Workspace, row: ChangeRow) -> None:
    """Enter on a Changes row: the trace (or who-can) on the new snapshot, change marked."""
    snapshot = workspace.snapshot
    if row.instance_id:
        if row.instance_id not in snapshot.instance_by_id:
            app.notify(f"{row.subject} is not in the new snapshot: nothing to trace "
                       f"({row.kind}: {'; '.join(row.why)}).", severity="warning",
                       markup=False)
            return
        open_trace(app, workspace, "instance", row.instance_id, mark=mark_of(row))
        return
    if row.bucket not in snapshot.bucket_by_name:
        app.notify(f"bucket {row.bucket} is not in the new snapshot.", severity="warning",
                   markup=False)
        return
    open_who_can(app, workspace, row.bucket, mark=mark_of(row))


class Navigator(App[int]):
    """The app's half that opens screens when a screen asks (see `tui.navigation`)."""

    @on(OpenTrace)
    def _open_trace(self, request: OpenTrace) -> None:
        open_trace(self, request.workspace, request.kind, request.key, request.focus,
                   request.mark)

    @on(OpenWhoCan)
    def _open_who_can(self, request: OpenWhoCan) -> None:
        open_who_can(self, request.workspace, request.bucket, request.focus, request.mark)

    @on(OpenChange)
    def _open_change(self, request: OpenChange) -> None:
        open_change(self, request.workspace, request.row)

    @on(OpenResource)
    def _open_resource(self, request: OpenResource) -> None:
        from tui.screens.details import DetailsScreen
        from tui.screens.raw_json import RawJsonScreen

        kind = RawJsonScreen if request.raw else DetailsScreen
        screen = kind(request.workspace, request.kind, request.key)
        if request.replace:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    @on(ShowChange)
    def _show_change(self, request: ShowChange) -> None:
        from tui.screens.change_details import ChangeDetailsScreen

        self.push_screen(ChangeDetailsScreen(request.text))

    @on(AskJump)
    def _ask_jump(self, request: AskJump) -> None:
        from tui.screens.jump import JumpScreen

        self.push_screen(JumpScreen(request.workspace), request.then)

    @on(OpenWizard)
    def _open_wizard(self, request: OpenWizard) -> None:
        from tui.wizard.screen import RoleWizardScreen

        self.push_screen(RoleWizardScreen(request.snapshot, request.graph, request.connection,
                                          request.attach))

    @on(AskConfirm)
    def _ask_confirm(self, request: AskConfirm) -> None:
        from tui.screens.confirm import ConfirmScreen

        self.push_screen(ConfirmScreen(request.question, request.detail, yes=request.yes,
                                       no=request.no), request.then)

    @on(OfferFile)
    def _offer_file(self, request: OfferFile) -> None:
        from tui.screens.save_text import SaveTextScreen

        self.push_screen(SaveTextScreen(request.text, request.what, request.reason,
                                        request.path))
