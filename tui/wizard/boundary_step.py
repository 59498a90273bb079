"""Step 3, permissions boundary (optional): an existing managed policy caps what the role can do."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.widgets import Input, Label, Select

from graph.model import AccountSnapshot
from tui.wizard.step import WizardStep


class BoundaryStep(WizardStep):
    """The one step that may pass with nothing chosen: "no boundary" is a choice (most roles
    have none), offered as the list's first entry rather than as a blank."""

    step = "boundary"
    title = "Permissions boundary"
    FIELDS: ClassVar[dict[str, str]] = {"boundary": "boundary-arn"}

    def __init__(self, snapshot: AccountSnapshot) -> None:
        super().__init__(id="step-boundary")
        self.snapshot = snapshot

    def compose(self) -> ComposeResult:
        yield Label("Optional: a managed policy that caps the role's permissions (Enter "
                    "opens the list)")
        yield Select([(p.name, p.arn) for p in self.snapshot.managed_policies],
                     prompt="no boundary", id="boundary-select")
        yield Input(placeholder="or a policy ARN", id="boundary-arn")

    def collect(self, draft: dict[str, Any]) -> None:
        typed = self.query_one("#boundary-arn", Input).value.strip()
        chosen = self.query_one("#boundary-select", Select).value
        draft["boundary_arn"] = typed or (None if chosen is Select.NULL else str(chosen))
