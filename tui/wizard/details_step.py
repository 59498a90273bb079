"""Step 4, name and details: name, path, description, tags, session length, instance profile."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.widgets import Checkbox, Input, Label

from graph.wizard import PlanInputError, parse_tag
from tui.widgets.marked import MarkedCheckbox
from tui.wizard.step import WizardStep


class DetailsStep(WizardStep):
    """The checkbox sits under the name it shares, so the last field is a text field and
    Enter there moves on."""

    step = "details"
    title = "Name and details"
    FIELDS: ClassVar[dict[str, str]] = {
        "name": "name", "path": "path", "description": "description", "tags": "tags",
        "max session duration": "max-session"}

    def __init__(self) -> None:
        super().__init__(id="step-details")

    def compose(self) -> ComposeResult:
        yield Label("Role name (also the instance profile's)")
        yield Input(placeholder="e.g. reports-reader", id="name")
        yield MarkedCheckbox("Create an instance profile (needed to attach to EC2)", value=True,
                             id="instance-profile")
        yield Label("Path")
        yield Input("/", id="path")
        yield Label("Description")
        yield Input(id="description")
        yield Label("Tags: key=value, comma separated")
        yield Input(placeholder="team=data, env=prod", id="tags")
        yield Label("Max session duration (seconds, 3600-43200)")
        yield Input("3600", id="max-session")

    def _text(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def collect(self, draft: dict[str, Any]) -> None:
        """Raises PlanInputError for text that cannot be read (the screen shows it)."""
        draft["name"] = self._text("name")
        draft["path"] = self._text("path") or "/"
        draft["description"] = self._text("description")
        try:
            draft["tags"] = tuple(parse_tag(t.strip()) for t in self._text("tags").split(",")
                                  if t.strip())
        except PlanInputError as exc:
            raise PlanInputError(f"tags: {exc}") from None
        try:
            draft["max_session_duration"] = int(self._text("max-session"))
        except ValueError:
            raise PlanInputError("max session duration: a number of seconds") from None
        draft["create_instance_profile"] = self.query_one("#instance-profile", Checkbox).value
