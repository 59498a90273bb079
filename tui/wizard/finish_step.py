"""Step 6, create or export: the API calls, confirm, apply off the UI thread; or save a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Input, Label, Select, Static

from graph.errors import RolemapError
from graph.model import AccountSnapshot, Instance
from graph.safe_files import write_text
from graph.sources import AwsConnection
from graph.text import printable
from graph.wizard import FORMATS, ApplyResult, RolePlan, api_calls, apply_plan, render
from graph.wizard.apply import preflight
from graph.wizard.interrupts import StopRequest
from graph.wizard.journal import Journal, default_journal_path
from tui.clipboard import copy_text
from tui.signals import AppSignals
from tui.wizard.step import WizardStep

_SUFFIX = {"json": "json", "cli": "sh", "cloudformation": "yaml", "terraform": "tf"}


class FinishStep(WizardStep):
    """Create needs two presses (the second confirms the plan shown above it)."""

    step = "finish"
    title = "Create or export"

    class Created(Message):
        """The role exists now (or creation failed and was undone): the screen decides."""

        def __init__(self, result: ApplyResult) -> None:
            super().__init__()
            self.result = result

    def __init__(self, snapshot: AccountSnapshot, connection: AwsConnection | None) -> None:
        super().__init__(id="step-finish")
        self.snapshot = snapshot
        self.connection = connection
        self.plan: RolePlan | None = None
        self.attach: list[Instance] = []
        self.armed = False

    def compose(self) -> ComposeResult:
        yield Label("These calls will be made, in this order; nothing is written before Create")
        yield Static(id="calls", markup=False)
        with Horizontal(classes="row"):
            yield Button("Create", variant="warning", id="create")
        yield Static(id="result", markup=False)
        yield Label("Or export the role")
        with Horizontal(classes="row"):
            yield Select([(f, f) for f in FORMATS], value="json", allow_blank=False,
                         id="format")
            yield Input(placeholder="file path", id="export-path")
            yield Button("Save", id="save")
            yield Button("Copy", id="copy")

    def show(self, plan: RolePlan, attach_ids: list[str]) -> None:
        self.plan = plan
        self.attach = [self.snapshot.instance_by_id[i] for i in attach_ids]
        self.armed = False
        calls = api_calls(plan, self.attach)
        self.query_one("#calls", Static).update(printable(
            "\n".join(f"{n}. {c.describe()}" for n, c in enumerate(calls, start=1)),
            multiline=True))
        create = self.query_one("#create", Button)
        create.label = "Create"
        create.disabled = self.connection is None
        if self.connection is None:
            self.query_one("#result", Static).update(
                "This source is a saved snapshot: open the live account or the demo to create "
                "the role; exporting works everywhere.")
        path = self.query_one("#export-path", Input)
        if not path.value:
            path.value = f"{plan.name}.{_SUFFIX[self._format()]}"

    def _format(self) -> str:
        return str(self.query_one("#format", Select).value)

    def on_select_changed(self, event: Select.Changed) -> None:
        """A new format: the file name's extension follows it (a name the user typed with
        another extension is left alone)."""
        if event.select.id != "format":
            return
        path = self.query_one("#export-path", Input)
        stem, dot, suffix = path.value.rpartition(".")
        if dot and suffix in _SUFFIX.values() and "/" not in suffix:
            path.value = f"{stem}.{_SUFFIX[self._format()]}"

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if self.plan is None:
            return
        button = event.button.id
        if button == "create" and self.connection is not None:
            if not self.armed:
                self.armed = True
                event.button.label = "Press again to create"
            else:
                event.button.disabled = True
                self.query_one("#result", Static).update("Creating…")
                self._create(self.plan, self.attach, self._signals().writing())
        elif button == "save":
            path = Path(self.query_one("#export-path", Input).value.strip()).expanduser()
            try:
                write_text(path, render(self.plan, self._format()))
            except RolemapError as exc:
                self.app.notify(printable(str(exc)), severity="error", markup=False)
            else:
                self.app.notify(f"Saved {path}", markup=False)
        elif button == "copy":
            copy_text(self.app, render(self.plan, self._format()), f"the {self._format()} export")
        else:
            return
        event.stop()

    def _signals(self) -> AppSignals:
        """The app's signal handling (SIGTERM/SIGHUP roll the writes back); an app without
        it (a test's) gets one that only tracks the writes."""
        found = getattr(self.app, "signals", None)
        if not isinstance(found, AppSignals):
            found = AppSignals(lambda code: None)
        return found

    @work(thread=True, exclusive=True, group="wizard-create")
    def _create(self, plan: RolePlan, attach: list[Instance], stop: StopRequest) -> None:
        assert self.connection is not None
        try:
            preflight(plan, self.connection)  # a name already taken: nothing is written
        except RolemapError as exc:
            self.app.call_from_thread(self._refused, str(exc), stop)
            return
        journal = Journal(default_journal_path(plan.name), plan.name, self.snapshot.account_id)
        result = apply_plan(plan, self.connection, attach, journal=journal, stop=stop)
        self.app.call_from_thread(self._created, result, stop)

    def _refused(self, message: str, stop: StopRequest | None = None) -> None:
        if stop is not None:
            self._signals().written(stop)
        self.query_one("#result", Static).update(printable(message))
        self.armed = False
        create = self.query_one("#create", Button)
        create.label = "Create"
        create.disabled = False

    def _created(self, result: ApplyResult, stop: StopRequest | None = None) -> None:
        self.query_one("#result", Static).update(
            printable("\n".join(result.lines()), multiline=True))
        self.post_message(self.Created(result))
        if stop is not None:
            self._signals().written(stop)  # a signal waiting for the writes: leave now

    def collect(self, draft: dict[str, Any]) -> None:
        """Creating or exporting adds nothing to the plan itself."""
