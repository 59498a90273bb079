"""Facts about policy statements that let the access graph skip work the engine need not do.

These read only the JSON shape (Effect, Action, Resource, Principal, Condition keys) to
pre-select candidate (principal, bucket, action) triples and to tell which facts a
decision depends on. They never decide anything: every candidate goes to the engine.
A pre-selection may over-include (costs time) but must never leave out a triple that a
statement could allow.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graph.catalog import expand_action_pattern, s3_actions
from graph.policy.variables import replace_variables
from graph.policy.wildcard import compile_glob

#: Condition keys whose value rolemap derives from the instance a role runs on.
INSTANCE_KEYS: frozenset[str] = frozenset(
    {"ec2:sourceinstancearn", "aws:ec2instancesourcevpc", "aws:ec2instancesourceprivateipv4"}
)
#: Condition keys whose value (or absence) the instance's network path decides: through a VPC
#: endpoint the VPC keys, over a NAT or internet gateway the source IP (decide/network.py).
NETWORK_KEYS: frozenset[str] = frozenset(
    {"aws:sourcevpce", "aws:sourcevpc", "aws:vpcsourceip", "aws:sourceip"}
)
#: Condition-key prefixes whose value depends on which principal asks.
PRINCIPAL_KEY_PREFIXES: tuple[str, ...] = (
    "aws:principal",
    "aws:userid",
    "aws:username",
    "aws:sourceidentity",
    "aws:requesttag",
)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def raw_statements(document: Any) -> Iterator[dict[str, Any]]:
    """The statements of a policy document as dicts (tolerating a JSON string or one dict)."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except (ValueError, RecursionError):  # nested past the parser's stack: not a policy
            return
    if not isinstance(document, dict):
        return
    for stmt in _as_list(document.get("Statement")):
        if isinstance(stmt, dict):
            yield stmt


def arn_pattern(pattern: str) -> str:
    """A resource pattern with policy variables widened to `*` (a superset of its matches)."""
    return replace_variables(pattern, lambda _body: "*")


def pattern_matches(pattern: str, value: str) -> bool:
    """IAM-style wildcard match of a resource ARN pattern (case-sensitive)."""
    return compile_glob(arn_pattern(pattern)).fullmatch(value) is not None


@dataclass(frozen=True)
class StatementFacts:
    """What a statement can touch, in terms cheap to test."""

    effect: str
    #: Catalogue S3 actions the statement names (after Action/NotAction).
    s3_actions: frozenset[str]
    #: Lower-cased non-S3 action patterns (for sts:AssumeRole checks).
    action_patterns: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...]
    not_resource: bool
    #: Lower-cased condition keys the statement reads.
    condition_keys: frozenset[str]
    #: True when the statement uses policy variables (its meaning depends on the caller).
    has_variables: bool
    #: Resource-policy principals: "*" for anyone, else ARNs / account ids / services.
    aws_principals: tuple[str, ...] = ()
    service_principals: tuple[str, ...] = ()
    not_principal: bool = False

    def names_action(self, action: str) -> bool:
        """True when this statement's Action/NotAction covers `action` (any service)."""
        low = action.lower()
        hit = any(compile_glob(p).fullmatch(low) for p in self.action_patterns)
        return hit != self.not_action

    def resource_matches(self, arn: str) -> bool:
        hit = any(pattern_matches(p, arn) for p in self.resources)
        return hit != self.not_resource

    @property
    def reads_instance_keys(self) -> bool:
        return bool(self.condition_keys & INSTANCE_KEYS)

    @property
    def principal_sensitive(self) -> bool:
        """True when who asks changes the answer beyond the statements that match."""
        return self.has_variables or any(
            k.startswith(PRINCIPAL_KEY_PREFIXES) for k in self.condition_keys
        )


def _principals(stmt: dict[str, Any], key: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    value = stmt.get(key)
    if value is None:
        return (), ()
    if value == "*":
        return ("*",), ()
    if not isinstance(value, dict):
        return (), ()
    aws = tuple(str(v) for v in _as_list(value.get("AWS")))
    aws += tuple(str(v) for v in _as_list(value.get("CanonicalUser")))
    aws += tuple(str(v) for v in _as_list(value.get("Federated")))
    services = tuple(str(v) for v in _as_list(value.get("Service")))
    return aws, services


def statement_facts(stmt: dict[str, Any]) -> StatementFacts:
    """Extract the cheap-to-test facts of one raw statement."""
    not_action = "NotAction" in stmt
    patterns = tuple(str(p).lower() for p in _as_list(stmt.get("NotAction" if not_action
                                                                   else "Action")))
    named: set[str] = set()
    for p in patterns:
        named |= expand_action_pattern(p)
    if not_action:
        named = {a.name for a in s3_actions()} - named
    not_resource = "NotResource" in stmt
    resources = tuple(str(r) for r in _as_list(stmt.get("NotResource" if not_resource
                                                        else "Resource")))
    cond = stmt.get("Condition")
    keys: set[str] = set()
    if isinstance(cond, dict):
        for body in cond.values():
            if isinstance(body, dict):
                keys |= {str(k).lower() for k in body}
    text = json.dumps(stmt)
    not_principal = "NotPrincipal" in stmt
    aws, services = _principals(stmt, "NotPrincipal" if not_principal else "Principal")
    return StatementFacts(
        effect=str(stmt.get("Effect", "")),
        s3_actions=frozenset(named),
        action_patterns=patterns,
        not_action=not_action,
        resources=resources,
        not_resource=not_resource,
        condition_keys=frozenset(keys),
        has_variables="${" in text,
        aws_principals=aws,
        service_principals=services,
        not_principal=not_principal,
    )


def document_facts(document: Any) -> tuple[StatementFacts, ...]:
    return tuple(statement_facts(s) for s in raw_statements(document))
