"""Wildcard patterns (`*` any run of characters, `?` one character), matched in linear time.

AWS uses the same two wildcards in actions, resources, `StringLike` and `ArnLike`; what differs
is case sensitivity, which the callers decide. Policies are written by whoever can edit one, so
a pattern must never cost more than a scan of the value: the naive translation (`*` -> `.*`)
backtracks, and `arn:aws:s3:::***************X` or `"*a" * 8 + "b"` then take minutes.

A pattern with stars is its literal head, its literal tail and the pieces between them. The
value matches when it starts with the head, ends with the tail and holds the pieces in order
in between; taking each piece at its leftmost place is never worse than any other choice, so
no choice is ever revisited. The regex says exactly that: an atomic group `(?>.*?piece)` per
piece commits to the leftmost occurrence, and only the last `.*tail` may move. Each piece's
search scans the value once: the cost is at most |value| x |longest piece|, never exponential
in the number of stars, and it stays one C-level `re` call on the hot path.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: Marks a character that must match literally even if it is `*` or `?` (from `${*}`, `${?}`).
LITERAL_STAR = "\x00"
LITERAL_QMARK = "\x01"


def _piece(text: str) -> str:
    """One star-free run: `?` any one character, markers their literal character."""
    out: list[str] = []
    for ch in text:
        if ch == "?":
            out.append(".")
        elif ch == LITERAL_STAR:
            out.append(re.escape("*"))
        elif ch == LITERAL_QMARK:
            out.append(re.escape("?"))
        else:
            out.append(re.escape(ch))
    return "".join(out)


@lru_cache(maxsize=65536)
def translate(pattern: str) -> str:
    """A regex body that `fullmatch`es exactly what the glob matches, without backtracking."""
    parts = pattern.split("*")
    if len(parts) == 1:
        return _piece(pattern)
    head, *middle, tail = parts
    body = [_piece(head)]
    body.extend(f"(?>.*?{_piece(p)})" for p in middle if p)  # `**` is one star
    body.append(".*")
    body.append(_piece(tail))
    return "".join(body)


@lru_cache(maxsize=65536)
def compile_glob(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """A full-match regex for one glob pattern (DOTALL: `*` spans `/`, `:` and newlines)."""
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile(translate(pattern), flags)


@lru_cache(maxsize=16384)
def compile_globs(patterns: tuple[str, ...], ignore_case: bool = False) -> re.Pattern[str]:
    """One alternation regex for several patterns: one C-level match instead of a Python loop.

    Each alternative is linear on its own; `fullmatch` tries them in turn, so the whole costs
    their sum. Kept per pattern list: managed policies' action lists recur in many
    documents (policy versions, copies inlined into roles), and compiling is what costs.
    """
    if len(patterns) == 1:
        return compile_glob(patterns[0], ignore_case)
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile("|".join(f"(?:{translate(p)})" for p in patterns), flags)


def has_wildcard(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def glob_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """One-off match (literal markers honoured); hot paths keep the compiled regex instead."""
    return compile_glob(pattern, ignore_case).fullmatch(value) is not None


def _literal_head(pattern: str) -> str:
    """The part of a pattern before its first wildcard (or literal marker)."""
    end = len(pattern)
    for ch in ("*", "?", LITERAL_STAR, LITERAL_QMARK):
        at = pattern.find(ch)
        if at != -1 and at < end:
            end = at
    return pattern[:end]


class GlobSet:
    """Several patterns matched as one, compiled on first use.

    An account holds thousands of statements whose alternation regexes are never used: a
    statement about logs or SSM is never matched against an S3 ARN, and its action patterns
    reject `s3:...` on their literal heads alone. Compiling every one up front cost more than
    all the matching; here a value that starts with no pattern's literal head is refused
    with one `str.startswith`, and the regex is built only for values that could match.
    """

    __slots__ = ("patterns", "ignore_case", "_heads", "_regex")

    def __init__(self, patterns: tuple[str, ...], ignore_case: bool = False) -> None:
        self.patterns = patterns
        self.ignore_case = ignore_case
        heads = tuple(_literal_head(p) for p in patterns)
        # Case-insensitive heads are compared lower-cased, which equals the regex's case
        # folding only for ASCII: other heads skip the shortcut (None).
        if ignore_case:
            self._heads = (tuple(h.lower() for h in heads)
                           if all(h.isascii() for h in heads) else None)
        else:
            self._heads = heads
        self._regex: re.Pattern[str] | None = None

    def fullmatch(self, value: str) -> re.Match[str] | None:
        heads = self._heads
        if heads is not None:
            if self.ignore_case:
                if value.isascii() and not value.lower().startswith(heads):
                    return None
            elif not value.startswith(heads):
                return None
        regex = self._regex
        if regex is None:
            regex = self._regex = compile_globs(self.patterns, self.ignore_case)
        return regex.fullmatch(value)
