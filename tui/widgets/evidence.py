"""Why an action is allowed, conditional, denied or unknown: reasons and deciding statements.

Shown next to traces and who-can views; the statement JSON is highlighted so the user can
match it to the policy they know.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from graph.access import ActionAccess
from graph.risk import action_risk
from tui.widgets.outcome import outcome_text
from tui.widgets.risk import risk_text
from tui.widgets.safe_text import safe_text


@dataclass(frozen=True)
class Selection:
    """An action answer in its context: who (principal label), on which bucket."""

    who: str
    bucket: str
    access: ActionAccess
    #: How time conditions of its statements were decided ("aws:CurrentTime decided at …").
    time_notes: tuple[str, ...] = ()


def render_evidence(selection: Selection) -> RenderableType:
    access = selection.access
    parts: list[RenderableType] = []
    title = Text()
    title.append(access.action, style="bold")
    title.append(f" on {selection.bucket}\n", style="bold")
    title.append(f"by {selection.who}\n")
    title.append(f"{access.level} · {access.scope} · ")
    title.append_text(outcome_text(access.outcome))
    if access.prefixes:
        title.append(f"\nonly for keys under: {', '.join(access.prefixes)}")
    if access.blocked_by is not None:
        title.append(f"\nblocked by the {access.blocked_by.value} policy", style="red")
    risk = action_risk(access)
    if risk is not None:
        title.append("\n")
        title.append_text(risk_text([risk]))
        title.append(f" {risk.meaning}")
    parts.append(title)
    if access.reasons:
        parts.append(Text("\nWhy", style="bold underline"))
        parts.extend(Text(f"• {reason}") for reason in access.reasons)
    if access.conditions:
        parts.append(Text("\nAllowed only if", style="bold underline"))
        for condition in access.conditions:
            line = Text("• ")
            line.append(condition.plain, style="yellow")
            line.append(f"\n  {condition.raw}: {condition.statement.label}", style="dim")
            parts.append(line)
    if access.evidence:
        parts.append(Text("\nDeciding statements", style="bold underline"))
    for ref in access.evidence:
        parts.append(Text(f"{ref.label} — {ref.effect}", style="bold"))
        statement = json.dumps(ref.statement, indent=2, default=str)
        parts.append(Syntax(statement, "json", theme="ansi_dark", word_wrap=True))
    if selection.time_notes:
        parts.append(Text("\nTime conditions", style="bold underline"))
        parts.extend(Text(f"• {note}") for note in selection.time_notes)
    if not access.evidence and not access.reasons:
        parts.append(Text("\nNo statement mentions this action: denied by default."))
    parts = [safe_text(p) if isinstance(p, Text) else p for p in parts]
    return Group(*parts)


class EvidencePanel(VerticalScroll):
    """The drill-down pane; empty until an action is selected."""

    DEFAULT_CSS = """
    EvidencePanel { border-left: solid $primary; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static(
            "Select an action (Enter) to see the statements that decide it.", id="evidence"
        )

    def show_content(self, content: RenderableType) -> None:
        """Anything else the panel explains (a finding, an escalation path)."""
        self.query_one("#evidence", Static).update(content)
        self.scroll_home(animate=False)

    def show(self, selection: Selection | None) -> None:
        body = self.query_one("#evidence", Static)
        if selection is None:
            body.update("Select an action (Enter) to see the statements that decide it.")
        else:
            body.update(render_evidence(selection))
        self.scroll_home(animate=False)
