"""Snapshot JSON -> model records, with one decoder compiled per model type.

A large snapshot holds a million values; asking `typing` what each field's type is, for each
of them, cost five times the JSON parse. Here each type's decoder is built once (a closure per
field) and the JSON path of a fault is assembled only when there is one: decoding a good file
costs little more than constructing its records.

Records are checked where the model reads them: IAM ARNs (Role.account_id splits the ARN),
account ids, non-empty names, and free JSON (policy documents) nested no deeper than
`MAX_DEPTH`, so a crafted file is one line naming its JSON path, never a crash later.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import types
import typing
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from graph import model
from graph.errors import SourceError
from graph.safe_files import MAX_DEPTH, too_deep
from graph.sources.shapes import ShapeError, iam_arn
from graph.text import printable

Decoder = Callable[[Any], Any]
_MISSING = object()


class _Fault(Exception):
    """A shape fault; containers add their step to `steps` (innermost first) on the way out."""

    def __init__(self, message: str, value: Any = _MISSING) -> None:
        self.message = message
        self.value = value
        self.steps: list[str] = []


def decode(tp: Any, value: Any, where: str) -> Any:
    """`value` as a `tp`; a fault is a SourceError naming `where` and the JSON path."""
    try:
        return _decoder(tp)(value)
    except _Fault as fault:
        path = "$" + "".join(reversed(fault.steps))
        if fault.value is _MISSING:
            raise SourceError(f"{where}: {path}: {fault.message}") from None
        value = fault.value
        shown = repr(printable(value[:40])) if isinstance(value, str) else json.dumps(value)[:40]
        raise SourceError(f"{where}: {path}: {fault.message}, found {shown}") from None


@cache
def _decoder(tp: Any) -> Decoder:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return _free_json
    if origin in (typing.Union, types.UnionType):
        inner = _decoder(next(a for a in args if a is not type(None)))
        return lambda v: None if v is None else inner(v)
    if dataclasses.is_dataclass(tp):
        return _record(tp)
    if origin in (tuple, frozenset):
        return _sequence(_decoder(args[0]), tuple if origin is tuple else frozenset)
    if origin in (Mapping, dict) or tp in (Mapping, dict):
        return _mapping(_decoder(args[1]) if args else _free_json, args[1] if args else Any)
    if tp in (str, int, bool):
        return _scalar(tp)
    raise TypeError(f"snapshot decoder: no rule for {tp!r}")


def _free_json(value: Any) -> Any:
    deep = too_deep(value)
    if deep is not None:
        fault = _Fault(f"nested deeper than {MAX_DEPTH} levels")
        fault.steps.append(deep[1:])
        raise fault
    return value


def _scalar(tp: type) -> Decoder:
    message = f"expected {tp.__name__}"

    def scalar(value: Any) -> Any:
        if type(value) is tp:  # exact: True is not an int here
            return value
        raise _Fault(message, value)

    return scalar


def _sequence(item: Decoder, kind: type) -> Decoder:
    def sequence(value: Any) -> Any:
        if type(value) is not list:
            raise _Fault("expected a list", value)
        try:
            return kind(map(item, value))
        except _Fault as fault:
            fault.steps.append(f"[{_failing_index(item, value)}]")
            raise

    return sequence


def _failing_index(item: Decoder, values: list[Any]) -> int:
    """Which element failed (found again only when one did)."""
    for i, value in enumerate(values):
        try:
            item(value)
        except _Fault:
            return i
    return -1


def _mapping(item: Decoder, item_type: Any) -> Decoder:
    plain_strings = item_type is str

    def mapping(value: Any) -> Any:
        if type(value) is not dict:
            raise _Fault("expected an object", value)
        if plain_strings and all(type(v) is str for v in value.values()):
            return value
        out = {}
        for key, v in value.items():
            try:
                out[key] = item(v)
            except _Fault as fault:
                fault.steps.append(f".{key}")
                raise
        return out

    return mapping


def _record(tp: type) -> Decoder:
    hints = typing.get_type_hints(tp, vars(sys.modules[tp.__module__]))
    fields = []
    defaults: dict[str, Any] = {}
    required: list[str] = []
    for f in dataclasses.fields(tp):
        fields.append((f.name, _decoder(hints[f.name])))
        if f.default is not dataclasses.MISSING:
            defaults[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            defaults[f.name] = f.default_factory
        else:
            required.append(f.name)
    factories = {k for k, f in ((f.name, f) for f in dataclasses.fields(tp))
                 if f.default_factory is not dataclasses.MISSING}
    # Frozen dataclasses set each field through object.__setattr__ in __init__; filling
    # __dict__ directly builds the same object (no __post_init__, no slots) several times
    # faster, which matters for a hundred thousand records.
    fast = "__post_init__" not in vars(tp) and not hasattr(tp, "__slots__")
    check = _CHECKS.get(tp)
    label = f"expected an object for {tp.__name__}"

    def record(value: Any) -> Any:
        if type(value) is not dict:
            raise _Fault(label, value)
        for name in required:
            if name not in value:
                raise _Fault(f"missing key {name!r}")
        kwargs: dict[str, Any] = {}
        for name, decoder in fields:
            raw = value.get(name, _MISSING)
            if raw is _MISSING:
                default = defaults[name]
                kwargs[name] = default() if name in factories else default
                continue
            try:
                kwargs[name] = decoder(raw)
            except _Fault as fault:
                fault.steps.append(f".{name}")
                raise
        if check is not None:
            check(kwargs)
        if fast:
            obj = object.__new__(tp)
            obj.__dict__.update(kwargs)
            return obj
        return tp(**kwargs)

    return record


def _arns(*spec: tuple[str, str]) -> Callable[[dict[str, Any]], None]:
    def check(fields: dict[str, Any]) -> None:
        for name, kind in spec:
            value = fields.get(name)
            values = value if isinstance(value, tuple) else () if value is None else (value,)
            for i, arn in enumerate(values):
                try:
                    iam_arn(arn, name, kind)
                except ShapeError as exc:
                    fault = _Fault(exc.message)
                    fault.steps.append(f".{name}[{i}]" if isinstance(value, tuple) else f".{name}")
                    raise fault from None

    return check


def _account(fields: dict[str, Any]) -> None:
    account = fields.get("account_id", "")
    if len(account) != 12 or not account.isdigit():
        fault = _Fault("expected a 12-digit account id", account)
        fault.steps.append(".account_id")
        raise fault


def _non_empty(key: str) -> Callable[[dict[str, Any]], None]:
    def check(fields: dict[str, Any]) -> None:
        if not fields.get(key):
            fault = _Fault("must not be empty")
            fault.steps.append(f".{key}")
            raise fault

    return check


def _instance(fields: dict[str, Any]) -> None:
    _non_empty("instance_id")(fields)
    _INSTANCE_ARNS(fields)


_INSTANCE_ARNS = _arns(("instance_profile_arn", "instance-profile"))
#: Per record type: what the model relies on beyond the types (Role.account_id splits the ARN).
_CHECKS: dict[type, Callable[[dict[str, Any]], None]] = {
    model.Role: _arns(("arn", "role"), ("attached_policy_arns", "policy"),
                      ("permissions_boundary_arn", "policy")),
    model.InstanceProfile: _arns(("arn", "instance-profile"), ("role_arns", "role")),
    model.ManagedPolicy: _arns(("arn", "policy")),
    model.Instance: _instance,
    model.Bucket: _non_empty("name"),
    model.Account: _account,
}
