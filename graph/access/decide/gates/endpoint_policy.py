"""A VPC endpoint's policy (gateway or interface): one more policy that must allow.

AWS ("Control access to VPC endpoints using endpoint policies"): a request through an
endpoint is allowed only if the endpoint policy allows it too; it grants nothing by itself.
No policy set means full access; an explicit deny in it wins. Its principal is the caller
(the role), its resource the bucket or object, its context the request's own (aws:SourceVpce
and the VPC keys among them).

A limit gate met only by requests from an instance whose route class leads through the
endpoint (decide/network.py): roles are decided once, not per instance, so it is not one of
the per-role `GATES`; query/network_gate.py applies it to an instance's answers, through the
engine, with the endpoint policy as the resource-side document.
"""

from __future__ import annotations

from collections.abc import Mapping

from graph.access.decide.gate import Documents, Question, Stage, Unread
from graph.access.model import ActionAccess
from graph.errors import PolicyParseError
from graph.model_network import VpcEndpoint
from graph.policy import Decision, Outcome, PolicyKind, Request, Verdict
from graph.policy.document import Policy, parse_policy
from graph.policy.evaluate import NO_POLICIES, evaluate
from graph.policy.request import ContextValue


class EndpointPolicyGate:
    """The policy of the VPC endpoint an instance's request passes."""

    name = "VPC endpoint policy"
    stage = Stage.LIMIT
    asks = frozenset[str]()
    reads = ("VPC endpoint policies (DescribeVpcEndpoints)",)

    def __init__(self) -> None:
        self._parsed: dict[tuple[int, str], Policy | str] = {}
        self._decided: dict[tuple[object, ...], Decision | str] = {}

    def applies(self, q: Question) -> bool:
        return False  # only through an instance's network path (see the module docstring)

    def documents(self, q: Question) -> Documents:
        return Documents()

    def limit(self, q: Question, access: ActionAccess) -> ActionAccess | None:
        return None

    def unread(self, q: Question) -> Unread | None:
        return None

    def policy(self, endpoint: VpcEndpoint, route_table_id: str) -> Policy | str | None:
        """The endpoint's policy (None: full access), or why it cannot be read."""
        if endpoint.unread:
            return "; ".join(u.reason for u in endpoint.unread)
        if endpoint.policy is None:
            return None
        # By the record (the snapshot holds it), not its id: ids need not be unique in a
        # hand-made or synthetic account.
        key = (id(endpoint), route_table_id)
        found = self._parsed.get(key)
        if found is None:
            name = f"route table {route_table_id} → {endpoint.endpoint_id} (endpoint policy)"
            try:
                found = parse_policy(endpoint.policy, name, PolicyKind.RESOURCE)
            except PolicyParseError as exc:
                found = str(exc)
            self._parsed[key] = found
        return found

    def decide(self, endpoint: VpcEndpoint, route_table_id: str, role_arn: str,
               account: str, access: ActionAccess, bucket_arn: str,
               context: Mapping[str, ContextValue], resources: tuple[str, ...] = ()
               ) -> ActionAccess | None:
        """`access` after the endpoint policy (None: it lets it pass unchanged but for the
        evidence, which the caller adds: see `evidence`). `resources`: the ARNs the request
        names when not the bucket's own (an access point's)."""
        doc = self.policy(endpoint, route_table_id)
        if doc is None:
            return None
        if isinstance(doc, str):
            return _with(access, Outcome.UNKNOWN, (
                f"the policy of VPC endpoint {endpoint.endpoint_id} could not be read "
                f"({doc}): it may deny this",))
        d = self._decide(doc, role_arn, account, access, bucket_arn, context, resources)
        if d.outcome is Outcome.ALLOWED:
            return _with(access, access.outcome, (), d.deciding)
        if d.outcome is Outcome.DENIED:
            why = (d.reasons[0] if d.verdict is Verdict.EXPLICIT_DENY else
                   f"the policy of VPC endpoint {endpoint.endpoint_id} does not allow "
                   f"{access.action} on this bucket")
            return ActionAccess(access.action, access.level, access.scope, Outcome.DENIED,
                                (why,), d.deciding, (), PolicyKind.RESOURCE, access.prefixes)
        weaker = Outcome.UNKNOWN if access.outcome is Outcome.UNKNOWN else d.outcome
        return _with(access, weaker, d.reasons, d.deciding, d.conditions)

    def _decide(self, doc: Policy, role_arn: str, account: str, access: ActionAccess,
                bucket_arn: str, context: Mapping[str, ContextValue],
                named: tuple[str, ...] = ()) -> Decision:
        resources = list(named) or ([bucket_arn] if access.scope == "bucket" else (
            [f"{bucket_arn}/{p}" for p in access.prefixes] or [f"{bucket_arn}/*"]))
        who = role_arn if doc.names_principals else None
        key = (id(doc), who, access.action, tuple(resources), tuple(sorted(
            (k, v if isinstance(v, str) else tuple(v)) for k, v in context.items())))
        found = self._decided.get(key)
        if isinstance(found, Decision):
            return found
        best: Decision | None = None
        for resource in resources:
            # The endpoint policy filters, it does not grant across accounts: asked as the
            # caller's own account's, so its Allow alone lets the request pass.
            d = evaluate(Request(principal_arn=role_arn, action=access.action,
                                 resource_arn=resource, resource_account=account,
                                 context=context, partial=True), NO_POLICIES, doc)
            if best is None or d.outcome is Outcome.ALLOWED or (
                    d.outcome is Outcome.CONDITIONAL and best.outcome is Outcome.DENIED):
                best = d
        assert best is not None
        self._decided[key] = best
        return best


def _with(access: ActionAccess, outcome: Outcome, reasons: tuple[str, ...],
          evidence: tuple[object, ...] = (), conditions: tuple[object, ...] = ()
          ) -> ActionAccess:
    return ActionAccess(access.action, access.level, access.scope, outcome,
                        access.reasons + tuple(r for r in reasons if r not in access.reasons),
                        access.evidence + tuple(evidence),  # type: ignore[arg-type]
                        access.conditions + tuple(conditions),  # type: ignore[arg-type]
                        access.blocked_by, access.prefixes)
