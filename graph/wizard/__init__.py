"""The role wizard's headless core: plan, validate, lint, render, apply, preview.

    plan = RolePlan(name="app-reader", trusted_services=("ec2.amazonaws.com",),
                    grants=(BucketGrant.parse("list,read:data/reports/"),))
    check(plan, snapshot)                  # PlanInvalid (one line) when AWS would refuse it
    lint(plan, snapshot)                   # findings a reviewer should see
    render_json(plan) / render_cli / render_cloudformation / render_terraform
    apply_plan(plan, loaded.connection, attach=[instance])   # all or nothing
    graph.wizard.whatif.what_if(plan, snapshot, ["i-..."], current_graph)

The what-if preview lives in graph.wizard.whatif (it needs the access graph); everything else
only needs the snapshot model.
"""

from graph.wizard.apply import ApiCall, ApplyResult, api_calls, apply_plan
from graph.wizard.documents import inline_policy, policy_size, trust_policy
from graph.wizard.iac import render_cloudformation, render_terraform
from graph.wizard.lint import Finding, lint
from graph.wizard.plan import (
    COMMON_SERVICES,
    EC2_SERVICE,
    BucketGrant,
    PlanInputError,
    RolePlan,
    TrustCondition,
    parse_tag,
)
from graph.wizard.render import FORMATS, plan_dict, render_cli, render_json
from graph.wizard.validate import PlanInvalid, ValidationIssue, check, validate, validate_step

__all__ = [
    "COMMON_SERVICES",
    "EC2_SERVICE",
    "FORMATS",
    "ApiCall",
    "ApplyResult",
    "BucketGrant",
    "Finding",
    "PlanInputError",
    "PlanInvalid",
    "RolePlan",
    "TrustCondition",
    "ValidationIssue",
    "api_calls",
    "apply_plan",
    "check",
    "inline_policy",
    "lint",
    "parse_tag",
    "plan_dict",
    "policy_size",
    "render",
    "render_cli",
    "render_cloudformation",
    "render_json",
    "render_terraform",
    "trust_policy",
    "validate",
    "validate_step",
]


def render(plan: RolePlan, fmt: str) -> str:
    """The plan in one of FORMATS (json, cli, cloudformation, terraform)."""
    renderers = {"json": render_json, "cli": render_cli,
                 "cloudformation": render_cloudformation, "terraform": render_terraform}
    if fmt not in renderers:
        raise PlanInputError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    return renderers[fmt](plan)
