"""Step 2, permissions: buckets with an access level each, prefix, TLS, managed policies."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, SelectionList, Static
from textual.widgets.selection_list import Selection

from graph.model import AccountSnapshot
from graph.wizard import BucketGrant
from graph.wizard.actions import LEVELS, level_actions
from graph.wizard.plan import ordered_levels


class PermissionsStep(VerticalScroll):
    """Grants are added one group at a time, so each bucket can get its own level and prefix."""

    step = "permissions"
    title = "Permissions"

    def __init__(self, snapshot: AccountSnapshot) -> None:
        super().__init__(id="step-permissions")
        self.snapshot = snapshot
        self.grants: list[BucketGrant] = []

    def compose(self) -> ComposeResult:
        yield Label("Buckets of the account (or type names below)")
        yield SelectionList[str](*[Selection(b.name, b.name) for b in self.snapshot.buckets],
                                 id="buckets")
        yield Input(placeholder="other bucket names, comma separated", id="typed-buckets")
        yield Label("Access level (AWS's levels; the resulting actions are listed below)")
        yield SelectionList[str](*[Selection(lv, lv, lv in ("List", "Read")) for lv in LEVELS],
                                 id="levels")
        yield Input(placeholder="key prefix (optional), e.g. reports/", id="prefix")
        yield Checkbox("Require TLS (aws:SecureTransport)", value=True, id="tls")
        yield Static(id="level-actions")
        with Horizontal(classes="row"):
            yield Button("Add grant", id="add-grant")
            yield Button("Remove last", id="remove-grant")
        yield Static("No grants yet.", id="grants")
        yield Label("Attach existing managed policies (optional)")
        yield SelectionList[str](
            *[Selection(f"{p.name}  {p.arn}", p.arn) for p in self.snapshot.managed_policies],
            id="managed")

    def on_mount(self) -> None:
        self._show_actions()

    def _levels(self) -> tuple[str, ...]:
        return ordered_levels([str(v) for v in self.query_one("#levels", SelectionList).selected])

    def _show_actions(self) -> None:
        lines = []
        for level in self._levels():
            actions = level_actions(level)
            lines.append(f"{level}: {len(actions.bucket)} on the bucket, {len(actions.object)} "
                         f"on objects: " + ", ".join(a.removeprefix("s3:") for a in actions.all))
        self.query_one("#level-actions", Static).update(
            "\n".join(lines) or "Pick at least one level.")

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        if event.selection_list.id == "levels":
            self._show_actions()

    def pending(self) -> list[BucketGrant]:
        """Grants for the buckets picked but not yet added (Next adds them too)."""
        names = [str(v) for v in self.query_one("#buckets", SelectionList).selected]
        typed = self.query_one("#typed-buckets", Input).value
        names += [n.strip() for n in typed.split(",") if n.strip()]
        prefix = self.query_one("#prefix", Input).value.strip()
        tls = self.query_one("#tls", Checkbox).value
        return [BucketGrant(n, self._levels(), prefix, tls) for n in dict.fromkeys(names)]

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "add-grant":
            self.grants += self.pending()
            self.query_one("#buckets", SelectionList).deselect_all()
            self.query_one("#typed-buckets", Input).value = ""
            self.query_one("#prefix", Input).value = ""
        elif event.button.id == "remove-grant" and self.grants:
            self.grants.pop()
        else:
            return
        event.stop()
        text = "\n".join(g.label + ("  (TLS)" if g.require_tls else "") for g in self.grants)
        self.query_one("#grants", Static).update(text or "No grants yet.")

    def collect(self, draft: dict[str, Any]) -> None:
        draft["grants"] = tuple(self.grants + self.pending())
        draft["managed_policy_arns"] = tuple(
            str(v) for v in self.query_one("#managed", SelectionList).selected)
