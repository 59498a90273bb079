"""What every wizard step is to the screen: a scrolling form it can focus, validate and read.

Keyboard users move through a step with Tab; the screen puts them on the step's first field
when it opens and on the field a refusal names, so no key ever lands somewhere it does nothing.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.containers import VerticalScroll
from textual.message import Message
from textual.widget import Widget

from graph.wizard import RolePlan


class WizardStep(VerticalScroll):
    """One step of the role wizard (subclasses compose the fields)."""

    step: ClassVar[str]
    """The step's name in graph.wizard.validate ("trust", "permissions", ...)."""
    title: ClassVar[str]
    """Shown in the wizard's title line."""
    FIELDS: ClassVar[dict[str, str]] = {}
    """Validation field (ValidationIssue.field) -> id of the widget to fix it in."""

    class Problems(Message):
        """What a step's own button refused (e.g. Add grant with no bucket), shown where
        Next's refusals show; no issues clears that line, `field` is focused."""

        def __init__(self, issues: list[str], field: str | None = None) -> None:
            super().__init__()
            self.issues = issues
            self.field = field

    def allow_focus(self) -> bool:
        """The step itself takes focus only when it has more than fits (arrows then scroll
        it, to text no field reaches); otherwise Tab would stop on a place where keys do
        nothing."""
        return self.max_scroll_y > 0

    def fields(self) -> list[Widget]:
        """The step's focusable widgets, in Tab order (the step itself excluded)."""
        return [w for w in self.screen.focus_chain if w is not self and self in w.ancestors]

    def focus_first(self) -> None:
        """Focus the first field (a step opening, or Back/Next arriving here)."""
        fields = self.fields()
        if fields:  # the step opens at its top: the first field's label stays in view
            # Now, not as Widget.focus does (after the keys already queued): a key typed
            # right after ctrl+n must reach this field, not the hidden one of the last step.
            self.screen.set_focus(fields[0], scroll_visible=False)

    def focus_field(self, field: str) -> None:
        """Focus the widget a validation issue of `field` is fixed in (else the first)."""
        widget_id = self.field_widget(field)
        found = self.query(f"#{widget_id}") if widget_id else None
        if found and found.first().focusable:
            self.screen.set_focus(found.first())
        else:
            self.focus_first()

    def field_widget(self, field: str) -> str | None:
        return self.FIELDS.get(field)

    def missing(self, plan: RolePlan) -> list[tuple[str, str]]:
        """What the step still needs beyond AWS's rules (an empty step never passes), as
        (message, field) pairs."""
        return []

    def collect(self, draft: dict[str, Any]) -> None:
        """Write the step's choices into the plan draft (PlanInputError for bad text)."""
