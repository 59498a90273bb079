"""Wildcard patterns (`*` any run of characters, `?` one character) compiled to regexes once.

AWS uses the same two wildcards in actions, resources, `StringLike` and `ArnLike`; what differs
is case sensitivity and whether `*` may cross a separator, which the callers decide.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: Marks a character that must match literally even if it is `*` or `?` (from `${*}`, `${?}`).
LITERAL_STAR = "\x00"
LITERAL_QMARK = "\x01"


def _translate(pattern: str) -> str:
    out: list[str] = []
    for ch in pattern:
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch == LITERAL_STAR:
            out.append(re.escape("*"))
        elif ch == LITERAL_QMARK:
            out.append(re.escape("?"))
        else:
            out.append(re.escape(ch))
    return "".join(out)


@lru_cache(maxsize=65536)
def compile_glob(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """A full-match regex for one glob pattern (DOTALL: `*` spans `/`, `:` and newlines)."""
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile(_translate(pattern), flags)


def compile_globs(patterns: tuple[str, ...], ignore_case: bool = False) -> re.Pattern[str]:
    """One alternation regex for several patterns: one C-level match instead of a Python loop."""
    if len(patterns) == 1:
        return compile_glob(patterns[0], ignore_case)
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile("|".join(f"(?:{_translate(p)})" for p in patterns), flags)


def has_wildcard(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def glob_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    if not has_wildcard(pattern):
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return compile_glob(pattern, ignore_case).fullmatch(value) is not None
