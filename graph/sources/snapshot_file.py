"""Versioned snapshot files: the model as JSON, so an account can be analysed offline later.

The file holds what the model holds (policies, names, ids) and nothing else: the model has no
field for credentials, so none can leak into a file. Loading checks the format version first:
a file from a newer rolemap is refused with a message, not half-read.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graph.errors import SourceError
from graph.model import SNAPSHOT_SCHEMA_VERSION, AccountSnapshot
from graph.safe_files import read_json, write_text
from graph.sources.build import users_unread_warning
from graph.sources.bulk import bulk_allocation
from graph.sources.export_folder_compute import not_read_warning
from graph.sources.size_limits import refuse_oversized
from graph.sources.snapshot_decode import decode
from graph.sources.unread_gates import without_gate_facts

#: The first format that holds the gates' facts (network, KMS, access points...).
GATES_VERSION = 2

FORMAT = "rolemap-snapshot"


def snapshot_to_json(snapshot: AccountSnapshot) -> dict[str, Any]:
    """The snapshot as a JSON-ready dict, with its format name and version first."""
    body = _encode(snapshot)
    return {"format": FORMAT, "version": SNAPSHOT_SCHEMA_VERSION, **body}


def save_snapshot(snapshot: AccountSnapshot, path: Path | str) -> None:
    """Write `path` whole or not at all, readable by its owner only (it is the account's IAM).

    Compact JSON: the C encoder; indenting falls back to the pure-Python one (4x slower).
    """
    text = json.dumps(snapshot_to_json(snapshot), separators=(",", ":")) + "\n"
    write_text(path, text, private=True)


def load_snapshot(path: Path | str) -> AccountSnapshot:
    """Read a snapshot file; every fault is a SourceError naming the file and the JSON path."""
    path = Path(path)
    with bulk_allocation():
        data = read_json(path)
        return snapshot_from_json(data, str(path))


def snapshot_from_json(data: Any, where: str = "snapshot") -> AccountSnapshot:
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        raise SourceError(f"{where}: not a rolemap snapshot (no \"format\": \"{FORMAT}\")")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise SourceError(f"{where}: version: expected an integer, found {version!r}")
    if version > SNAPSHOT_SCHEMA_VERSION:
        raise SourceError(
            f"{where}: snapshot version {version} is newer than this rolemap understands "
            f"(up to {SNAPSHOT_SCHEMA_VERSION}); upgrade rolemap"
        )
    if version < 1:
        raise SourceError(f"{where}: unknown snapshot version {version}")
    body = {k: v for k, v in data.items() if k not in ("format", "version")}
    if "captured_at" in body:  # the field's name in files written before it was taken_at
        body.setdefault("taken_at", body.pop("captured_at"))
    snapshot = refuse_oversized(decode(AccountSnapshot, body, where))
    if version < GATES_VERSION:
        snapshot = without_gate_facts(snapshot, f"snapshot format {version}")
    if "compute" not in body:  # written before compute was read: unknown, never "none"
        warning = not_read_warning("this snapshot")
        snapshot = dataclasses.replace(snapshot, warnings=(*snapshot.warnings, warning))
    if "users" not in body:
        # Written before users were read: escalation through them is unknown, not absent.
        snapshot = dataclasses.replace(
            snapshot, warnings=snapshot.warnings + (users_unread_warning(),))
    if not (snapshot.roles or snapshot.instances or snapshot.buckets):
        raise SourceError(
            f"{where}: account {snapshot.account_id} is empty (no roles, instances or buckets)"
        )
    return snapshot


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _encode(v) for k, v in value.items()}
    return value
