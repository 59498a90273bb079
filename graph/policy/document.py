"""Parse policy documents as AWS stores them into compiled statements, once.

Deciding many requests against the same policies must be cheap, so every pattern is compiled
here and each policy remembers which of its statements can match a given action. A malformed
document raises `PolicyParseError` naming the policy and the JSON path of the fault, e.g.
`Statement[1].Effect`.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from graph.errors import PolicyParseError
from graph.policy.conditions import Condition, make_condition
from graph.policy.context import UNKNOWN, EvalContext
from graph.policy.decision import PolicyKind, StatementRef
from graph.policy.limits import refusal
from graph.policy.principals import PrincipalSet, build_principal_set
from graph.policy.variables import (
    VARIABLES_VERSION,
    has_variables,
    literal_variables,
    split_arn_pattern,
    variable_keys,
)
from graph.policy.wildcard import (
    LITERAL_QMARK,
    LITERAL_STAR,
    GlobSet,
    compile_glob,
    has_wildcard,
)

_VERSIONS = ("2012-10-17", "2008-10-17")
_TARGET_CACHE_LIMIT = 100_000
#: Stands in for an unknown variable's value until it is turned into a wildcard.
_UNKNOWN_VALUE = "\x02"
_POLICY_KEYS = {"Version", "Id", "Statement"}
_STATEMENT_KEYS = {
    "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource",
    "Principal", "NotPrincipal", "Condition",
}
_PRINCIPAL_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")
_WANTS_PRINCIPAL = (PolicyKind.RESOURCE, PolicyKind.TRUST, PolicyKind.RCP)
_WANTS_RESOURCE = (PolicyKind.IDENTITY, PolicyKind.BOUNDARY, PolicyKind.RCP)


@dataclass(frozen=True, slots=True, eq=False)
class Statement:
    """One compiled statement."""

    index: int
    sid: str | None
    effect: str
    raw: Any
    actions: tuple[str, ...]
    not_action: bool
    #: None when the element is absent (trust policies; SCPs default to "*").
    resources: tuple[str, ...] | None
    not_resource: bool
    principal: PrincipalSet | None
    not_principal: bool
    conditions: tuple[Condition, ...]
    variables: bool
    _action_re: GlobSet
    _resource_re: GlobSet | None
    _resource_vars: tuple[str, ...]
    #: (literal prefixes, exact ARNs) when every plain Resource pattern is one of those
    #: (else None): see `literal_patterns`.
    _literal: tuple[tuple[str, ...], frozenset[str]] | None
    ref: StatementRef
    #: Effect == "Deny", read on every hit of every decision.
    deny: bool

    def matches_action(self, action: str) -> bool:
        hit = self._action_re.fullmatch(action) is not None
        return not hit if self.not_action else hit

    def _plain_hit(self, arn: str) -> bool:
        """Whether a Resource pattern without variables matches: by string tests when they
        are all exact ARNs or literal prefixes (no regex is ever compiled for those)."""
        literal = self._literal
        if literal is not None:
            return arn in literal[1] or arn.startswith(literal[0])
        return self._resource_re is not None and self._resource_re.fullmatch(arn) is not None

    def matches_resource(self, arn: str, ctx: EvalContext) -> bool:
        if self.resources is None:
            return True
        hit = self._plain_hit(arn)
        if not hit and self._resource_vars:
            maybe = match_variables(self, arn, ctx)
            if maybe is None:
                return True  # depends on an unknown variable: the caller asks unknown_keys()
            hit = maybe
        return not hit if self.not_resource else hit

    def unknown_resource_keys(self, arn: str, ctx: EvalContext) -> tuple[str, ...]:
        """Variable keys the Resource match depends on when they are unknown (partial)."""
        if not self._resource_vars or not ctx.partial:
            return ()
        if self._plain_hit(arn):
            return ()
        if match_variables(self, arn, ctx) is not None:
            return ()
        return tuple(
            key for p in self._resource_vars for key in variable_keys(split_arn_pattern(p)[1])
            if ctx.single(key) is UNKNOWN
        )


def _match_variable_pattern(pattern: str, arn: str, ctx: EvalContext) -> bool | None:
    """Match a Resource pattern holding policy variables; None when it depends on unknowns.

    In partial evaluation an unknown variable is replaced by a wildcard: if the ARN cannot
    match even then, the answer is a definite no; otherwise it is "maybe", never a silent no.
    """
    head, tail = split_arn_pattern(pattern)
    text, unknown = ctx.substitute(tail, _UNKNOWN_VALUE)
    if text is None:
        return False
    text = literal_variables(head) + text
    if unknown:
        text = text.replace(_UNKNOWN_VALUE, "*")
    if compile_glob(text).fullmatch(arn) is None:
        return False
    return None if unknown else True


def match_variables(stmt: Statement, arn: str, ctx: EvalContext) -> bool | None:
    """Whether a Resource pattern with policy variables matches; None when unknown."""
    results = [_match_variable_pattern(p, arn, ctx) for p in stmt._resource_vars]
    if True in results:
        return True
    return None if None in results else False


@dataclass(frozen=True, eq=False)
class Policy:
    """A parsed policy: its statements, and a per-action cache of the ones that can apply."""

    name: str
    kind: PolicyKind
    version: str | None
    statements: tuple[Statement, ...]
    raw: Any
    _by_action: dict[str, tuple[Statement, ...]] = field(default_factory=dict, repr=False)
    _by_target: dict[tuple[str, str], tuple[tuple[Statement, ...], tuple[Statement, ...]]] = (
        field(default_factory=dict, repr=False)
    )
    #: The evaluator's per-(action, caller) statement plans (graph.policy.hits._plan).
    _caller_plans: dict[Any, tuple[Any, ...]] = field(default_factory=dict,
                                                                  repr=False)

    @cached_property
    def names_principals(self) -> bool:
        """Whether any statement has a Principal or NotPrincipal (resource and trust
        policies): only then does which statements apply depend on the caller."""
        return any(s.principal is not None for s in self.statements)

    def statements_for(self, action: str) -> tuple[Statement, ...]:
        """Statements whose Action/NotAction matches (cached: actions repeat endlessly)."""
        key = action.lower()
        cached = self._by_action.get(key)
        if cached is None:
            cached = tuple(s for s in self.statements if s.matches_action(key))
            self._by_action[key] = cached
        return cached

    def matching(self, action: str, resource_arn: str, ctx: EvalContext) -> tuple[Statement, ...]:
        """Statements whose action and resource elements match (principal/conditions not checked).

        Statements without policy variables in their Resource match the same way for every
        request on the same (action, resource), so that part is cached; the access graph asks
        the same pattern ARNs ("bucket/prefix/*") for every role sharing a managed policy.
        The evaluator matches concrete ARNs itself (graph.policy.hits._plan): they rarely
        repeat, and caching them would only churn memory.
        """
        key = (action, resource_arn)
        cached = self._by_target.get(key)
        if cached is None:
            static: list[Statement] = []
            dynamic: list[Statement] = []
            for stmt in self.statements_for(action):
                if stmt._resource_vars:
                    dynamic.append(stmt)
                elif stmt.matches_resource(resource_arn, ctx):
                    static.append(stmt)
            if len(self._by_target) > _TARGET_CACHE_LIMIT:
                self._by_target.clear()
            cached = (tuple(static), tuple(dynamic))
            self._by_target[key] = cached
        static_hits, dynamic_hits = cached
        if not dynamic_hits:
            return static_hits
        return static_hits + tuple(
            s for s in dynamic_hits if s.matches_resource(resource_arn, ctx)
        )


def _load_document(doc: Any, name: str) -> Any:
    if isinstance(doc, bytes):
        doc = doc.decode("utf-8", errors="replace")
    if isinstance(doc, str):
        text = doc
        try:
            return json.loads(text)
        except RecursionError:
            raise PolicyParseError(name, "$", "JSON nested too deeply") from None
        except json.JSONDecodeError as exc:
            if "%" in text:
                try:
                    return json.loads(urllib.parse.unquote(text))
                except (ValueError, RecursionError):
                    pass
            raise PolicyParseError(name, "$", f"not valid JSON ({exc.msg} at line "
                                   f"{exc.lineno} column {exc.colno})") from None
        except ValueError as exc:  # an integer too long to convert, and the like
            raise PolicyParseError(name, "$", str(exc).split(";")[0]) from None
    return doc


def _strings(value: Any, name: str, path: str, *, allow_scalars: bool = False) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for i, item in enumerate(items):
        where = f"{path}[{i}]" if isinstance(value, list) else path
        if isinstance(item, str):
            out.append(item)
        elif allow_scalars and isinstance(item, bool):
            out.append("true" if item else "false")
        elif allow_scalars and isinstance(item, int | float):
            out.append(str(item))
        else:
            raise PolicyParseError(name, where, f"expected a string, got {type(item).__name__}")
    if not out:
        raise PolicyParseError(name, path, "must not be empty")
    return tuple(out)


def _principal(value: Any, name: str, path: str) -> PrincipalSet:
    if value == "*":
        return build_principal_set("*")
    if not isinstance(value, dict) or not value:
        raise PolicyParseError(name, path, 'expected "*" or an object such as {"AWS": ...}')
    entries: dict[str, list[str]] = {}
    for kind, values in value.items():
        if kind not in _PRINCIPAL_KINDS:
            raise PolicyParseError(name, f"{path}.{kind}", "unknown principal type")
        entries[kind] = list(_strings(values, name, f"{path}.{kind}"))
    return build_principal_set(entries)


def _conditions(value: Any, name: str, path: str, variables: bool) -> tuple[Condition, ...]:
    if not isinstance(value, dict):
        raise PolicyParseError(name, path, "expected an object of operators")
    out: list[Condition] = []
    for operator, block in value.items():
        where = f"{path}.{operator}"
        if not isinstance(block, dict) or not block:
            raise PolicyParseError(name, where, "expected an object of condition keys")
        for key, raw_values in block.items():
            values = _strings(raw_values, name, f"{where}.{key}", allow_scalars=True)
            try:
                out.append(make_condition(operator, key, values, variables))
            except ValueError as exc:
                raise PolicyParseError(name, where, str(exc)) from None
    return tuple(out)


def _statement(raw: Any, index: int, name: str, kind: PolicyKind, path: str,
               version: str | None) -> Statement:
    if not isinstance(raw, dict):
        raise PolicyParseError(name, path, "a statement must be an object")
    for key in raw:
        if key not in _STATEMENT_KEYS:
            raise PolicyParseError(name, f"{path}.{key}", "unknown statement element")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyParseError(name, f"{path}.Effect", 'must be "Allow" or "Deny"')
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise PolicyParseError(name, f"{path}.Sid", "must be a string")

    if ("Action" in raw) == ("NotAction" in raw):
        raise PolicyParseError(name, path, "needs exactly one of Action or NotAction")
    action_key = "Action" if "Action" in raw else "NotAction"
    actions = tuple(a.lower() for a in _strings(raw[action_key], name, f"{path}.{action_key}"))

    if "Resource" in raw and "NotResource" in raw:
        raise PolicyParseError(name, path, "has both Resource and NotResource")
    resource_key = (
        "Resource" if "Resource" in raw else "NotResource" if "NotResource" in raw else None
    )
    resources: tuple[str, ...] | None = None
    if resource_key is not None:
        resources = _strings(raw[resource_key], name, f"{path}.{resource_key}")
    elif kind in _WANTS_RESOURCE:
        raise PolicyParseError(name, path, "needs Resource or NotResource")
    elif kind is PolicyKind.SCP:
        resources = ("*",)

    if "Principal" in raw and "NotPrincipal" in raw:
        raise PolicyParseError(name, path, "has both Principal and NotPrincipal")
    principal_key = (
        "Principal" if "Principal" in raw else "NotPrincipal" if "NotPrincipal" in raw else None
    )
    principal: PrincipalSet | None = None
    if principal_key is not None:
        if kind not in _WANTS_PRINCIPAL:
            raise PolicyParseError(
                name, f"{path}.{principal_key}", f"not allowed in a {kind.value} policy"
            )
        principal = _principal(raw[principal_key], name, f"{path}.{principal_key}")
    elif kind in _WANTS_PRINCIPAL:
        raise PolicyParseError(name, path, "needs Principal or NotPrincipal")

    variables = version == VARIABLES_VERSION
    conditions = (
        _conditions(raw["Condition"], name, f"{path}.Condition", variables)
        if "Condition" in raw
        else ()
    )
    plain, with_vars = _split_resources(resources or (), variables)
    return Statement(
        index=index,
        sid=sid,
        effect=effect,
        raw=raw,
        actions=actions,
        not_action=action_key == "NotAction",
        resources=resources,
        not_resource=resource_key == "NotResource",
        principal=principal,
        not_principal=principal_key == "NotPrincipal",
        conditions=conditions,
        variables=variables,
        _action_re=GlobSet(actions, ignore_case=True),
        _resource_re=GlobSet(plain) if plain else None,
        _resource_vars=with_vars,
        _literal=literal_patterns(plain) if resources is not None else None,
        ref=StatementRef(name, kind, index, sid, effect, raw),
        deny=effect == "Deny",
    )


def literal_patterns(plain: tuple[str, ...]) -> tuple[tuple[str, ...], frozenset[str]] | None:
    """Most Resource patterns are an exact ARN or a literal prefix and one trailing `*`:
    `str.startswith` decides those several times faster than a regex. Made once per
    statement (the evaluator's plans hold it for every action they serve), from the patterns
    matched as plain globs (`_split_resources`: literal markers in place of `${*}` and the
    like, which send a statement to the regex)."""
    prefixes: list[str] = []
    exact: set[str] = set()
    for p in plain:
        if "?" in p or LITERAL_STAR in p or LITERAL_QMARK in p:
            return None
        star = p.find("*")
        if star == -1:
            exact.add(p)
        elif star == len(p) - 1:
            prefixes.append(p[:-1])
        else:
            return None
    return tuple(prefixes), frozenset(exact)


def _split_resources(resources: tuple[str, ...], variables: bool
                     ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(patterns matched as plain globs, patterns with variables to substitute per request).

    Variables are substituted only under Version 2012-10-17 and only in the resource part of
    an ARN; anywhere else `${...}` is literal text that matches only itself.
    """
    plain: list[str] = []
    with_vars: list[str] = []
    for r in resources:
        if not (variables and has_variables(r)):
            plain.append(r)
            continue
        head, tail = split_arn_pattern(r)
        if has_variables(tail):
            with_vars.append(r)
        else:
            plain.append(literal_variables(head) + tail)
    return tuple(plain), tuple(with_vars)


def parse_policy(doc: Any, name: str, kind: PolicyKind = PolicyKind.IDENTITY) -> Policy:
    """Parse and compile a policy document (dict, or JSON text as some APIs return it)."""
    refused = refusal(doc)
    if refused is not None:  # over AWS's size limit where it entered (see limits.py)
        raise PolicyParseError(name, "$", refused)
    data = _load_document(doc, name)
    if not isinstance(data, dict):
        raise PolicyParseError(name, "$", "a policy document must be a JSON object")
    for key in data:
        if key not in _POLICY_KEYS:
            raise PolicyParseError(name, key, "unknown policy element")
    version = data.get("Version")
    if version is not None and version not in _VERSIONS:
        raise PolicyParseError(name, "Version", f"unsupported version {version!r}")
    if "Statement" not in data:
        raise PolicyParseError(name, "Statement", "missing")
    raw_statements = data["Statement"]
    if isinstance(raw_statements, dict):
        items = [(raw_statements, "Statement")]
    elif isinstance(raw_statements, list):
        items = [(s, f"Statement[{i}]") for i, s in enumerate(raw_statements)]
    else:
        raise PolicyParseError(name, "Statement", "must be an object or a list of objects")
    statements = tuple(
        _statement(raw, i, name, kind, path, version) for i, (raw, path) in enumerate(items)
    )
    return Policy(name=name, kind=kind, version=version, statements=statements, raw=data)


def wildcard_free(pattern: str) -> bool:
    """True for a literal pattern (no `*`/`?`), which callers may index by value."""
    return not has_wildcard(pattern)
