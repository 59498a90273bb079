"""`e`: export effective permissions from the app, in the command line's formats.

Same writer as `rolemap export` (graph.exports), so a file saved here and one produced in CI
can be compared line for line. Writing runs in a worker: a whole account can take seconds,
so the dialog shows how much is written and Escape or Cancel stops it (nothing is left at the
path: the export is renamed into place only when complete).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from graph.errors import Cancelled, RolemapError
from graph.exports import FORMATS, MODES, export
from tui.navigation import AskConfirm
from tui.workspace import Workspace

#: (kind, key): "instance"/"role"/"bucket" and its id, ARN or name; ("account", "") for all.
Scope = tuple[str, str]

ACCOUNT: Scope = ("account", "")

#: Seconds between progress updates (each crosses threads).
PROGRESS_EVERY = 0.2
_EXTENSIONS = {"json": "json", "csv": "csv", "md": "md", "graphml": "graphml"}


def scope_label(scope: Scope) -> str:
    kind, key = scope
    return "the whole account" if kind == "account" else f"{kind} {key}"


def with_extension(path: str, fmt: str) -> str:
    """`path` with the format's extension when it ends in another format's (or none)."""
    stem, dot, ext = path.rpartition(".")
    if dot and "/" not in ext and ext.lower() in _EXTENSIONS.values():
        return f"{stem}.{_EXTENSIONS[fmt]}"
    if not dot or "/" in ext:
        return f"{path}.{_EXTENSIONS[fmt]}"
    return path


def default_path(scope: Scope, fmt: str) -> str:
    kind, key = scope
    stem = "rolemap-account" if kind == "account" else f"rolemap-{kind}-{key.rsplit('/', 1)[-1]}"
    return f"{stem}.{_EXTENSIONS[fmt]}"


class ExportScreen(ModalScreen[str | None]):
    """Pick what, how and where; dismisses with the written path (or None when cancelled)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "stop", "Cancel", id="export.cancel"),
    ]

    def __init__(self, workspace: Workspace, scopes: list[Scope]) -> None:
        super().__init__()
        self.workspace = workspace
        """The analysed account (its assumed context applies to the export too)."""
        self.scopes = [*scopes, ACCOUNT]
        """What can be exported from where the user was: the current resource, the account."""
        self.writing = False
        """True while an export is being written (Escape and Cancel then stop it)."""
        self._cancel = threading.Event()
        self._shown = 0.0

    def compose(self) -> ComposeResult:
        scope, fmt = self.scopes[0], FORMATS[0]
        with Vertical(id="export-box"):
            yield Label("Export effective permissions", id="export-title")
            yield Select(
                [(scope_label(s), i) for i, s in enumerate(self.scopes)],
                value=0,
                allow_blank=False,
                id="export-scope",
            )
            with Horizontal(id="export-shape"):
                yield Select([(f, f) for f in FORMATS], value=fmt, allow_blank=False, id="format")
                yield Select([(m, m) for m in MODES], value=MODES[0], allow_blank=False, id="mode")
            yield Input(default_path(scope, fmt), placeholder="file to write", id="export-path")
            yield Static("", id="export-progress", markup=False)
            yield Static("", id="export-error", markup=False)
            with Horizontal(id="export-buttons"):
                yield Button("Write", id="write", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        # The format first: with focus in the path field, a reflexive Enter wrote at once.
        self.query_one("#format", Select).focus()

    @property
    def scope(self) -> Scope:
        return self.scopes[int(self.query_one("#export-scope", Select).value)]  # type: ignore[arg-type]

    @property
    def fmt(self) -> str:
        return str(self.query_one("#format", Select).value)

    @on(Select.Changed)
    def _choice_changed(self, event: Select.Changed) -> None:
        """Suggest a matching file name; a name the user typed keeps its stem, and its
        extension follows the format when it was one of the formats' extensions."""
        self.query_one("#mode", Select).disabled = self.fmt == "graphml"
        path = self.query_one("#export-path", Input)
        suggestions = {default_path(s, f) for s in self.scopes for f in FORMATS}
        if path.value in suggestions or not path.value:
            path.value = default_path(self.scope, self.fmt)
        else:
            path.value = with_extension(path.value, self.fmt)

    @on(Input.Submitted, "#export-path")
    def _submitted(self) -> None:
        self._start()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "write":
            self._start()
        else:
            self.action_stop()

    def _start(self) -> None:
        path = self.query_one("#export-path", Input).value.strip()
        if not path:
            self.query_one("#export-error", Static).update("Type the file to write.")
            return
        target = Path(path).expanduser()
        if target.is_dir():
            self.query_one("#export-error", Static).update(f"{path} is a folder: name a file.")
            return
        if target.exists():

            def answered(overwrite: bool | None) -> None:
                if overwrite:
                    self._go(path)

            self.app.post_message(AskConfirm(
                f"{path} exists. Overwrite it?",
                f"Its contents are replaced by the {self.fmt} export; this cannot be undone.",
                yes="Overwrite", no="Keep it", then=answered))
            return
        self._go(path)

    def _go(self, path: str) -> None:
        self.query_one("#write", Button).disabled = True
        self._cancel.clear()
        self.writing = True
        self.query_one("#export-progress", Static).update("Writing… (Esc or Cancel stops it)")
        self._write(path, self.scope, self.fmt, str(self.query_one("#mode", Select).value))

    def action_stop(self) -> None:
        """Escape: stop an export being written (nothing is left at the path), else close."""
        if self.writing:
            self._cancel.set()
        else:
            self.dismiss(None)

    def _watch(self, written: int) -> None:
        """Called on every write of the export (in its worker): stop, or show the size."""
        if self._cancel.is_set():
            raise Cancelled("export cancelled: nothing was written")
        now = time.monotonic()
        if now - self._shown >= PROGRESS_EVERY:
            self._shown = now
            self.app.call_from_thread(self._progress, written)

    def _progress(self, written: int) -> None:
        self.query_one("#export-progress", Static).update(
            f"Writing… {written / 1e6:,.1f} MB so far (Esc or Cancel stops it)")

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _write(self, path: str, scope: Scope, fmt: str, mode: str) -> None:
        kind, key = scope
        target = {kind: key} if kind != "account" else {}
        try:
            count = export(self.workspace.decided, fmt, Path(path).expanduser(), mode=mode,
                           watch=self._watch, **target)
        except RolemapError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        what = "edges" if fmt == "graphml" else "rows"
        self.app.call_from_thread(self._written, path, f"Wrote {count} {what} to {path}")

    def _failed(self, message: str) -> None:
        self.writing = False
        self.query_one("#export-progress", Static).update("")
        self.query_one("#export-error", Static).update(message)
        self.query_one("#write", Button).disabled = False

    def _written(self, path: str, message: str) -> None:
        self.app.notify(message, title="Exported", markup=False)
        self.dismiss(path)
