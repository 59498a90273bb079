"""Typed messages between the load worker, the app and its screens."""

from __future__ import annotations

from textual.message import Message

from graph.org.overview import AccountRank, AccountSize
from tui.workspace import Workspace


class LoadProgress(Message):
    """A step of loading or analysis advanced (posted from the worker thread)."""

    def __init__(self, step: str, done: int, total: int) -> None:
        super().__init__()
        self.step = step
        self.done = done
        self.total = total


class WorkspaceReady(Message):
    """Loading (or re-deciding under a new assumed context) finished."""

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace


class LoadFailed(Message):
    """Loading failed; `message` is what the user reads (never a traceback)."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


class WorkspaceChanged(Message):
    """Sent to every open screen so it redraws from the new workspace."""

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace


class WorkspacePending(Message):
    """The first open got further before its analysis is done: the files are read (tables
    without access counts), then the analysis is set up (views decide on demand)."""

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace


class DecidedOnDemand(Message):
    """What a view needs was decided ahead of the background analysis: open the view now."""

    def __init__(self, view: str, key: str) -> None:
        super().__init__()
        self.view = view
        """"instance", "role" (a trace) or "bucket" (who can)."""
        self.key = key


class AccountSized(Message):
    """The Accounts tab's counts of one account arrived (posted from a worker thread)."""

    bubble = False  # the app forwards it to the explorer: it must not come back

    def __init__(self, account: str, size: AccountSize) -> None:
        super().__init__()
        self.account = account
        self.size = size


class AccountRanked(Message):
    """The worst finding of one account's analysis arrived (posted from a worker thread)."""

    bubble = False  # the app forwards it to the explorer: it must not come back

    def __init__(self, account: str, rank: AccountRank) -> None:
        super().__init__()
        self.account = account
        self.rank = rank


class SelectAfterOpen(Message):
    """Sent to the explorer after another account opened: select this (tab id, key)."""

    bubble = False  # the app forwards it to the explorer: it must not come back

    def __init__(self, tab_id: str, key: str | None) -> None:
        super().__init__()
        self.tab_id = tab_id
        self.key = key
