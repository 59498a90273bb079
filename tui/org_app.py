"""The app on an organisation folder (`rolemap --snapshot ORG_DIR`, `rolemap --org`): which
account is open, opening another, and the Accounts tab's counts and worst findings.

Mixed into `RolemapApp`. The first open reads the folder and its index, then opens the
management account (the first loaded one without it) like an account alone: tables first,
analysis in the background. A worker then reads each account's snapshot for its counts (one
at a time, dropped after counting) and, once all are counted, analyses each for its worst
finding; the Accounts tab fills in as they arrive. Enter on an account analyses it in a
worker behind the loading screen, then swaps the explorer's workspace.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Mapping
from typing import Any

from textual import work
from textual.worker import get_current_worker

from graph.access import AccessGraph, build_access_graph
from graph.errors import RolemapError, SourceError
from graph.org.analysis import analyse_account
from graph.org.index import build_index
from graph.org.overview import account_rank, account_size
from graph.sources import LoadedSource, SourceSpec
from graph.sources.org.folder import is_org_folder, open_org_folder
from tui.messages import (
    AccountRanked,
    AccountSized,
    LoadFailed,
    SelectAfterOpen,
    WorkspaceReady,
)
from tui.navigation import OpenAccount
from tui.org_session import OrgSession
from tui.screens.explorer import ExplorerScreen
from tui.screens.loading import LoadingScreen
from tui.workspace import Workspace, make_workspace

Progress = Callable[[str, int, int], None]


def opens_org(spec: SourceSpec) -> bool:
    """Whether the source is an organisation folder (not one account)."""
    return bool(spec.snapshot) and is_org_folder(spec.snapshot or "")


def account_source(session: OrgSession, account: str) -> LoadedSource:
    """The account's snapshot as the app's source (ctrl+r rereads its file)."""
    path = session.folder.snapshot_path(account)
    return LoadedSource(SourceSpec(snapshot=str(path)), session.folder.load(account), None)


class OrgAccounts:
    """The organisation half of the app (see the module docstring)."""

    org: OrgSession | None = None
    """The organisation folder open (None: one account), and the account shown."""
    _select_after: tuple[str, str | None] | None = None

    def _open_org(self, progress: Progress) -> LoadedSource:
        """Read the folder and its index (worker thread); the first account to show."""
        app: Any = self
        path = app.spec.snapshot
        folder = open_org_folder(path)
        if not folder.loaded:
            raise SourceError(f"{path}: no account of this organisation was loaded")
        progress("organisation index", 0, len(folder.loaded))
        index = build_index(folder)
        progress("organisation index", len(folder.loaded), len(folder.loaded))
        session = OrgSession(folder, index, account="")
        session.account = session.first_account()
        self.org = session
        return account_source(session, session.account)

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
        for account in session.folder.loaded:
            try:
                rank = account_rank(session.folder, session.index, account, assumed,
                                    cancelled=lambda: worker.is_cancelled)
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
        session = OrgSession(org.folder, org.index, account, org.sizes, org.ranks)
        try:
            loaded = account_source(session, account)
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
