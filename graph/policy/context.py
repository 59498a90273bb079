"""The request context as conditions see it: case-insensitive keys, derived keys, unknowns.

Condition key names (including the tag-key part) are case-insensitive, so everything is keyed
by the lower-cased name. The engine derives the keys it can know from the request itself
(principal ARN/account/tags, resource account/tags); in partial evaluation every other key that
was not given is *unknown*, except those that cannot exist for the caller (a role has no
`aws:username`, and its tags are all known).
"""

from __future__ import annotations

from typing import Final

from graph.policy.request import ContextValue, Request


class _Unknown:
    """Sentinel: the key may or may not exist, with any value (partial evaluation)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()

#: A present key's value: one string, or a tuple for a multivalued key (possibly empty).
Value = str | tuple[str, ...]


def _norm(value: ContextValue) -> Value:
    if isinstance(value, str):
        return value
    return tuple(str(v) for v in value)


class EvalContext:
    """Condition-key lookups for one request."""

    __slots__ = ("_request", "_built", "partial", "_known_absent_prefixes", "_known_absent")

    def __init__(self, request: Request) -> None:
        # Built on first use: most statements have no condition, so most requests never ask.
        self._request = request
        self._built: dict[str, Value] | None = None
        arn = request.principal_arn
        self.partial = request.partial
        # Facts the engine knows are absent even when analysing without a concrete request.
        self._known_absent: frozenset[str] = frozenset({"aws:username"}) if arn else frozenset()
        self._known_absent_prefixes: tuple[str, ...] = (
            ("aws:principaltag/",) if arn else ("aws:principal",)
        )

    @property
    def _values(self) -> dict[str, Value]:
        if self._built is None:
            self._built = self._build(self._request)
        return self._built

    @staticmethod
    def _build(request: Request) -> dict[str, Value]:
        values: dict[str, Value] = {}
        arn = request.principal_arn
        if arn:
            values["aws:principalarn"] = arn
            account = request.principal_account
            if account:
                values["aws:principalaccount"] = account
            for k, v in request.principal_tags.items():
                values[f"aws:principaltag/{k.lower()}"] = v
        if request.resource_account:
            values["aws:resourceaccount"] = request.resource_account
        for k, v in request.resource_tags.items():
            values[f"aws:resourcetag/{k.lower()}"] = v
        for k, v in request.context.items():
            values[k.lower()] = _norm(v)
        return values

    def get(self, key: str) -> Value | None | _Unknown:
        """The key's value; None when absent; UNKNOWN when partial and not known."""
        lk = key.lower()
        value = self._values.get(lk)
        if value is not None:
            return value
        if not self.partial or lk in self._known_absent:
            return None
        if lk.startswith(self._known_absent_prefixes):
            return None
        return UNKNOWN

    def single(self, key: str) -> str | None | _Unknown:
        """For policy variables: a single value (a multivalued key has none)."""
        value = self.get(key)
        if isinstance(value, tuple):
            return None
        return value
