"""The one-line header: which account, from where, which regions, under which assumed context.

The assumed context changes every answer on screen, so it is shown whenever it is set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from rich.text import Text
from textual.widgets import Static

from graph.model import AccountSnapshot
from tui.widgets.safe_text import safe_text


class Account(Protocol):
    """What the header reads of the app's workspace (tui.workspace.Workspace): widgets sit
    below the workspace and the screens, so they name only what they use."""

    @property
    def snapshot(self) -> AccountSnapshot: ...

    @property
    def assumed(self) -> Mapping[str, str]: ...


def header_text(workspace: Account | None, title: str = "") -> Text:
    text = Text()
    text.append(" rolemap ", style="bold reverse")
    if title:
        text.append(f" {title}", style="bold")
    if workspace is None:
        if not title:  # a screen title (e.g. "loading") already says what is going on
            text.append("  loading…")
        return safe_text(text)
    snapshot = workspace.snapshot
    source = snapshot.source
    text.append("  account ")
    text.append(snapshot.account_id, style="bold")
    label = source.label or source.kind
    text.append(f"  │ {label}")
    if source.regions:
        text.append(f"  │ {', '.join(source.regions)}")
    if workspace.assumed:
        pairs = ", ".join(f"{k}={v}" for k, v in sorted(workspace.assumed.items()))
        text.append("  │ ")
        text.append(f"context: {pairs}", style="bold yellow")
    return safe_text(text)


class AccountHeader(Static):
    """Header bar; follows `app.workspace` so a reload or new context updates it."""

    DEFAULT_CSS = """
    AccountHeader { dock: top; height: 1; background: $panel; color: $foreground; }
    """

    def __init__(self, title: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.title = title
        """What the screen shows (e.g. "trace i-0abc"), after the account line."""

    def on_mount(self) -> None:
        self.watch(self.app, "workspace", self._show)

    def retitle(self, title: str) -> None:
        """Show another title (a kept screen shown for a new subject)."""
        self.title = title
        self._show(getattr(self.app, "workspace", None))

    def _show(self, workspace: Account | None) -> None:
        self.update(header_text(workspace, self.title))
