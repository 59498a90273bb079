"""The time keys (aws:CurrentTime, aws:EpochTime, aws:TokenIssueTime), decided at the moment of
analysis.

Left unknown, a statement that expires ("DateLessThan aws:CurrentTime 2030-01-01") or one that
only admits sessions issued before a date makes every answer through it conditional, though
the analysis can tell: a request made now is made at the analysis time, and a session started
now has its token issued then. So these keys take the analysis time (to the minute, UTC), and
every answer a statement with such a condition decides says so ("decided at
2026-12-07T15:00Z"). `--assume aws:CurrentTime=…` (or aws:EpochTime) moves the analysis to that
moment, the other time keys with it; a key assumed by name keeps the value given.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from graph.errors import RolemapError
from graph.policy.decision import StatementRef

CURRENT = "aws:CurrentTime"
EPOCH = "aws:EpochTime"
TOKEN = "aws:TokenIssueTime"
TIME_KEYS = (CURRENT, EPOCH, TOKEN)
_LOWER = {k.lower(): k for k in TIME_KEYS}


def iso(at: datetime) -> str:
    """"2026-12-07T15:00:00Z": the form IAM's date conditions read."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def shown(at: datetime) -> str:
    """"2026-12-07T15:00Z": the analysis time as evidence states it."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def _given(assumed: Mapping[str, str], key: str) -> str | None:
    return next((v for k, v in assumed.items() if k.lower() == key.lower()), None)


def _parse(key: str, value: str) -> datetime:
    try:
        if key == EPOCH or value.strip().isdigit():
            return datetime.fromtimestamp(int(value.strip()), UTC)
        text = value.strip()
        return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text
                                      ).astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        raise RolemapError(f"{key}={value}: expected a date such as "
                           "2026-12-07T15:00:00Z (or epoch seconds)") from None


def check_times(assumed: Mapping[str, str]) -> None:
    """RolemapError naming the first time key whose assumed value is not a date."""
    for key, value in assumed.items():
        if key.lower() in _LOWER:
            _parse(_LOWER[key.lower()], value)


def analysis_time(assumed: Mapping[str, str], now: datetime | None = None) -> datetime:
    """When the analysis asks its questions: aws:CurrentTime or aws:EpochTime as assumed, else
    `now` (the clock when not given), to the minute."""
    for key in (CURRENT, EPOCH):
        value = _given(assumed, key)
        if value is not None:
            return _parse(key, value)
    at = now if now is not None else datetime.now(UTC)
    return at.astimezone(UTC).replace(second=0, microsecond=0)


def with_time(assumed: Mapping[str, str], at: datetime) -> dict[str, str]:
    """The request context: the time keys at `at`, then what the user assumed (which wins)."""
    given = {k.lower() for k in assumed}
    out = {k: v for k, v in ((CURRENT, iso(at)), (EPOCH, str(int(at.timestamp()))),
                             (TOKEN, iso(at))) if k.lower() not in given}
    out.update(assumed)
    return out


def _condition_keys(statement: Any) -> Iterator[str]:
    if not isinstance(statement, Mapping):
        return
    block = statement.get("Condition")
    if not isinstance(block, Mapping):
        return
    for operands in block.values():
        if isinstance(operands, Mapping):
            yield from (k for k in operands if isinstance(k, str))


def time_notes(refs: Iterable[StatementRef], at: datetime | None,
               assumed: Mapping[str, str]) -> list[str]:
    """For each statement whose condition reads a time key: how that key was decided."""
    if at is None:
        return []
    out = []
    for ref in refs:
        keys = list(dict.fromkeys(_LOWER[k.lower()] for k in _condition_keys(ref.statement)
                                  if k.lower() in _LOWER))
        for key in keys:
            given = _given(assumed, key)
            how = f"taken as {given} (--assume)" if given is not None else \
                f"decided at {shown(at)}"
            out.append(f"{key} {how}: {ref.label}")
    return list(dict.fromkeys(out))
