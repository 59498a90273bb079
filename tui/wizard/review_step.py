"""Step 5, review: the documents (copyable), lint findings, and the what-if preview."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Label, SelectionList, Static, TextArea
from textual.widgets.selection_list import Selection

from graph.access import AccessGraph
from graph.model import AccountSnapshot
from graph.text import printable
from graph.wizard import RolePlan, inline_policy, lint, trust_policy
from graph.wizard.documents import to_json
from graph.wizard.whatif import WhatIf, what_if
from tui.clipboard import copy_text
from tui.widgets.marked import MarkedSelectionList
from tui.wizard.step import WizardStep


class ReviewStep(WizardStep):
    """Shows what would be created; the instances picked here are the ones Create attaches."""

    step = "review"
    title = "Review"

    def __init__(self, snapshot: AccountSnapshot, access_graph: AccessGraph | None,
                 attach: tuple[str, ...] = ()) -> None:
        super().__init__(id="step-review")
        self.preselected = set(attach)
        """Instances ticked from the start (the wizard was opened on one of them)."""
        self.snapshot = snapshot
        self.access_graph = access_graph
        self.plan: RolePlan | None = None
        self.preview: WhatIf | None = None

    def compose(self) -> ComposeResult:
        yield Label("Trust policy")
        yield TextArea(read_only=True, language="json", id="trust-json")
        yield Label("Permission policy")
        yield TextArea(read_only=True, language="json", id="policy-json")
        with Horizontal(classes="row"):
            yield Button("Copy trust policy", id="copy-trust")
            yield Button("Copy permission policy", id="copy-policy")
        yield Label("Lint findings")
        yield Static(id="findings", markup=False)
        yield Label("Attach to instances (what-if preview, and Create attaches them)")
        yield MarkedSelectionList(
            *[Selection(Text(printable(f"{i.label}  [{i.state}]")), i.instance_id,
                        i.instance_id in self.preselected)
              for i in self.snapshot.instances], id="instances")
        yield Button("Preview access", id="preview")
        yield Static("Tick instances with space, then Preview access to see what they would "
                     "reach.", id="whatif", markup=False)

    def show(self, plan: RolePlan) -> None:
        """Refresh everything for the plan the earlier steps produced."""
        changed, self.plan = plan != self.plan, plan
        self.query_one("#trust-json", TextArea).text = to_json(trust_policy(plan))
        self.query_one("#policy-json", TextArea).text = to_json(inline_policy(plan))
        findings = lint(plan, self.snapshot)
        self.query_one("#findings", Static).update(
            printable("\n".join(str(f) for f in findings), multiline=True) or "No findings.")
        profile_ok = plan.instance_profile_name is not None
        self.query_one("#instances", SelectionList).disabled = not profile_ok
        if changed and self.preview is not None:  # made for the plan before Back
            self.preview = None
            self.query_one("#whatif", Static).update(
                "The plan changed: Preview access again to see what it would open.")

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        """A preview of other instances would mislead: it is asked for again."""
        if event.selection_list.id == "instances" and self.preview is not None:
            self.preview = None
            self.query_one("#whatif", Static).update(
                "The instances changed: Preview access again to see what they would reach.")

    @property
    def attach_ids(self) -> list[str]:
        if self.plan is None or self.plan.instance_profile_name is None:
            return []
        return [str(v) for v in self.query_one("#instances", SelectionList).selected]

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if self.plan is None:
            return
        if event.button.id == "copy-trust":
            copy_text(self.app, to_json(trust_policy(self.plan)), "the trust policy")
        elif event.button.id == "copy-policy":
            copy_text(self.app, to_json(inline_policy(self.plan)), "the permission policy")
        elif event.button.id == "preview":
            self.query_one("#whatif", Static).update("Computing…")
            self._preview(self.plan, self.attach_ids)
        else:
            return
        event.stop()

    @work(thread=True, exclusive=True, group="wizard-preview")
    def _preview(self, plan: RolePlan, attach: list[str]) -> None:
        try:
            result: WhatIf | str = what_if(plan, self.snapshot, attach, self.access_graph)
        except Exception as exc:  # shown to the user; the preview must never kill the app
            result = f"Preview failed: {printable(str(exc))}"
        self.app.call_from_thread(self._show_preview, result)

    def _show_preview(self, result: WhatIf | str) -> None:
        if isinstance(result, str):
            self.query_one("#whatif", Static).update(result)
            return
        self.preview = result
        whatif = self.query_one("#whatif", Static)
        whatif.update(printable("\n".join(result.lines()), multiline=True))
        self.call_after_refresh(whatif.scroll_visible)  # below the button: bring it into view

    def collect(self, draft: dict[str, Any]) -> None:
        """The review adds nothing to the plan itself."""
