""""Did you mean …": the names a person probably meant when one they typed does not exist.

One helper for every kind of name (instances, roles, buckets, S3 actions), so a typo or a
different case gets the same kind of answer wherever it is typed.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

#: How many suggestions an error names (more is noise on one line).
SUGGESTIONS = 5


def near_names(typed: str, choices: Iterable[str], n: int = SUGGESTIONS) -> list[str]:
    """The choices closest to `typed`, best first: the same name in another case (`WEB-1` for
    `web-1`), then close spellings (`s3:GetObjct`), compared without case because people
    rarely mean a name that differs from theirs only by case."""
    by_lower: dict[str, list[str]] = {}
    for choice in choices:
        by_lower.setdefault(choice.lower(), []).append(choice)
    key = typed.lower()
    found = list(by_lower.get(key, ()))
    for close in difflib.get_close_matches(key, list(by_lower), n=n):
        found.extend(c for c in by_lower[close] if c not in found)
    return found[:n]
