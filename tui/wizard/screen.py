"""The role wizard screen: six steps, Back/Next, each step validated before moving on.

The app pushes `RoleWizardScreen(snapshot, access_graph, connection)`. Everything works from
the keyboard: ctrl+n / ctrl+b are Next / Back (in the key bar like every key of the app), Enter
in a step's last field moves on, each step opens on its first field, and a refused Next puts
the cursor on the field to fix. The screen keeps no plan of its own: every Next rebuilds the
RolePlan from the steps' widgets, so going Back and changing a choice can never leave a stale
document in the review. After a successful create the screen dismisses with the ApplyResult
and asks the app to reload (its `reload` action), so the new access paths show up in the
explorer.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, Checkbox, ContentSwitcher, Input, Select, SelectionList, Static

from graph.access import AccessGraph
from graph.errors import RolemapError
from graph.model import AccountSnapshot
from graph.sources import AwsConnection
from graph.text import printable
from graph.wizard import ApplyResult, RolePlan, validate_step
from graph.wizard.kms import with_kms
from tui.navigation import AskConfirm
from tui.widgets.key_bar import KeyBar
from tui.wizard.boundary_step import BoundaryStep
from tui.wizard.details_step import DetailsStep
from tui.wizard.finish_step import FinishStep
from tui.wizard.permissions_step import PermissionsStep
from tui.wizard.review_step import ReviewStep
from tui.wizard.step import WizardStep
from tui.wizard.trust_step import TrustStep

#: The wizard's own help text (the keys themselves are listed from the bindings).
HELP_NOTES = (
    "Six steps: who may assume the role, what it may do, an optional boundary, its name, a "
    "review with a preview of the access it opens, then create or export. ctrl+n goes to the "
    "next step once this one is complete; if something is missing, the step says what and the "
    "cursor goes to that field. ctrl+b goes back; choices are kept. Tab and shift+Tab move "
    "between fields, and so does Enter (from a step's last field, to the next step). Space "
    "ticks an entry of a list or a checkbox: [x] ticked, [ ] not. Enter presses a button and "
    "opens a drop-down. Page Up and Page Down scroll a long step. Under tmux, ctrl+b is tmux's "
    "prefix: press it twice. f1 shows this help anywhere (? too, outside text fields); Esc "
    "asks before discarding the role."
)


class RoleWizardScreen(Screen[ApplyResult | None]):
    """Guided creation of a least-privilege role; dismisses with the ApplyResult or None."""

    HELP_TITLE = "role wizard"
    HELP_NOTES = HELP_NOTES
    #: Its lists, name checks and preview hold the account it was opened on: a reload from
    #: here would change nothing shown (the app reloads after a create anyway).
    ALLOW_RELOAD = False
    #: Each step focuses its own first field once laid out (Textual's auto focus would do it
    #: before, scrolling the step's first label out of view on a small terminal).
    AUTO_FOCUS = ""

    BINDINGS: ClassVar[list[BindingType]] = [
        # f1 first: the key bar shows it, and it works in text fields, where ? is typed.
        Binding("f1,question_mark", "help", "Help", id="wizard.help"),
        # Priority: decided as the key arrives, so the keys typed after it (already queued)
        # reach the step it opens; no field of the wizard uses either key.
        Binding("ctrl+n", "next", "Next", id="wizard.next", priority=True),
        Binding("ctrl+b", "back", "Back", id="wizard.back", priority=True),
        Binding("escape", "cancel", "Cancel", id="wizard_cancel"),
        # The app's q would quit from here, dropping every step: ask first, as Esc does.
        Binding("q", "cancel", "Cancel", show=False, id="wizard_quit"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="wizard.page_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="wizard.page_up"),
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
    RoleWizardScreen WizardStep:focus { background-tint: $foreground 6%; scrollbar-color: $accent; }
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
        self.steps: list[WizardStep] = [
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

    @property
    def current(self) -> WizardStep:
        return self.steps[self.index]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Back on the first step and Next on the last stay in the key bar, dimmed."""
        if action == "back":
            return self.index > 0 or None
        if action == "next":
            return self.index < len(self.steps) - 1 or None
        return True

    async def action_help(self) -> None:
        """The app's help, as on every screen (it lists this screen's keys and HELP_NOTES)."""
        await self.app.run_action("help")

    def action_page(self, pages: int) -> None:
        step = self.current
        step.scroll_to(y=step.scroll_y + pages * max(1, step.size.height - 2), animate=False)

    def _show_errors(self, issues: list[str]) -> None:
        errors = self.query_one("#wizard-errors", Static)
        errors.update(printable("\n".join(issues), multiline=True))
        errors.set_class(not issues, "-empty")

    def _show(self) -> None:
        step = self.current
        self.query_one(ContentSwitcher).current = step.id
        self.query_one("#wizard-title", Static).update(
            f"New role for account {self.snapshot.account_id} - step {self.index + 1} of "
            f"{len(self.steps)}: {step.title}")
        self.query_one("#back", Button).disabled = self.index == 0
        self.query_one("#next", Button).disabled = self.index == len(self.steps) - 1
        self.refresh_bindings()
        step.scroll_home(animate=False)
        # At once, so keys typed right after `w` or ctrl+n land in the field; again after
        # layout in case the step had nothing focusable before it (first open).
        step.focus_first()
        self.call_after_refresh(self._settle_focus)

    def _settle_focus(self) -> None:
        if not self.current.has_focus_within:
            self.current.focus_first()

    def build_plan(self) -> RolePlan:
        """The plan as the steps now describe it (PlanInputError for unreadable text)."""
        draft: dict[str, Any] = {"name": ""}
        for step in self.steps:
            step.collect(draft)
        return with_kms(RolePlan(**draft), self.snapshot)

    def step_issues(self) -> list[tuple[str, str | None]]:
        """What must be fixed on the current step before Next: (message, field to fix)."""
        try:
            plan = self.build_plan()
        except RolemapError as exc:  # text that cannot be read: "FIELD: what is wrong"
            return [(str(exc), str(exc).partition(":")[0])]
        self.plan = plan
        step = self.current
        if step.step in ("review", "finish"):
            return []
        issues: list[tuple[str, str | None]] = [
            (str(i), i.field) for i in validate_step(step.step, plan, self.snapshot)]
        issues.extend(step.missing(plan))
        return issues

    def action_next(self) -> None:
        issues = self.step_issues()
        self._show_errors([message for message, _ in issues])
        if issues:
            field = issues[0][1]
            if field is not None and self.current.field_widget(field):
                self.current.focus_field(field)
            elif not self.current.has_focus_within:
                self.current.focus_first()
            return
        if self.index == len(self.steps) - 1 or self.plan is None:
            return
        self.index += 1
        step = self.current
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

    def action_advance(self) -> None:
        """Enter in a field (text, list or checkbox): on to the next field, or to the next
        step from the step's last one."""
        fields = self.current.fields()
        if fields and self.focused is fields[-1]:
            self.action_next()
        else:
            self.focus_next()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_advance()

    @on(Input.Changed)
    @on(Checkbox.Changed)
    @on(Select.Changed)
    @on(SelectionList.SelectedChanged)
    def _edited(self) -> None:
        """A refusal is about what was there when Next was pressed: once the user edits,
        it no longer describes the step, and goes (the next Next checks again)."""
        if not self.query_one("#wizard-errors").has_class("-empty"):
            self._show_errors([])

    def on_wizard_step_problems(self, message: WizardStep.Problems) -> None:
        self._show_errors(message.issues)
        if message.field is not None:
            self.current.focus_field(message.field)

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

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.post_message(AskConfirm(
            "Discard this role?", f"Everything chosen in steps 1 to {self.index + 1} is lost; "
            "nothing has been created.", yes="Discard", no="Keep editing", then=answered))

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
