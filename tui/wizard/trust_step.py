"""Step 1, trusted entities: which services (searchable) and which accounts may assume the role."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.widgets import Input, Label, SelectionList
from textual.widgets.selection_list import Selection

from graph.wizard import COMMON_SERVICES, EC2_SERVICE, TrustCondition
from tui.widgets.marked import MarkedSelectionList
from tui.wizard.step import WizardStep


class TrustStep(WizardStep):
    """Service principals from a filterable list (several allowed), accounts, conditions."""

    step = "trust"
    title = "Trusted entities"
    FIELDS: ClassVar[dict[str, str]] = {"trust": "services", "trust condition": "external-id"}

    def __init__(self) -> None:
        super().__init__(id="step-trust")
        self.chosen: set[str] = {EC2_SERVICE}
        self._rebuilding = False

    def compose(self) -> ComposeResult:
        yield Label("Which AWS services may assume the role? (type to filter; space ticks)")
        yield Input(placeholder="filter services, e.g. lambda", id="service-filter")
        yield MarkedSelectionList(*self._selections(""), id="services")
        yield Input(placeholder="other service principals, comma separated", id="other-services")
        yield Label("Other accounts or roles (12-digit ids, role ARNs), comma separated")
        yield Input(placeholder="e.g. 444455556666", id="accounts")
        yield Label("Conditions on assuming it (optional)")
        yield Input(placeholder="sts:ExternalId", id="external-id")
        yield Input(placeholder="aws:SourceAccount", id="source-account")

    def _selections(self, text: str) -> list[Selection[str]]:
        return [Selection(s, s, s in self.chosen) for s in COMMON_SERVICES if text.lower() in s]

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "service-filter":
            return
        services = self.query_one("#services", SelectionList)
        self._rebuilding = True
        services.clear_options()
        services.add_options(self._selections(event.value))
        self._rebuilding = False

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        if self._rebuilding:
            return
        shown = {str(event.selection_list.get_option_at_index(i).value)
                 for i in range(event.selection_list.option_count)}
        self.chosen = (self.chosen - shown) | {str(v) for v in event.selection_list.selected}

    def _text(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def collect(self, draft: dict[str, Any]) -> None:
        """Write this step's choices into the plan draft."""
        typed = [s.strip() for s in self._text("other-services").split(",") if s.strip()]
        chosen = [s for s in COMMON_SERVICES if s in self.chosen]
        draft["trusted_services"] = tuple(dict.fromkeys(chosen + typed))
        draft["trusted_principals"] = tuple(
            a.strip() for a in self._text("accounts").split(",") if a.strip())
        conditions = []
        if self._text("external-id"):
            conditions.append(TrustCondition("StringEquals", "sts:ExternalId",
                                             (self._text("external-id"),)))
        if self._text("source-account"):
            conditions.append(TrustCondition("StringEquals", "aws:SourceAccount",
                                             (self._text("source-account"),)))
        draft["trust_conditions"] = tuple(conditions)
