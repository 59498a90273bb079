"""Step 3, permissions boundary (optional): an existing managed policy caps what the role can do."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, Label, Select

from graph.model import AccountSnapshot


class BoundaryStep(VerticalScroll):
    step = "boundary"
    title = "Permissions boundary"

    def __init__(self, snapshot: AccountSnapshot) -> None:
        super().__init__(id="step-boundary")
        self.snapshot = snapshot

    def compose(self) -> ComposeResult:
        yield Label("Optional: a managed policy that caps the role's permissions")
        yield Select([(p.name, p.arn) for p in self.snapshot.managed_policies],
                     prompt="no boundary", id="boundary-select")
        yield Input(placeholder="or a policy ARN", id="boundary-arn")

    def collect(self, draft: dict[str, Any]) -> None:
        typed = self.query_one("#boundary-arn", Input).value.strip()
        chosen = self.query_one("#boundary-select", Select).value
        draft["boundary_arn"] = typed or (None if chosen is Select.NULL else str(chosen))
