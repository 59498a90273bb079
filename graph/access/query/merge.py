"""Answers over several paths to one bucket, put together as the queries show them."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from graph.access.model import OUTCOME_RANK, ActionAccess
from graph.catalog import normalize_level, require_action
from graph.errors import LookupFailed
from graph.policy import Outcome


def keep_filter(include_denied: bool) -> Callable[[ActionAccess], bool]:
    """Every answer, or only those that are not denied."""
    if include_denied:
        return lambda a: True
    return lambda a: a.outcome is not Outcome.DENIED


def stronger(first: Mapping[str, ActionAccess], more: Mapping[str, ActionAccess]
              ) -> dict[str, ActionAccess]:
    """Each action's strongest answer over two paths (the first one's on a tie)."""
    merged = dict(first)
    for k, a in more.items():
        current = merged.get(k)
        if current is None or OUTCOME_RANK[a.outcome] > OUTCOME_RANK[current.outcome]:
            merged[k] = a
    return merged


def action_filter(action: str | None, level: str | None) -> Callable[[ActionAccess], bool]:
    """One action's answers, one access level's, or every answer."""
    if action is not None:
        entry = require_action(action)
        return lambda a: a.action == entry.name
    if level is not None:
        try:
            wanted = normalize_level(level)
        except ValueError as exc:
            raise LookupFailed("access level", level) from exc
        return lambda a: a.level == wanted
    return lambda a: True
