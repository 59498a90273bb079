"""The role wizard screen: six steps, Back/Next, each step validated before moving on.

The app pushes `RoleWizardScreen(snapshot, access_graph, connection)`. The screen keeps no plan
of its own: every Next rebuilds the RolePlan from the steps' widgets, so going Back and changing
a choice can never leave a stale document in the review. After a successful create the screen
dismisses with the ApplyResult and asks the app to reload (its `reload` action), so the new
access paths show up in the explorer.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, ContentSwitcher, Static

from graph.access import AccessGraph
from graph.errors import RolemapError
from graph.model import AccountSnapshot
from graph.sources import AwsConnection
from graph.wizard import ApplyResult, RolePlan, validate_step
from tui.widgets.key_bar import KeyBar
from tui.wizard.boundary_step import BoundaryStep
from tui.wizard.details_step import DetailsStep
from tui.wizard.finish_step import FinishStep
from tui.wizard.permissions_step import PermissionsStep
from tui.wizard.review_step import ReviewStep
from tui.wizard.trust_step import TrustStep


class RoleWizardScreen(Screen[ApplyResult | None]):
    """Guided creation of a least-privilege role; dismisses with the ApplyResult or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="wizard_cancel"),
        # The app's q would quit from here, dropping every step: ask first, as Esc does.
        Binding("q", "cancel", "Cancel", show=False, id="wizard_quit"),
    ]
    # The step scrolls between a fixed title and fixed error and button lines: the user
    # always sees where they are and why Next refused. Focus is drawn as a thick accent
    # border (Textual's default focus tint is nearly invisible on most themes).
    DEFAULT_CSS = """
    RoleWizardScreen { layout: vertical; }
    RoleWizardScreen #wizard-title {
        height: auto; padding: 0 1; text-style: bold; background: $panel;
    }
    RoleWizardScreen #wizard-errors {
        height: auto; max-height: 6; color: $error; padding: 0 1; text-style: bold;
    }
    RoleWizardScreen #wizard-errors.-empty { display: none; }
    RoleWizardScreen #wizard-nav { height: auto; }
    RoleWizardScreen ContentSwitcher { height: 1fr; }
    RoleWizardScreen ContentSwitcher > * { height: 1fr; }
    RoleWizardScreen .row { height: auto; }
    RoleWizardScreen .row Button { width: auto; min-width: 10; margin-right: 1; }
    RoleWizardScreen .row Select { width: 22; }
    RoleWizardScreen .row #create { width: 25; }
    RoleWizardScreen .row Input { width: 1fr; min-width: 16; }
    RoleWizardScreen TextArea { height: 12; }
    RoleWizardScreen SelectionList { max-height: 12; }
    RoleWizardScreen Input:focus, RoleWizardScreen SelectionList:focus,
    RoleWizardScreen TextArea:focus, RoleWizardScreen Select:focus > SelectCurrent {
        border: thick $accent;
    }
    RoleWizardScreen Button:focus, RoleWizardScreen Checkbox:focus {
        text-style: bold reverse;
    }
    """

    def __init__(self, snapshot: AccountSnapshot, access_graph: AccessGraph | None,
                 connection: AwsConnection | None, attach: tuple[str, ...] = ()) -> None:
        """`attach`: instance ids preselected for attaching (the instance the wizard was
        opened from)."""
        super().__init__()
        self.snapshot = snapshot
        self.access_graph = access_graph
        self.connection = connection
        self.steps = [
            TrustStep(), PermissionsStep(snapshot), BoundaryStep(snapshot), DetailsStep(),
            ReviewStep(snapshot, access_graph, attach), FinishStep(snapshot, connection),
        ]
        self.index = 0
        self.plan: RolePlan | None = None
        self._untouched: RolePlan | None = None
        """The plan as the steps describe it before the user changes anything."""

    def compose(self) -> ComposeResult:
        yield Static(id="wizard-title")
        with ContentSwitcher(initial=self.steps[0].id):
            yield from self.steps
        yield Static(id="wizard-errors", classes="-empty", markup=False)
        with Horizontal(id="wizard-nav"):
            yield Button("Back", id="back")
            yield Button("Next", variant="primary", id="next")
            yield Button("Cancel", id="cancel")
        yield KeyBar()

    def on_mount(self) -> None:
        self._show()
        self.call_after_refresh(self._remember_untouched)

    def _remember_untouched(self) -> None:
        try:
            self._untouched = self.build_plan()
        except RolemapError:
            self._untouched = None

    def _show_errors(self, issues: list[str]) -> None:
        errors = self.query_one("#wizard-errors", Static)
        errors.update("\n".join(issues))
        errors.set_class(not issues, "-empty")

    def _show(self) -> None:
        step = self.steps[self.index]
        self.query_one(ContentSwitcher).current = step.id
        self.query_one("#wizard-title", Static).update(
            f"New role for account {self.snapshot.account_id} - step {self.index + 1} of "
            f"{len(self.steps)}: {step.title}")
        self.query_one("#back", Button).disabled = self.index == 0
        self.query_one("#next", Button).disabled = self.index == len(self.steps) - 1

    def build_plan(self) -> RolePlan:
        """The plan as the steps now describe it (PlanInputError for unreadable text)."""
        draft: dict[str, Any] = {"name": ""}
        for step in self.steps:
            step.collect(draft)
        return RolePlan(**draft)

    def step_issues(self) -> list[str]:
        """What must be fixed on the current step before Next."""
        try:
            plan = self.build_plan()
        except RolemapError as exc:
            return [str(exc)]
        self.plan = plan
        step = self.steps[self.index].step
        if step in ("review", "finish"):
            return []
        return [str(i) for i in validate_step(step, plan, self.snapshot)]

    def action_next(self) -> None:
        issues = self.step_issues()
        self._show_errors(issues)
        if issues or self.index == len(self.steps) - 1 or self.plan is None:
            return
        self.index += 1
        step = self.steps[self.index]
        if isinstance(step, ReviewStep):
            step.show(self.plan)
        elif isinstance(step, FinishStep):
            review = self.steps[self.index - 1]
            assert isinstance(review, ReviewStep)
            step.show(self.plan, review.attach_ids)
        self._show()

    def action_back(self) -> None:
        if self.index > 0:
            self.index -= 1
            self._show_errors([])
            self._show()

    def _changed(self) -> bool:
        """Whether leaving would lose choices the user made."""
        if self.index > 0:
            return True
        try:
            return self.build_plan() != self._untouched
        except RolemapError:
            return True

    def action_cancel(self) -> None:
        """Esc or Cancel: leave, after asking when that would discard the user's choices."""
        if not self._changed():
            self.dismiss(None)
            return
        from tui.screens.confirm import ConfirmScreen

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen(
            "Discard this role?", f"Everything chosen in steps 1 to {self.index + 1} is lost; "
            "nothing has been created.", yes="Discard", no="Keep editing"), answered)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {"next": self.action_next, "back": self.action_back,
                   "cancel": self.action_cancel}
        if event.button.id in actions:
            event.stop()
            actions[event.button.id]()

    async def on_finish_step_created(self, message: FinishStep.Created) -> None:
        result = message.result
        if not result.ok:
            self.app.notify("Creating the role failed; see the steps undone.",
                            severity="error", markup=False)
            return
        self.app.notify(f"Created {result.role_arn}", title="Role created", markup=False)
        self.dismiss(result)
        await self.app.run_action(f"reload_and_show({result.role_arn!r})")
