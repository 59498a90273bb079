"""VPC endpoints for S3 whose policy lets requests out to buckets of any account.

An S3 endpoint's policy is where a network team keeps data from leaving through it: without
one (full access, AWS's default) or with one that allows any bucket, an instance behind the
endpoint can copy data to a bucket in an account nobody here owns. One finding per endpoint,
decided by the engine: a PutObject and a GetObject on a bucket of another account, asked of
the endpoint policy as the instances' requests would be.
"""

from __future__ import annotations

from collections.abc import Iterator

from graph.access.decide.gates.endpoint_policy import EndpointPolicyGate
from graph.findings.context import FindingContext
from graph.findings.model import Finding, Severity, finding_id
from graph.model_network import VpcEndpoint
from graph.policy import Outcome, Request
from graph.policy.document import Policy
from graph.policy.evaluate import NO_POLICIES, evaluate

CATEGORY = "open-vpc-endpoint"
#: A bucket and account nobody here owns (the engine's question: "any bucket?").
_ELSEWHERE_ACCOUNT = "000000000000"
_ELSEWHERE = "arn:aws:s3:::any-bucket-of-another-account"
_ACTIONS = ("s3:PutObject", "s3:GetObject")
_FIX = ("Set an endpoint policy that allows only your buckets (Resource naming them, or "
        "a Condition on aws:ResourceAccount / aws:ResourceOrgID).")


def endpoint_findings(ctx: FindingContext) -> Iterator[Finding]:
    """One finding per S3 endpoint (gateway or interface) open to any bucket."""
    gate = EndpointPolicyGate()
    snapshot = ctx.snapshot
    for net in snapshot.network or ():
        for ep in net.endpoints:
            if not ep.is_s3 or ep.unread:
                continue
            policy = gate.policy(ep, ep.route_table_ids[0] if ep.route_table_ids else "-")
            if isinstance(policy, str):
                continue
            open_ = _open_actions(policy, snapshot.account_id)
            if not open_:
                continue
            behind = _instances_behind(ctx, ep)
            what = "has no endpoint policy (full access)" if policy is None else \
                "has a policy that allows any bucket"
            conditional = any(o is Outcome.CONDITIONAL for o in open_.values())
            yield Finding(
                id=finding_id(CATEGORY, ep.endpoint_id),
                severity=Severity.LOW if conditional else Severity.MEDIUM,
                category=CATEGORY,
                title=f"S3 endpoint {ep.endpoint_id} ({ep.vpc_id}) {what}: a way out to "
                      "buckets of any account",
                fix=_FIX,
                instance=behind[0] if behind else None,
                actions=tuple(open_),
                detail=(f"{ep.endpoint_type} endpoint {ep.service_name} in {ep.vpc_id}",
                        *(f"{a}: {o.value} on a bucket of another account"
                          for a, o in open_.items()),
                        f"{len(behind)} instance(s) reach S3 through it"),
                instances=tuple(behind),
                view=("instance", behind[0]) if behind else None,
            )


def _open_actions(policy: Policy | None, account: str) -> dict[str, Outcome]:
    if policy is None:
        return dict.fromkeys(_ACTIONS, Outcome.ALLOWED)
    out: dict[str, Outcome] = {}
    for action in _ACTIONS:
        resource = _ELSEWHERE + ("/*" if action != "s3:ListBucket" else "")
        d = evaluate(Request(principal_arn=f"arn:aws:iam::{account}:role/any",
                             action=action, resource_arn=resource,
                             context={"aws:ResourceAccount": _ELSEWHERE_ACCOUNT},
                             partial=True), NO_POLICIES, policy)
        if d.outcome in (Outcome.ALLOWED, Outcome.CONDITIONAL):
            out[action] = d.outcome
    return out


def _instances_behind(ctx: FindingContext, ep: VpcEndpoint) -> list[str]:
    """Instances whose route to S3 in the endpoint's region goes through it."""
    paths = ctx.graph.network.paths
    out = []
    for inst in ctx.snapshot.instances:
        if inst.region != ep.region or inst.vpc_id != ep.vpc_id:
            continue
        path = paths.path(inst, ep.service_region)
        if path.endpoint is not None and path.endpoint.endpoint_id == ep.endpoint_id:
            out.append(inst.instance_id)
    return out
