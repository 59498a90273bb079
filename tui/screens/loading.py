"""Shown while the account loads: the step being done and how far along it is.

Loading a live account can take tens of seconds; naming the step (roles, a region, buckets)
and the counts tells the user it is working and where the time goes.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Label, ProgressBar

from tui.messages import LoadProgress
from tui.widgets.header import AccountHeader
from tui.widgets.key_bar import KeyBar
from tui.widgets.safe_text import label_text


class LoadingScreen(Screen[None]):
    """Progress of the load worker (which the app runs; this screen only displays it)."""

    def __init__(self, source_label: str) -> None:
        super().__init__()
        self.source_label = source_label
        """Where the account comes from, e.g. "the demo account"."""

    def compose(self) -> ComposeResult:
        yield AccountHeader("loading")
        with Center(), Vertical(id="loading-box"):
            yield Label(label_text(f"Loading {self.source_label}…"), id="loading-title")
            yield Label("starting", id="loading-step")
            yield ProgressBar(id="loading-bar", show_eta=False)
        yield KeyBar()

    def show_progress(self, message: LoadProgress) -> None:
        counts = f" ({message.done:,}/{message.total:,})" if message.total else ""
        # The step may name a bucket ("… waiting for s3:GetBucketPolicy NAME (14 s)"): account
        # text, so escaped and never markup.
        self.query_one("#loading-step", Label).update(label_text(f"{message.step}{counts}"))
        bar = self.query_one(ProgressBar)
        if message.total:
            bar.update(total=message.total, progress=message.done)
        else:
            bar.update(total=None)
