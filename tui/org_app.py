"""The app on an organisation folder (`rolemap --snapshot ORG_DIR`, `rolemap --org`): which
account is open, opening another, and the Accounts tab's counts and worst findings.

Mixed into `RolemapApp`. The first open reads the folder and its index, then opens the
management account (the first loaded one without it) like an account alone: tables first,
analysis in the background. A worker then reads each account's snapshot for its counts (one
at a time, dropped after counting) and, once all are counted, analyses each for its worst
finding; the Accounts tab fills in as they arrive. Enter on an account analyses it in a
worker behind the loading screen, then swaps the explorer's workspace.

When the folder's `rolemap analyse` results are current (the check `who-can` and `findings`
make), the index, the Accounts tab's counts and worst findings and each account's tables come
from them instead: nothing is analysed until a trace or who-can needs an account's graph,
which is then set up for that one account in the on-demand worker. Missing or stale results
are said in a toast, and the app analyses as above.
"""

from __future__ import annotations

import dataclasses
import gc
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from textual import work
from textual.worker import get_current_worker

from graph.access import AccessGraph, build_access_graph
from graph.errors import RolemapError, SourceError
from graph.org.analysis import analyse_account
from graph.org.extracts import Extracts
from graph.org.index import OrgIndex, build_index
from graph.org.overview import account_rank, account_size
from graph.sources import LoadedSource, SourceSpec
from graph.sources.org.folder import OrgFolder, is_org_folder, open_org_folder
from tui.messages import (
    AccountRanked,
    AccountSized,
    LoadFailed,
    SelectAfterOpen,
    WorkspacePending,
    WorkspaceReady,
)
from tui.navigation import OpenAccount
from tui.org_session import OrgSession
from tui.screens.explorer import ExplorerScreen
from tui.screens.loading import LoadingScreen
from tui.workspace import Workspace, make_workspace, stored_workspace

if TYPE_CHECKING:
    from graph.org.results.account_view import AccountView

Progress = Callable[[str, int, int], None]


def opens_org(spec: SourceSpec) -> bool:
    """Whether the source is an organisation folder (not one account)."""
    return bool(spec.snapshot) and is_org_folder(spec.snapshot or "")


def account_source(session: OrgSession, account: str) -> LoadedSource:
    """The account's snapshot as the app's source (ctrl+r rereads its file)."""
    path = session.folder.snapshot_path(account)
    return LoadedSource(SourceSpec(snapshot=str(path)), session.folder.load(account), None)


def results_state(folder: OrgFolder) -> tuple[bool, str]:
    """Whether `rolemap analyse`'s results answer for the folder as it is now (the check
    `who-can` and `findings` make), and what to tell the user about them."""
    try:
        from graph.org.results.fresh import RUN_FILE, results_fresh
        from graph.org.results.schema import results_dir
    except ImportError:  # the org extra (pyarrow) is not installed: analyse here
        return False, ""
    where = results_dir(folder.path)
    if not (where / RUN_FILE).is_file():
        return False, (f"No stored results in {where}: each account is analysed here; "
                       f"`rolemap analyse {folder.path}` stores them for a faster open.")
    if not results_fresh(folder):
        return False, (f"The stored results in {where} are stale (a snapshot changed, or "
                       "an account failed, since they were written): each account is "
                       f"analysed here; `rolemap analyse {folder.path}` refreshes them.")
    return True, (f"Opened from the stored results in {where} (current): a trace or "
                  "who-can analyses its account when asked.")


def _stored_index(folder: OrgFolder) -> OrgIndex | None:
    from graph.org.results.index_file import read_index

    return read_index(folder)


def _fill_from_results(session: OrgSession) -> None:
    from graph.org.results.account_view import stored_overview

    for account, (size, rank) in stored_overview(session.folder.path).items():
        session.sizes[account] = size
        session.ranks[account] = rank


def _account_view(session: OrgSession, account: str) -> AccountView:
    from graph.org.results.account_view import account_view

    return account_view(session.folder.path, session.index, account)


