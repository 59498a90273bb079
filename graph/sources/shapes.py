"""Shape checks for raw responses, so a wrong or truncated file is one line naming its path.

Transforms index into responses directly (fast on large accounts); when a response is not the
documented shape they turn the KeyError/TypeError into a SourceError with the JSON path here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph.errors import SourceError


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


def bad_shape(where: str, exc: Exception) -> SourceError:
    """Explain a KeyError/TypeError raised while reading a response at `where`."""
    if isinstance(exc, KeyError):
        return SourceError(f"{where}: missing key {exc.args[0]!r}")
    return SourceError(f"{where}: unexpected value ({exc})")


def tags_dict(tags: Any) -> dict[str, str]:
    """AWS tag lists ([{"Key": k, "Value": v}]) as a dict."""
    return {t["Key"]: t.get("Value", "") for t in tags or ()}


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
