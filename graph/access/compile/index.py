"""Which buckets a resource pattern concerns, looked up rather than scanned.

A pattern either behaves the same for every bucket (`*`, `arn:aws:s3:::*`,
`arn:aws:s3:::*/logs/*`: its bucket part is a bare `*`), names one bucket literally, or
names buckets by a literal prefix (`arn:aws:s3:::app-*`). Uniform patterns let buckets that
look alike share one decision; the others are found by dictionary or bisect lookups in the
sorted bucket names. Lookups may over-include (the engine still decides each candidate).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

_WILD = re.compile(r"[*?]|\$\{")


@dataclass(frozen=True)
class PatternScope:
    """What one resource pattern can match among buckets and their objects."""

    #: Matches every bucket alike (uniform): no per-bucket lookup needed.
    universal: bool
    #: Names of the buckets the pattern may concern (when not universal).
    buckets: frozenset[str]
    #: The object-key part after "bucket/", when the pattern names objects ("" if not).
    key_part: str
    #: True when it matches every bucket in `buckets` the same way (literal name, or a
    #: prefix followed by `*` or `*/...`), so those buckets may share a decision.
    uniform: bool = True


class BucketIndex:
    """Sorted bucket names, for literal and prefix lookups."""

    def __init__(self, names: Sequence[str], partition: str = "aws") -> None:
        self.names = tuple(sorted(names))
        self._set = frozenset(self.names)
        self.head = f"arn:{partition}:s3:::"
        self.scope = lru_cache(maxsize=None)(self._scope)

    def with_prefix(self, prefix: str) -> frozenset[str]:
        lo = bisect.bisect_left(self.names, prefix)
        hi = bisect.bisect_left(self.names, prefix + "\U0010ffff")
        return frozenset(self.names[lo:hi])

    def _scope(self, pattern: str) -> PatternScope:
        none = PatternScope(False, frozenset(), "")
        everything = PatternScope(False, self._set, "", uniform=False)
        m = _WILD.search(pattern)
        literal = pattern if m is None else pattern[: m.start()]
        head = self.head
        if len(literal) < len(head):
            if not head.startswith(literal):
                return none
            if pattern == literal + "*":
                return PatternScope(True, frozenset(), "*")
            return everything
        if not literal.startswith(head):
            return none
        resource = pattern[len(head):]
        bucket_part, slash, key_part = resource.partition("/")
        if bucket_part == "*":
            return PatternScope(True, frozenset(), key_part if slash else "*")
        if _WILD.search(bucket_part) is None:
            found = frozenset({bucket_part}) & self._set
            return PatternScope(False, found, key_part if slash else "")
        rest = literal[len(head):]
        if "/" in rest:
            found = frozenset({rest.split("/", 1)[0]}) & self._set
            return PatternScope(False, found, key_part)
        wild = pattern[len(literal):]
        uniform = wild == "*" or wild.startswith("*/")
        return PatternScope(False, self.with_prefix(rest), key_part if slash else "*", uniform)


def key_prefix_label(key_part: str) -> str:
    """How a grant's object-key limit is shown: "logs/" for `logs/*`, the pattern otherwise."""
    if key_part.endswith("*") and _WILD.search(key_part[:-1]) is None:
        return key_part[:-1]
    return key_part
