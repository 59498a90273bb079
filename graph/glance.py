"""Risk marks that need the engine: administrator roles, roles other accounts can assume,
instances with an open door, and roles with an escalation path ("could gain").

`graph.risk` marks what the files say (a statement granting `s3:*`, Block Public Access off);
these marks are the engine's answers, asked once per graph and per role (never per instance:
instances share their roles), so the tables, cards and trees all say the same thing:

- ADMIN / NEAR ADMIN: the findings' own test (`graph.findings.roles.admin_level`): sensitive
  actions across services allowed on resources of their kind, boundaries and SCPs honoured.
  It replaces `s3:*` on the role, which it implies.
- OTHER ACCOUNT on a role: a trust edge the access graph decided (granted, conditional or
  unknown) from a principal of another account, or a trust to "*" that nothing keeps inside.
- PUBLIC IMDSv1 on an instance: running, a public IP, and IMDSv1 allowed (an SSRF hands out
  the role's credentials).
- ADMIN / COULD GAIN on an instance: a role it can act as (its own, or one it can assume) is
  administrator-level, or has an escalation path to more access.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cached_property

from graph.access import AccessGraph
from graph.model import Instance, Role
from graph.policy import ConditionRef, Outcome
from graph.risk import Risk, role_risks

#: Stands in for "some principal of another account" when a trust statement names "*".
_STRANGER = "arn:aws:iam::000000000000:role/stranger"
#: Condition keys that, naming this account, keep a trust to "*" inside it.
_OWN_KEYS = frozenset({"aws:principalaccount", "aws:principalarn", "aws:sourceaccount"})

def glance(graph: AccessGraph) -> Glance:
    """The marks of one graph, computed on first use and kept with it (on the graph itself,
    so the two go together when a reload lets the graph go)."""
    found: Glance | None = graph.__dict__.get("_glance")
    if found is None:
        found = graph.__dict__["_glance"] = Glance(graph)
    return found


def open_door(instance: Instance) -> bool:
    """Running, with a public IP, and IMDSv1 allowed: what an SSRF needs to steal credentials."""
    return (instance.state == "running" and bool(instance.public_ip)
            and instance.imdsv1_allowed is True)


def sorted_marks(risks: Iterable[Risk]) -> list[Risk]:
    """Each mark once, riskiest first."""
    return sorted(set(risks), key=lambda r: r.rank)


class Glance:
    """The engine's marks for roles and instances of one graph (cached per role)."""

    def __init__(self, graph: AccessGraph) -> None:
        self.graph = graph
        self._admin: dict[str, str | None] = {}
        self._by_profile: dict[tuple[str, bool], list[Risk]] = {}

    @cached_property
    def _context(self):  # type: ignore[no-untyped-def]  # FindingContext, imported lazily
        from graph.findings.context import FindingContext

        return FindingContext(self.graph)

    def admin(self, role_arn: str) -> str | None:
        """"admin", "nearly-admin" or None, as the admin-role finding decides it."""
        if role_arn not in self._admin:
            from graph.findings.roles import admin_level

            role = self.graph.snapshot.role_by_arn.get(role_arn)
            found = admin_level(self._context, role) if role is not None else None
            self._admin[role_arn] = found[0] if found else None
        return self._admin[role_arn]

    @cached_property
    def outside_assumers(self) -> Mapping[str, tuple[str, ...]]:
        """Role ARN -> the other accounts ("*" for any) that may assume it."""
        data = self.graph.data
        own = self.graph.snapshot.account_id
        found: dict[str, set[str]] = {}
        for edge in data.assume_edges:
            if not edge.source.startswith("account:"):
                continue
            account = edge.source.split(":", 1)[1]
            if account != own and (edge.granted or edge.outcome is Outcome.UNKNOWN):
                found.setdefault(edge.target_arn, set()).add(account)
        for role in self.graph.snapshot.roles:
            if "*" in trust_principals(role):
                edge = data.trust.account_edge(role, _STRANGER)
                possible = edge.granted or edge.outcome is Outcome.UNKNOWN
                if possible and not _kept_inside(edge.conditions, own):
                    found.setdefault(role.arn, set()).add("*")
        return {arn: tuple(sorted(accounts)) for arn, accounts in found.items()}

    @cached_property
    def gaining_roles(self) -> frozenset[str]:
        """Roles with a "could gain" path (escalation; role chains are access already).
        Found over the whole account: ask only once the analysis is done."""
        from graph.findings import escalations

        return frozenset(e.role for e in escalations(self.graph) if e.kind != "assume")

    def role_marks(self, role: Role) -> list[Risk]:
        """The file marks of the role, ADMIN / NEAR ADMIN in place of `s3:*`, and OTHER
        ACCOUNT when another account may assume it."""
        marks = role_risks(role, self.graph.snapshot)
        level = self.admin(role.arn)
        if level is not None:
            marks = [m for m in marks if m is not Risk.S3_STAR]
            marks.append(Risk.ADMIN if level == "admin" else Risk.NEAR_ADMIN)
        if role.arn in self.outside_assumers:
            marks.append(Risk.OTHER_ACCOUNT)
        return sorted_marks(marks)

    def instance_marks(self, instance: Instance, escalations: bool = True) -> list[Risk]:
        """PUBLIC IMDSv1, and ADMIN / NEAR ADMIN / COULD GAIN of the roles it can act as
        (`escalations` False before the whole account is analysed)."""
        marks = [Risk.PUBLIC_IMDSV1] if open_door(instance) else []
        # The roles depend on the profile alone: thousands of instances share a few.
        key = (instance.instance_profile_arn or "", escalations)
        found = self._by_profile.get(key)
        if found is None:
            roles = {arn for chain in self.graph.instance_chains(instance)
                     for arn in chain.roles}
            levels = {self.admin(arn) for arn in roles}
            found = []
            if "admin" in levels:
                found.append(Risk.ADMIN)
            elif "nearly-admin" in levels:
                found.append(Risk.NEAR_ADMIN)
            if escalations and roles & self.gaining_roles:
                found.append(Risk.COULD_GAIN)
            self._by_profile[key] = found
        return sorted_marks(marks + found)


def trust_principals(role: Role) -> list[str]:
    """Every principal an Allow statement of the trust policy names: services as their
    name, AWS principals as written ("*" for anyone)."""
    doc = role.trust_policy
    statements = doc.get("Statement", []) if isinstance(doc, dict) else []
    found: list[str] = []
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if principal == "*":
            principal = {"AWS": "*"}
        if not isinstance(principal, dict):
            continue
        for kind in ("Service", "AWS", "Federated"):
            named = principal.get(kind, [])
            for value in [named] if isinstance(named, str) else named:
                if isinstance(value, str) and value not in found:
                    found.append(value)
    return found


def _kept_inside(conditions: Iterable[ConditionRef], account: str) -> bool:
    """Whether conditions on the caller's account or ARN all name this account."""
    scoped = [c for c in conditions if c.key.lower() in _OWN_KEYS]
    return bool(scoped) and all(all(account in v for v in c.values) for c in scoped)
