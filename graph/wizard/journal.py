"""The wizard's journal: each write is recorded on disk *before* it is sent.

Rollback in the process covers failures and Ctrl-C; it cannot cover a process that is killed,
loses its terminal or its machine. So before each call the journal file (replaced whole, owner
readable only) lists the calls done so far and the one being sent, each with the call that
undoes it, and the apply's creation token (the value of the tag rolemap puts on the role and
profile it creates). `rolemap role undo JOURNAL` runs those undo calls in reverse later, after
checking them (graph.wizard.undo). A call that was being sent may or may not have happened, so
its undo tolerates "not found".
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graph.errors import RolemapError
from graph.safe_files import parse_json, read_bytes, write_text

FORMAT = "rolemap-role-journal"
#: Entry states: sent (maybe done), done, undone.
SENT, DONE, UNDONE = "sent", "done", "undone"


def default_journal_path(role_name: str) -> Path:
    """`$XDG_STATE_HOME/rolemap/journals/<role>-<UTC time>.json` (~/.local/state by default)."""
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return base / "rolemap" / "journals" / f"{role_name}-{stamp}.json"


@dataclass
class Journal:
    """The calls of one apply, in order, with their undo calls and how far each got."""

    path: Path
    role_name: str
    account: str = ""
    status: str = "applying"
    #: The value of rolemap's creation tag on what this apply creates (set by apply_plan).
    token: str = ""
    entries: list[dict[str, Any]] = field(default_factory=list)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_text(self.path, json.dumps({
            "format": FORMAT, "role": self.role_name, "account": self.account,
            "status": self.status, "token": self.token, "entries": self.entries,
        }, indent=1) + "\n", private=True)

    def sending(self, call: dict[str, Any], undo: dict[str, Any]) -> int:
        """Record a call about to be sent (saved before it is); returns its index."""
        self.entries.append({"state": SENT, "call": call, "undo": undo})
        self.save()
        return len(self.entries) - 1

    def mark(self, index: int, state: str, undo: dict[str, Any] | None = None) -> None:
        self.entries[index]["state"] = state
        if undo is not None:
            self.entries[index]["undo"] = undo
        self.save()

    def finish(self, status: str) -> None:
        self.status = status
        self.save()

    def pending(self) -> list[tuple[int, dict[str, Any], bool]]:
        """(index, undo call, certain) to run, last first; `certain` is False for a call that
        was being sent when the process stopped (it may not have happened)."""
        return [(i, e["undo"], e["state"] == DONE) for i, e in reversed(list(enumerate(
            self.entries))) if e["state"] in (SENT, DONE)]


def load_journal(path: Path | str) -> Journal:
    """Read a journal; a file that is not one is a one-line RolemapError naming it."""
    path = Path(path)
    data = parse_json(read_bytes(path), str(path))
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise RolemapError(f"{path}: not a rolemap role journal (no \"format\": \"{FORMAT}\")")
    entries = data.get("entries")
    if not isinstance(entries, list) or not all(_entry_ok(e) for e in entries):
        raise RolemapError(f"{path}: entries: expected a list of {{state, call, undo}} objects")
    return Journal(path, str(data.get("role", "")), str(data.get("account", "")),
                   str(data.get("status", "")), str(data.get("token") or ""), entries)


def _entry_ok(entry: Any) -> bool:
    return (isinstance(entry, dict) and entry.get("state") in (SENT, DONE, UNDONE)
            and all(_call_ok(entry.get(k)) for k in ("call", "undo")))


def _call_ok(call: Any) -> bool:
    return (isinstance(call, dict) and isinstance(call.get("service"), str)
            and isinstance(call.get("operation"), str) and isinstance(call.get("params"), dict)
            and (call.get("region") is None or isinstance(call.get("region"), str)))
