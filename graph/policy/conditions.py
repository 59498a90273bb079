"""Condition operators, each with AWS's documented behaviour when the key is missing.

A condition evaluates to True, False or None (unknown: the key's value is not known in
partial evaluation). Rules, from the IAM User Guide's Condition operators page:
- positive operators are false when the key is missing; negated ones (`...Not...`) are true;
- `...IfExists` is true when the key is missing;
- `ForAllValues:` is true for a missing key or an empty set; `ForAnyValue:` is false;
- several values for one key are ORed (for negated operators: none may match);
- `Null` tests presence itself.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from graph.policy.context import UNKNOWN, EvalContext, Value
from graph.policy.variables import has_variables, unmark
from graph.policy.wildcard import compile_glob, has_wildcard

#: A base test: does one request value match one policy value?
Matcher = Callable[[str, str], bool]


def _string_equals(v: str, p: str) -> bool:
    return v == unmark(p)


def _string_equals_ic(v: str, p: str) -> bool:
    return v.lower() == unmark(p).lower()


def _string_like(v: str, p: str) -> bool:
    if not has_wildcard(p):
        return v == unmark(p)
    return compile_glob(p).fullmatch(v) is not None


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _numeric(cmp: Callable[[float, float], bool]) -> Matcher:
    def match(v: str, p: str) -> bool:
        a, b = _number(v), _number(p)
        return a is not None and b is not None and cmp(a, b)

    return match


def _date(text: str) -> float | None:
    text = text.strip()
    number = _number(text)
    if number is not None:
        return number
    try:
        iso = text[:-1] + "+00:00" if text.endswith("Z") else text
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _dated(cmp: Callable[[float, float], bool]) -> Matcher:
    def match(v: str, p: str) -> bool:
        a, b = _date(v), _date(p)
        return a is not None and b is not None and cmp(a, b)

    return match


def _bool(v: str, p: str) -> bool:
    return v.lower() == p.lower()


def _binary(v: str, p: str) -> bool:
    try:
        return base64.b64decode(v, validate=True) == base64.b64decode(p, validate=True)
    except (binascii.Error, ValueError):
        return v == p


def _ip(v: str, p: str) -> bool:
    try:
        address = ipaddress.ip_address(v.strip())
        network = ipaddress.ip_network(p.strip(), strict=False)
    except ValueError:
        return False
    return address.version == network.version and address in network


def _arn_like(v: str, p: str) -> bool:
    """ArnLike/ArnEquals: each of the first six colon-separated parts is matched on its own."""
    p = unmark(p) if not has_wildcard(p) else p
    vparts = v.split(":", 5)
    pparts = p.split(":", 5)
    if len(vparts) != 6:
        return False
    if len(pparts) != 6:
        # e.g. a bare "*": not an ARN pattern part by part, so match the whole value.
        return has_wildcard(p) and compile_glob(p).fullmatch(v) is not None
    return all(
        compile_glob(pp).fullmatch(vp) is not None if has_wildcard(pp) else pp == vp
        for vp, pp in zip(vparts, pparts, strict=True)
    )


#: base name -> (matcher, negated)
OPERATORS: dict[str, tuple[Matcher, bool]] = {
    "stringequals": (_string_equals, False),
    "stringnotequals": (_string_equals, True),
    "stringequalsignorecase": (_string_equals_ic, False),
    "stringnotequalsignorecase": (_string_equals_ic, True),
    "stringlike": (_string_like, False),
    "stringnotlike": (_string_like, True),
    "numericequals": (_numeric(lambda a, b: a == b), False),
    "numericnotequals": (_numeric(lambda a, b: a == b), True),
    "numericlessthan": (_numeric(lambda a, b: a < b), False),
    "numericlessthanequals": (_numeric(lambda a, b: a <= b), False),
    "numericgreaterthan": (_numeric(lambda a, b: a > b), False),
    "numericgreaterthanequals": (_numeric(lambda a, b: a >= b), False),
    "dateequals": (_dated(lambda a, b: a == b), False),
    "datenotequals": (_dated(lambda a, b: a == b), True),
    "datelessthan": (_dated(lambda a, b: a < b), False),
    "datelessthanequals": (_dated(lambda a, b: a <= b), False),
    "dategreaterthan": (_dated(lambda a, b: a > b), False),
    "dategreaterthanequals": (_dated(lambda a, b: a >= b), False),
    "bool": (_bool, False),
    "binaryequals": (_binary, False),
    "ipaddress": (_ip, False),
    "notipaddress": (_ip, True),
    "arnequals": (_arn_like, False),
    "arnlike": (_arn_like, False),
    "arnnotequals": (_arn_like, True),
    "arnnotlike": (_arn_like, True),
}

#: Operators whose policy values may hold policy variables.
_VARIABLE_FAMILIES = ("string", "arn")


@dataclass(frozen=True, slots=True)
class Condition:
    """One `operator: {key: values}` test, parsed and ready to evaluate."""

    #: The operator exactly as written (for display), e.g. "ForAnyValue:StringLike".
    operator: str
    key: str
    values: tuple[str, ...]
    base: str
    set_op: str | None  # "foranyvalue" | "forallvalues" | None
    if_exists: bool
    negated: bool
    matcher: Matcher | None  # None for Null
    substitute_vars: bool
    #: The lower-cased key, when it is a plain request-context key (not derived from the
    #: principal or the resource): looked up directly, without the derivation rules.
    plain_key: str | None = field(default=None, compare=False)
    #: Results by request value, when no policy value holds a variable (the result then
    #: depends on the value alone, and values such as "true" repeat across requests).
    memo: dict[Value | None, bool] | None = field(default=None, compare=False, repr=False)

    def evaluate(self, ctx: EvalContext) -> bool | None:
        """True / False, or None when the key is unknown (partial evaluation)."""
        plain = self.plain_key
        value = ctx.plain(self.key, plain) if plain is not None else ctx.get(self.key)
        if value is UNKNOWN:
            return None
        memo = self.memo
        if memo is not None:
            known = memo.get(value)  # type: ignore[arg-type]
            if known is None:
                known = self._evaluate(value, ctx)  # type: ignore[arg-type]
                if known is not None and len(memo) < _MEMO_LIMIT:
                    memo[value] = known  # type: ignore[index]
            return known
        return self._evaluate(value, ctx)  # type: ignore[arg-type]

    def _evaluate(self, value: Value | None, ctx: EvalContext) -> bool | None:
        if self.base == "null":
            present = value is not None and value != ()
            wants_absent = any(v.lower() == "true" for v in self.values)
            wants_present = any(v.lower() == "false" for v in self.values)
            return (wants_absent and not present) or (wants_present and present)
        policy_values = self._policy_values(ctx)
        if policy_values is None:
            return None
        if value is None or value == ():
            if self.set_op == "forallvalues":
                return True
            if self.set_op == "foranyvalue":
                return False
            return self.if_exists or self.negated
        if isinstance(value, str):
            matcher = self.matcher
            assert matcher is not None
            hit = False
            for p in policy_values:
                if matcher(value, p):
                    hit = True
                    break
            return hit != self.negated
        request_values = value
        if self.set_op == "forallvalues":
            return all(self._one(v, policy_values) for v in request_values)
        # ForAnyValue, and a plain operator on a multivalued key: some value must satisfy it.
        return any(self._one(v, policy_values) for v in request_values)

    def _one(self, request_value: str, policy_values: tuple[str, ...]) -> bool:
        assert self.matcher is not None
        hit = any(self.matcher(request_value, p) for p in policy_values)
        return not hit if self.negated else hit

    def _policy_values(self, ctx: EvalContext) -> tuple[str, ...] | None:
        """Values with variables substituted; a value whose variable has no value is dropped."""
        if not self.substitute_vars:
            return self.values
        out: list[str] = []
        for p in self.values:
            if not has_variables(p):
                out.append(p)
                continue
            text, unknown = ctx.substitute(p, "")
            if unknown:
                return None
            if text is not None:
                out.append(text)
        return tuple(out)


def parse_operator(name: str) -> tuple[str, str | None, bool, bool, Matcher | None] | None:
    """Split an operator name into (base, set qualifier, IfExists, negated, matcher)."""
    lowered = name.lower()
    set_op: str | None = None
    if ":" in lowered:
        qualifier, _, lowered = lowered.partition(":")
        if qualifier not in ("foranyvalue", "forallvalues"):
            return None
        set_op = qualifier
    if_exists = lowered.endswith("ifexists") and lowered != "ifexists"
    base = lowered[: -len("ifexists")] if if_exists else lowered
    if base == "null":
        return (base, set_op, False, False, None) if not if_exists else None
    entry = OPERATORS.get(base)
    if entry is None:
        return None
    matcher, negated = entry
    return base, set_op, if_exists, negated, matcher


#: Keys whose value the context derives (or knows to be absent) rather than reads as given.
_DERIVED_PREFIXES = ("aws:principal", "aws:resource", "aws:username")
_MEMO_LIMIT = 4096


def make_condition(operator: str, key: str, values: tuple[str, ...], variables: bool) -> Condition:
    parsed = parse_operator(operator)
    if parsed is None:
        raise ValueError(f"unknown condition operator {operator!r}")
    base, set_op, if_exists, negated, matcher = parsed
    substitute_vars = variables and base.startswith(_VARIABLE_FAMILIES)
    lowered = key.lower()
    return Condition(
        operator=operator,
        key=key,
        values=values,
        base=base,
        set_op=set_op,
        if_exists=if_exists,
        negated=negated,
        matcher=matcher,
        substitute_vars=substitute_vars,
        plain_key=None if lowered.startswith(_DERIVED_PREFIXES) else lowered,
        memo=None if substitute_vars and any(has_variables(v) for v in values) else {},
    )


def resource_variable_condition(key: str, patterns: tuple[str, ...]) -> Condition:
    """A pseudo-condition for the UI: a Resource match that depends on an unknown variable."""
    return Condition(
        operator="ResourceVariable", key=key, values=patterns, base="variable", set_op=None,
        if_exists=False, negated=False, matcher=None, substitute_vars=False,
    )
