"""Non-S3 questions about a role (iam:PassRole, ec2:RunInstances, iam:PutRolePolicy…), asked of
the policy engine with the role's identity policies, permissions boundary and SCPs.

The access graph decides S3 only; findings need IAM and EC2 decisions too, with the same
evaluation logic and the same evidence. Policies are parsed here once per document (a managed
policy shared by a thousand roles once), independent of how the access graph stores its own.
A cheap look at statement shapes first skips roles whose statements cannot name the action.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graph.access.compile.statements import StatementFacts, document_facts
from graph.errors import PolicyParseError
from graph.model import AccountSnapshot, Role
from graph.model_users import inline_name
from graph.policy import (
    Decision,
    Outcome,
    Policy,
    PolicyKind,
    PrincipalPolicies,
    Request,
    evaluate,
    parse_policy,
)

GRANTED = (Outcome.ALLOWED, Outcome.CONDITIONAL)


@dataclass(frozen=True, eq=False)
class RolePolicies:
    """A role's policies ready for the engine, and what could not be read."""

    principal: PrincipalPolicies
    #: Allow statements' facts of the identity policies (for the cheap pre-check).
    allows: tuple[StatementFacts, ...]
    #: Why a grant could be wrong (a policy missing or malformed): answers become unknown.
    missing: tuple[str, ...]


class Permissions:
    """Decides arbitrary actions for the roles of one snapshot (cached per document)."""

    def __init__(self, snapshot: AccountSnapshot, assumed: Mapping[str, str],
                 book: Any = None) -> None:
        self.snapshot = snapshot
        self.assumed = dict(assumed)
        #: The access graph's PolicyBook when there is one: its parsed policies are reused
        #: (parsing every role's documents again costs seconds on a large account).
        self.book = book
        self._managed: dict[tuple[str, PolicyKind], tuple[Policy, tuple[StatementFacts, ...]]
                            | None] = {}
        self._roles: dict[str, RolePolicies] = {}
        self._scps = self._load_scps()

    def _load_scps(self) -> tuple[tuple[Policy, ...], ...] | None:
        if self.snapshot.scps is None:
            return None
        levels = []
        for level in self.snapshot.scps:
            parsed = []
            for scp in level:
                try:
                    parsed.append(parse_policy(scp.document, name=scp.name, kind=PolicyKind.SCP))
                except PolicyParseError:
                    continue  # the access graph already warns about it
            levels.append(tuple(parsed))
        return tuple(levels)

    def _managed_policy(self, arn: str, kind: PolicyKind
                        ) -> tuple[Policy, tuple[StatementFacts, ...]] | None:
        key = (arn, kind)
        if key not in self._managed:
            mp = self.snapshot.policy_by_arn.get(arn)
            found = None
            if mp is not None:
                try:
                    found = (parse_policy(mp.document, name=mp.name, kind=kind),
                             document_facts(mp.document))
                except PolicyParseError:
                    found = None
            self._managed[key] = found
        return self._managed[key]

    def role(self, role: Role) -> RolePolicies:
        found = self._roles.get(role.arn)
        if found is not None:
            return found
        if self.book is not None:
            rp = self.book.role(role)
            found = RolePolicies(rp.principal, tuple(
                f for cp in rp.identity for f in cp.facts if f.effect == "Allow"), rp.missing)
            self._roles[role.arn] = found
            return found
        identity: list[Policy] = []
        facts: list[StatementFacts] = []
        missing: list[str] = []
        for inline in role.inline_policies:
            try:
                identity.append(parse_policy(inline.document,
                                             name=inline_name(role.name, inline.name),
                                             kind=PolicyKind.IDENTITY))
                facts.extend(document_facts(inline.document))
            except PolicyParseError:
                missing.append(f"inline policy {inline.name} could not be parsed")
        for arn in role.attached_policy_arns:
            managed = self._managed_policy(arn, PolicyKind.IDENTITY)
            if managed is None:
                missing.append(f"attached policy {arn} could not be read")
                continue
            identity.append(managed[0])
            facts.extend(managed[1])
        boundary = None
        if role.permissions_boundary_arn:
            managed = self._managed_policy(role.permissions_boundary_arn, PolicyKind.BOUNDARY)
            if managed is None:
                missing.append(f"permissions boundary {role.permissions_boundary_arn} could "
                               "not be read")
            else:
                boundary = managed[0]
        principal = PrincipalPolicies(identity=tuple(identity), boundary=boundary,
                                      scps=self._scps)
        found = RolePolicies(principal, tuple(f for f in facts if f.effect == "Allow"),
                             tuple(missing))
        self._roles[role.arn] = found
        return found

    def may_allow(self, role: Role, actions: Iterable[str], resource: str | None = None) -> bool:
        """Cheap pre-check: an Allow statement names one of `actions` (on `resource`)."""
        wanted = list(actions)
        for f in self.role(role).allows:
            if any(f.names_action(a) for a in wanted) and (
                    resource is None or f.resource_matches(resource)):
                return True
        return False

    def decide(self, role: Role, action: str, resource: str,
               context: Mapping[str, str] | None = None,
               resource_policy: Policy | None = None) -> Decision:
        """The engine's answer for the role calling `action` on `resource` (with the
        resource's policy when the caller knows it, e.g. the trust policy of a role it would
        write itself); a grant that a missing policy could change is reported as unknown."""
        rp = self.role(role)
        req = Request(principal_arn=role.arn, action=action, resource_arn=resource,
                      resource_account=role.account_id,
                      context={**self.assumed, **(context or {})},
                      principal_tags=role.tags, partial=True)
        d = evaluate(req, rp.principal, resource_policy)
        if d.outcome in GRANTED and rp.missing:
            return Decision(d.verdict, Outcome.UNKNOWN, d.reasons + rp.missing, d.deciding,
                            d.blocked_by, d.conditions)
        return d


def granted(d: Decision) -> bool:
    return d.outcome in GRANTED
