"""Step 2, permissions: per bucket, the tasks the role does (the fewest actions for each),
single actions by name, AWS access levels only as an explicit advanced choice; prefix, TLS,
managed policies."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Checkbox, Input, Label, SelectionList, Static
from textual.widgets.selection_list import Selection

from graph.model import AccountSnapshot
from graph.text import printable
from graph.wizard import BucketGrant, PlanInputError, RolePlan
from graph.wizard.actions import LEVELS
from graph.wizard.plan import ordered_levels, ordered_tasks
from graph.wizard.tasks import TASKS, grantable_action
from tui.widgets.marked import MarkedCheckbox, MarkedSelectionList
from tui.wizard.step import WizardStep

#: Tasks chosen when the step opens: reading and listing is what most roles are made for.
_DEFAULT_TASKS = ("list", "read")


#: What the step says when Next finds nothing granted.
NOTHING_GRANTED = ("nothing granted yet: tick a bucket with space (or type its name) and "
                   "a task, or attach a managed policy")


class PermissionsStep(WizardStep):
    """Grants are added one group at a time, so each bucket can get its own tasks and prefix."""

    step = "permissions"
    title = "Permissions"
    FIELDS: ClassVar[dict[str, str]] = {
        "grant": "buckets", "grants": "buckets", "managed policy": "managed",
        "single actions": "actions"}

    def __init__(self, snapshot: AccountSnapshot) -> None:
        super().__init__(id="step-permissions")
        self.snapshot = snapshot
        self.grants: list[BucketGrant] = []

    def compose(self) -> ComposeResult:
        yield Label("Buckets of the account (or type names below)")
        yield MarkedSelectionList(*[Selection(b.name, b.name) for b in self.snapshot.buckets],
                                  id="buckets")
        yield Input(placeholder="other bucket names, comma separated", id="typed-buckets")
        yield Label("What the role does there (each task grants only the actions it needs)")
        yield MarkedSelectionList(
            *[Selection(f"{t.title}  ({', '.join(a.removeprefix('s3:') for a in t.actions)})",
                        t.token, t.token in _DEFAULT_TASKS) for t in TASKS],
            id="tasks")
        yield Input(placeholder="more single actions, e.g. s3:GetObjectTagging", id="actions")
        yield Input(placeholder="key prefix (optional), e.g. reports/", id="prefix")
        yield MarkedCheckbox("Require TLS (aws:SecureTransport)", value=True, id="tls")
        yield MarkedCheckbox("Advanced: grant whole AWS access levels (dozens of actions each)",
                             value=False, id="advanced")
        yield MarkedSelectionList(*[Selection(lv, lv) for lv in LEVELS], id="levels")
        yield Static(id="level-actions")
        with Horizontal(classes="row"):
            yield Button("Add grant", id="add-grant")
            yield Button("Remove last", id="remove-grant")
        yield Static("No grants yet.", id="grants", markup=False)
        yield Label("Attach existing managed policies (optional)")
        yield MarkedSelectionList(
            *[Selection(f"{p.name}  {p.arn}", p.arn) for p in self.snapshot.managed_policies],
            id="managed")

    def on_mount(self) -> None:
        self.query_one("#levels", SelectionList).display = False
        self._show_actions()

    def _tasks(self) -> tuple[str, ...]:
        return ordered_tasks([str(v) for v in self.query_one("#tasks", SelectionList).selected])

    def _levels(self) -> tuple[str, ...]:
        if not self.query_one("#advanced", Checkbox).value:
            return ()
        return ordered_levels([str(v) for v in self.query_one("#levels", SelectionList).selected])

    def _single_actions(self) -> tuple[str, ...]:
        """The typed actions by catalogue name; PlanInputError names one that is not one."""
        found = []
        for typed in self.query_one("#actions", Input).value.replace(",", " ").split():
            action = grantable_action(typed if ":" in typed else f"s3:{typed}")
            if action is None:
                raise PlanInputError(
                    f"single actions: {typed!r} is not an S3 action on a bucket or its objects")
            found.append(action.name)
        return tuple(sorted(set(found)))

    def _draft_grant(self) -> BucketGrant:
        """The choices as a grant on no bucket yet: what the actions line shows."""
        try:
            actions = self._single_actions()
        except PlanInputError:
            actions = ()
        return BucketGrant("", self._tasks(), levels=self._levels(), actions=actions)

    def _show_actions(self) -> None:
        granted = self._draft_grant().granted
        names = ", ".join(a.name.removeprefix("s3:") for a in granted)
        text = f"Grants {len(granted)} action(s): {names}" if granted else (
            "Pick at least one task (or type an action).")
        self.query_one("#level-actions", Static).update(text)

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        if event.selection_list.id in ("tasks", "levels"):
            self._show_actions()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        if event.checkbox.id == "advanced":
            self.query_one("#levels", SelectionList).display = event.value
            self._show_actions()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "actions":
            self._show_actions()

    def pending(self) -> list[BucketGrant]:
        """Grants for the buckets picked but not yet added (Next adds them too)."""
        names = [str(v) for v in self.query_one("#buckets", SelectionList).selected]
        typed = self.query_one("#typed-buckets", Input).value
        names += [n.strip() for n in typed.split(",") if n.strip()]
        prefix = self.query_one("#prefix", Input).value.strip()
        tls = self.query_one("#tls", Checkbox).value
        actions = self._single_actions()
        return [BucketGrant(n, self._tasks(), prefix, tls, self._levels(), actions)
                for n in dict.fromkeys(names)]

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "add-grant":
            event.stop()
            self._add_grants()
        elif event.button.id == "remove-grant":
            event.stop()
            if self.grants:
                self.grants.pop()
            self._show_grants()

    def _add_grants(self) -> None:
        """Add grants for the buckets picked; say what is missing instead of adding nothing."""
        try:
            pending = self.pending()
        except PlanInputError as exc:
            self.post_message(self.Problems([str(exc)], "actions"))
            return
        if not pending:
            self.post_message(self.Problems(
                ["no bucket picked: tick one with space, or type its name"], "buckets"))
            return
        if pending[0].is_empty:
            self.post_message(self.Problems(
                ["no task picked: tick what the role does there (or type an action)"], "tasks"))
            return
        self.grants += pending
        self.query_one("#buckets", SelectionList).deselect_all()
        self.query_one("#typed-buckets", Input).value = ""
        self.query_one("#prefix", Input).value = ""
        self._show_grants()
        self.post_message(self.Problems([]))  # the refusal shown before no longer holds

    def _show_grants(self) -> None:
        text = "\n".join(g.label + ("  (TLS)" if g.require_tls else "") for g in self.grants)
        self.query_one("#grants", Static).update(printable(text, multiline=True)
                                                 or "No grants yet.")

    def missing(self, plan: RolePlan) -> list[tuple[str, str]]:
        return [] if plan.grants or plan.managed_policy_arns else [(NOTHING_GRANTED, "grants")]

    def collect(self, draft: dict[str, Any]) -> None:
        draft["grants"] = tuple(self.grants + self.pending())
        draft["managed_policy_arns"] = tuple(
            str(v) for v in self.query_one("#managed", SelectionList).selected)
