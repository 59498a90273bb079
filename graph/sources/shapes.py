"""Shape checks for raw responses, so a wrong or truncated file is one line naming its path.

Transforms index into responses directly (fast on large accounts); when a response is not the
documented shape they turn the KeyError/TypeError into a SourceError with the JSON path here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph.errors import SourceError
from graph.text import printable


def expect_object(
    value: Any, where: str, what: str, keys: tuple[str, ...] = ()
) -> Mapping[str, Any]:
    """Return `value` if it is a JSON object holding at least one of `keys`."""
    if not isinstance(value, Mapping):
        raise SourceError(f"{where}: expected {what} (a JSON object), found {_kind(value)}")
    if keys and not any(k in value for k in keys):
        names = ", ".join(keys)
        raise SourceError(f"{where}: expected {what} (with {names}); is this the right file?")
    return value


def expect_list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SourceError(f"{where}: expected a list, found {_kind(value)}")
    return value


class ShapeError(ValueError):
    """A field of a record that is there but wrong (an Arn that is no ARN, a number as a name)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


#: What a transform raises on a record that is not the documented shape.
RECORD_FAULTS = (KeyError, TypeError, AttributeError, ValueError, IndexError)


def bad_shape(where: str, exc: Exception) -> SourceError:
    """Explain a fault (RECORD_FAULTS) raised while reading a response at `where`."""
    if isinstance(exc, ShapeError):
        return SourceError(f"{where}.{exc.field}: {exc.message}")
    if isinstance(exc, KeyError):
        return SourceError(f"{where}: missing key {printable(str(exc.args[0]))!r}")
    return SourceError(f"{where}: unexpected value ({printable(str(exc))[:200]})")


def string(value: Any, field: str) -> str:
    """`value` if it is a string; else a ShapeError naming `field`."""
    if not isinstance(value, str):
        raise ShapeError(field, f"expected a string, found {_kind(value)}")
    return value


def optional_string(value: Any, field: str, default: str = "") -> str:
    return default if value is None else string(value, field)


def iam_arn(value: Any, field: str, kind: str) -> str:
    """An IAM ARN of `kind` ("role", "instance-profile", "policy"): the model reads its parts."""
    arn = string(value, field)
    parts = arn.split(":", 5)
    account_ok = len(parts) == 6 and (
        (len(parts[4]) == 12 and parts[4].isdigit()) or (kind == "policy" and parts[4] == "aws")
    )
    if not (account_ok and parts[0] == "arn" and parts[1] and parts[2] == "iam"
            and not parts[3] and parts[5].startswith(f"{kind}/") and len(parts[5]) > len(kind) + 1):
        raise ShapeError(field, f"not an IAM {kind} ARN: {printable(arn[:80])!r}")
    return arn


def object_or_none(value: Any, field: str) -> Mapping[str, Any] | None:
    if value is not None and not isinstance(value, Mapping):
        raise ShapeError(field, f"expected an object, found {_kind(value)}")
    return value


def tags_dict(tags: Any, field: str = "Tags") -> dict[str, str]:
    """AWS tag lists ([{"Key": k, "Value": v}]) as a dict; keys and values must be strings."""
    out: dict[str, str] = {}
    for i, t in enumerate(tags or ()):
        out[string(t["Key"], f"{field}[{i}].Key")] = optional_string(
            t.get("Value"), f"{field}[{i}].Value")
    return out


def text(value: Any) -> str:
    """Dates come as datetimes from boto3 and as ISO strings from the CLI: one ISO form.

    The CLI may print UTC as "Z" where datetime.isoformat() says "+00:00"; both become the
    latter, so an export folder and a live read of the same account compare equal.
    """
    if value is None:
        return ""
    iso = getattr(value, "isoformat", None)
    out = iso() if iso is not None else str(value)
    return out[:-1] + "+00:00" if out.endswith("Z") else out


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return type(value).__name__
