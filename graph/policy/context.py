"""The request context as conditions see it: case-insensitive keys, derived keys, unknowns.

Condition key names (including the tag-key part) are case-insensitive, so everything is keyed
by the lower-cased name. The engine derives the keys it can know from the request itself
(principal ARN/account/tags, resource account/tags); in partial evaluation every other key that
was not given is *unknown*, except those that cannot exist for the caller (a role has no
`aws:username`, an IAM user's is its name, and the caller's tags are all known).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from graph.policy.request import ContextValue, Request
from graph.policy.variables import substitute


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


def _find(mapping: Mapping[str, Any], key: str, lowered: str) -> Any:
    """Case-insensitive lookup: exact spelling first (the common case), then a scan."""
    value = mapping.get(key)
    if value is None and mapping:
        for k, v in mapping.items():
            if k.lower() == lowered:
                return v
    return value


class EvalContext:
    """Condition-key lookups for one request, resolved key by key.

    Nothing is precomputed: most statements have no condition, and those that do ask for one
    or two keys, so building a full lower-cased context per request would cost more than it
    saves.
    """

    __slots__ = ("_request", "partial", "_is_role")

    def __init__(self, request: Request) -> None:
        self._request = request
        self.partial = request.partial
        self._is_role = request.principal_arn is not None

    def _lookup(self, key: str, lk: str) -> Value | None:
        request = self._request
        if lk.startswith("aws:"):
            if lk == "aws:principalarn":
                return request.principal_arn
            if lk == "aws:principalaccount":
                return request.principal_account
            if lk == "aws:resourceaccount" and request.resource_account:
                return request.resource_account
            if lk == "aws:username" and request.principal_type == "user":
                # An IAM user's friendly name: the last part of arn:...:user/path/NAME.
                return request.principal_arn.rsplit("/", 1)[-1]  # type: ignore[union-attr]
            if lk.startswith("aws:principaltag/"):
                tag = _find(request.principal_tags, key[len("aws:principaltag/"):],
                            lk[len("aws:principaltag/"):])
                if tag is not None:
                    return tag
            elif lk.startswith("aws:resourcetag/"):
                tag = _find(request.resource_tags, key[len("aws:resourcetag/"):],
                            lk[len("aws:resourcetag/"):])
                if tag is not None:
                    return tag
        value = _find(request.context, key, lk)
        if value is None or isinstance(value, str):
            return value
        return _norm(value)

    def get(self, key: str) -> Value | None | _Unknown:
        """The key's value; None when absent; UNKNOWN when partial and not known."""
        lk = key.lower()
        value = self._lookup(key, lk)
        if value is not None:
            return value
        if not self.partial:
            return None
        # Facts the engine knows are absent even when analysing without a concrete request:
        # a role has no aws:username (a user's is derived above) and all its tags are loaded;
        # an anonymous caller or a service has no principal keys at all.
        if self._is_role:
            if lk == "aws:username" or lk.startswith("aws:principaltag/"):
                return None
        elif lk.startswith("aws:principal"):
            return None
        return UNKNOWN

    def plain(self, key: str, lk: str) -> Value | None | _Unknown:
        """`get` for a key nothing derives (the caller checked): the request context alone."""
        value = _find(self._request.context, key, lk)
        if value is None:
            return UNKNOWN if self.partial else None
        return value if isinstance(value, str) else _norm(value)

    def substitute(self, text: str, unknown_as: str) -> tuple[str | None, bool]:
        """`text` with its policy variables replaced from this context, and whether one of
        them was unknown (then replaced by `unknown_as`, for the caller to widen or give up)."""
        unknown = False

        def lookup(key: str) -> str | None:
            nonlocal unknown
            value = self.single(key)
            if value is UNKNOWN:
                unknown = True
                return unknown_as
            return value if isinstance(value, str) else None

        return substitute(text, lookup), unknown

    def single(self, key: str) -> str | None | _Unknown:
        """For policy variables: a single value (a multivalued key has none)."""
        value = self.get(key)
        if isinstance(value, tuple):
            return None
        return value
