"""The assumed-context panel: condition keys to treat as known when deciding access.

Analysis without a request leaves `aws:SecureTransport`, `aws:SourceVpce` and the like
unknown, which makes answers conditional; stating them here re-decides every answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static, TextArea

from graph.errors import RolemapError
from graph.policy.clock import check_times

EXAMPLES = "aws:SecureTransport=true\naws:SourceVpce=vpce-0123456789abcdef0"


class ContextSyntaxError(ValueError):
    """A line that is not `key=value`; says which line."""


def parse_context(text: str) -> dict[str, str]:
    """`key=value` lines (blank lines and `#` comments ignored) to a context dict."""
    context: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip() or ":" not in key:
            raise ContextSyntaxError(
                f"line {number}: expected service:Key=value, e.g. aws:SecureTransport=true"
            )
        context[key.strip()] = value.strip()
        try:  # a time key must hold a date (the analysis time may come from it)
            check_times({key.strip(): value.strip()})
        except RolemapError as exc:
            raise ContextSyntaxError(f"line {number}: {exc}") from None
    return context


def format_context(context: dict[str, str]) -> str:
    return "\n".join(f"{k}={v}" for k, v in sorted(context.items()))


class AssumedContextScreen(ModalScreen[dict[str, str] | None]):
    """Edit the assumed keys; dismisses with the new context (empty clears it) or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="context.cancel"),
        Binding("ctrl+s", "apply", "Apply", id="context.apply"),
    ]

    def __init__(self, current: Mapping[str, str]) -> None:
        super().__init__()
        self.current = dict(current)
        """The context in force when the panel opened."""

    def compose(self) -> ComposeResult:
        with Vertical(id="context-box"):
            yield Label("Assumed request context (one key=value per line)", id="context-title")
            yield TextArea(format_context(self.current), id="context-text")
            yield Static(f"e.g.\n{EXAMPLES}", id="context-hint", markup=False)
            yield Static("", id="context-error", markup=False)
            with Horizontal(id="context-buttons"):
                yield Button("Apply (ctrl+s)", id="apply", variant="primary")
                yield Button("Clear", id="clear")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_apply(self) -> None:
        try:
            context = parse_context(self.query_one(TextArea).text)
        except ContextSyntaxError as exc:
            self.query_one("#context-error", Static).update(str(exc))
            return
        self.dismiss(context)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "apply":
            self.action_apply()
        elif event.button.id == "clear":
            self.dismiss({})
        else:
            self.dismiss(None)
