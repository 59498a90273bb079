"""Versioned snapshot files: the model as JSON, so an account can be analysed offline later.

The file holds what the model holds (policies, names, ids) and nothing else: the model has no
field for credentials, so none can leak into a file. Loading checks the format version first:
a file from a newer rolemap is refused with a message, not half-read.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graph import model
from graph.errors import SourceError
from graph.model import SNAPSHOT_SCHEMA_VERSION, AccountSnapshot
from graph.safe_files import MAX_DEPTH, read_json, too_deep, write_text
from graph.sources.bulk import bulk_allocation
from graph.sources.shapes import ShapeError, iam_arn
from graph.text import printable

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
    snapshot = _decode(AccountSnapshot, body, where, "$")
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


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls, vars(model))
    return _HINTS[cls]


def _decode(tp: Any, value: Any, where: str, path: str) -> Any:
    """Rebuild a value of type `tp` from JSON, checking shapes as the model's hints declare."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        deep = too_deep(value)
        if deep is not None:
            raise SourceError(f"{where}: {path}{deep[1:]}: nested deeper than {MAX_DEPTH} levels")
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _decode(inner[0], value, where, path)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, Mapping):
            raise _bad(where, path, f"expected an object for {tp.__name__}", value)
        hints = _hints(tp)
        kwargs = {}
        for f in dataclasses.fields(tp):
            if f.name in value:
                kwargs[f.name] = _decode(hints[f.name], value[f.name], where, f"{path}.{f.name}")
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise SourceError(f"{where}: {path}: missing key {f.name!r}")
        _check(tp, kwargs, where, path)
        return tp(**kwargs)
    if origin is tuple:
        if not isinstance(value, list):
            raise _bad(where, path, "expected a list", value)
        item = args[0]
        return tuple(_decode(item, v, where, f"{path}[{i}]") for i, v in enumerate(value))
    if origin is frozenset:
        if not isinstance(value, list):
            raise _bad(where, path, "expected a list", value)
        return frozenset(_decode(args[0], v, where, f"{path}[{i}]") for i, v in enumerate(value))
    if origin in (Mapping, dict) or tp in (Mapping, dict):
        if not isinstance(value, Mapping):
            raise _bad(where, path, "expected an object", value)
        return {str(k): _decode(args[1] if args else Any, v, where, f"{path}.{k}")
                for k, v in value.items()}
    if tp in (str, int, bool):
        ok = isinstance(value, tp) and (tp is bool or not isinstance(value, bool))
        if not ok:
            raise _bad(where, path, f"expected {tp.__name__}", value)
        return value
    raise SourceError(f"{where}: {path}: cannot read type {tp!r}")


#: Fields the model reads parts of (Role.account_id splits the ARN): checked on load.
_ARNS: dict[type, tuple[tuple[str, str], ...]] = {
    model.Role: (("arn", "role"), ("attached_policy_arns", "policy"),
                 ("permissions_boundary_arn", "policy")),
    model.InstanceProfile: (("arn", "instance-profile"), ("role_arns", "role")),
    model.ManagedPolicy: (("arn", "policy"),),
    model.Instance: (("instance_profile_arn", "instance-profile"),),
}


def _check(tp: type, fields: Mapping[str, Any], where: str, path: str) -> None:
    for name, kind in _ARNS.get(tp, ()):
        value = fields.get(name)
        values = value if isinstance(value, tuple) else () if value is None else (value,)
        for i, arn in enumerate(values):
            try:
                iam_arn(arn, f"{name}[{i}]" if isinstance(value, tuple) else name, kind)
            except ShapeError as exc:
                raise SourceError(f"{where}: {path}.{exc.field}: {exc.message}") from None
    if tp is model.Account:
        account = fields.get("account_id", "")
        if len(account) != 12 or not account.isdigit():
            raise SourceError(f"{where}: {path}.account_id: expected a 12-digit account id, "
                              f"found {printable(account[:40])!r}")
    if tp in (model.Bucket, model.Instance):
        key = "name" if tp is model.Bucket else "instance_id"
        if not fields.get(key):
            raise SourceError(f"{where}: {path}.{key}: must not be empty")


def _bad(where: str, path: str, message: str, value: Any) -> SourceError:
    shown = json.dumps(value)[:40] if not isinstance(value, str) else repr(printable(value[:40]))
    return SourceError(f"{where}: {path}: {message}, found {shown}")