class OrgAccounts:
    """The organisation half of the app (see the module docstring)."""

    org: OrgSession | None = None
    """The organisation folder open (None: one account), and the account shown."""
    _set_up_lock = threading.Lock()
    """One on-demand set-up of a stored account's graph at a time."""
    _select_after: tuple[str, str | None] | None = None

    def _open_org(self, progress: Progress) -> LoadedSource:
        """Read the folder and its index (worker thread); the first account to show."""
        app: Any = self
        path = app.spec.snapshot
        folder = open_org_folder(path)
        if not folder.loaded:
            raise SourceError(f"{path}: no account of this organisation was loaded")
        stored, note = results_state(folder)
        index = _stored_index(folder) if stored else None
        if index is None:
            progress("organisation index", 0, len(folder.loaded))
            index = build_index(folder)
            progress("organisation index", len(folder.loaded), len(folder.loaded))
        session = OrgSession(folder, index, account="", stored=stored, note=note)
        if stored:
            try:
                _fill_from_results(session)
            except (OSError, ValueError, KeyError) as exc:  # unreadable: analyse here
                session.stored = False
                session.note = (f"The stored results could not be read ({exc}): each "
                                f"account is analysed here; `rolemap analyse {folder.path}` "
                                "writes them again.")
        session.account = session.first_account()
        self.org = session
        return account_source(session, session.account)

    def _open_stored(self, loaded: LoadedSource, assumed: Mapping[str, str]) -> None:
        """The first account's tables from the stored results: nothing is analysed until a
        view needs it (`decide_stored`)."""
        app: Any = self
        assert self.org is not None
        app.post_message(WorkspacePending(stored_workspace(
            loaded, _account_view(self.org, self.org.account), self.org, assumed)))

    def after_first_open(self, assumed: Mapping[str, str]) -> None:
        """Say where the tables came from; without current results, count and rank every
        account in the background as before."""
        app: Any = self
        if self.org is None:
            return
        if self.org.note:
            app.notify(self.org.note, title="Organisation results",
                       severity="information" if self.org.stored else "warning",
                       timeout=8, markup=False)
        if not self.org.stored:
            self._survey_accounts(self.org, dict(assumed))

    def decide_stored(self) -> None:
        """A view on an account shown from the stored results needs its analysis: set up
        this one account's graph (worker thread), then hand the explorer a workspace with
        it (the same stored rows)."""
        app: Any = self
        with self._set_up_lock:
            if app._graph_set_up.is_set():
                return
            workspace = app.workspace
            if workspace is None or workspace.stored is None or self.org is None:
                return
            graph = self._set_up_graph(workspace.loaded, workspace.assumed,
                                       app._progress_poster(), decide=False)
            app._early_graph = graph
            app._graph_set_up.set()
            app.post_message(WorkspacePending(dataclasses.replace(workspace, graph=graph)))

    def _set_up_graph(self, loaded: LoadedSource, assumed: Mapping[str, str],
                      progress: Progress, decide: bool) -> AccessGraph:
        """The account's access graph: across its organisation when it is part of one."""
        if self.org is None:
            return build_access_graph(loaded.snapshot, assumed=dict(assumed),
                                      progress=progress, decide=decide)
        return analyse_account(self.org.folder, self.org.index, loaded.snapshot.account_id,
                               assumed, progress, decide=decide)

    # -- the Accounts tab's counts ---------------------------------------------------------

    @work(thread=True, exclusive=True, group="org-survey", exit_on_error=False)
    def _survey_accounts(self, session: OrgSession, assumed: Mapping[str, str]) -> None:
        """Counts of every account, then each one's worst finding (off the UI thread)."""
        app: Any = self
        worker = get_current_worker()
        for account in session.folder.loaded:
            if worker.is_cancelled:
                return
            try:
                app.post_message(AccountSized(account, account_size(session.folder, account)))
            except RolemapError as exc:
                app.call_from_thread(app.notify, str(exc), severity="warning", markup=False)
        extracts = Extracts(session.folder)  # each other account read once for the survey
        for account in session.folder.loaded:
            try:
                rank = account_rank(session.folder, session.index, account, assumed,
                                    cancelled=lambda: worker.is_cancelled, extracts=extracts)
            except RolemapError as exc:
                app.call_from_thread(app.notify, str(exc), severity="warning", markup=False)
                continue
            if rank is None or worker.is_cancelled:
                return
            app.post_message(AccountRanked(account, rank))

    def _forward(self, make: Callable[[], AccountSized | AccountRanked]) -> None:
        """A copy of the message to each explorer (a message is delivered once)."""
        app: Any = self
        for screen in app.screen_stack:
            if isinstance(screen, ExplorerScreen):
                screen.post_message(make())

    def on_account_sized(self, message: AccountSized) -> None:
        if self.org is not None:
            self.org.sizes[message.account] = message.size
            self._forward(lambda: AccountSized(message.account, message.size))

    def on_account_ranked(self, message: AccountRanked) -> None:
        if self.org is not None:
            self.org.ranks[message.account] = message.rank
            self._forward(lambda: AccountRanked(message.account, message.rank))

    # -- opening another account -----------------------------------------------------------

    async def on_open_account(self, message: OpenAccount) -> None:
        app: Any = self
        org, workspace = self.org, app.workspace
        if org is None or workspace is None or message.account == org.account:
            return
        gc.unfreeze()  # the open account's objects are collected once it is replaced
        app._forget_early_graph()
        self._select_after = message.select
        await app.push_screen(LoadingScreen(f"account {org.label(message.account)}"))
        self._load_account(org, message.account, dict(workspace.assumed))

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load_account(self, org: OrgSession, account: str, assumed: dict[str, str]) -> None:
        """Analyse another account of the organisation (off the UI thread, with progress)."""
        app: Any = self
        worker = get_current_worker()
        progress = app._progress_poster()
        session = OrgSession(org.folder, org.index, account, org.sizes, org.ranks,
                             org.stored, org.note)
        try:
            loaded = account_source(session, account)
            if org.stored:
                workspace = stored_workspace(loaded, _account_view(org, account), session,
                                             assumed)
            else:
                graph = analyse_account(org.folder, org.index, account, assumed, progress)
                workspace = make_workspace(loaded, graph, progress, org=session)
        except RolemapError as exc:
            failure = str(exc)
        except Exception as exc:  # a fault in one account's files: a message, not a traceback
            failure = f"{type(exc).__name__}: {exc}"
        else:
            if not worker.is_cancelled:
                app.post_message(WorkspaceReady(workspace))
            return
        if not worker.is_cancelled:
            app.post_message(LoadFailed(failure))

    def after_account_ready(self, workspace: Workspace) -> None:
        """Once another account is shown: the Accounts tab moves its mark, and a jump that
        asked for this account selects its target."""
        app: Any = self
        if workspace.org is not None:
            self.org = workspace.org
        select, self._select_after = self._select_after, None
        if select is None:
            return
        for screen in app.screen_stack:
            if isinstance(screen, ExplorerScreen):
                screen.post_message(SelectAfterOpen(*select))
