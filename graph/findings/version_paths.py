"""iam:SetDefaultPolicyVersion: putting another version of an attached customer-managed policy
in force (Rhino Security Labs' SetDefaultPolicyVersion method, PMapper's IAM edge checker,
cloudsplaining's list).

Unlike CreatePolicyVersion, the caller cannot write what the policy says: it can only choose
among the versions that exist. So it is a path only where one of the other versions grants the
target role more than the version in force, decided by the engine: the account analysed again
with that version as the default (sharing every decision that does not depend on it, reuse.py)
and the target's reach compared, bucket by bucket and as an administrator. A policy with one
version is no path. A snapshot that did not keep the other versions (written before rolemap
read them) cannot tell: the path is reported as unknown, never dropped and never asserted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from graph.access import build_access_graph
from graph.findings.context import FindingContext, gained, short
from graph.findings.escalation_model import Escalation, PathFinder, Step
from graph.model import ManagedPolicy, PolicyVersion, Role
from graph.policy import Outcome

ACTION = "iam:SetDefaultPolicyVersion"
#: Said of a path whose policy's other versions were not read.
NOT_READ = "unknown: other versions not read"


def _with_version(finder: PathFinder, policy: ManagedPolicy, version: PolicyVersion
                  ) -> FindingContext:
    """The account as it would be with `version` in force (one analysis per version)."""
    ctx = finder.ctx
    cache: dict[tuple[str, str], FindingContext] = ctx.__dict__.setdefault("_versions", {})
    key = (policy.arn, version.version_id)
    if key not in cache:
        changed = replace(policy, document=version.document,
                          default_version_id=version.version_id)
        snapshot = replace(ctx.snapshot, managed_policies=tuple(
            changed if p.arn == policy.arn else p for p in ctx.snapshot.managed_policies))
        graph = build_access_graph(snapshot, assumed=ctx.graph.assumed, decide=False,
                                   reuse_from=ctx.graph, at=ctx.graph.decided_at)
        cache[key] = FindingContext(graph)
    return cache[key]


def _admin(ctx: FindingContext, role_arn: str) -> bool:
    from graph.findings.roles import admin_level

    found = admin_level(ctx, ctx.role(role_arn))
    return found is not None and found[0] == "admin"


def set_default_paths(finder: PathFinder, role: Role, target: Role, policy: ManagedPolicy,
                      step: Step, prefix: tuple[Step, ...]) -> Iterator[Escalation]:
    """The versions of `policy` (attached to `target`) that would give it more, each a path
    whose last step is `step` (SetDefaultPolicyVersion, granted)."""
    name = f"SetDefaultPolicyVersion on {short(policy.arn)}"
    if policy.other_versions is None:
        unknown = Step(step.action, step.resource, Outcome.UNKNOWN, step.evidence,
                       step.conditions)
        yield Escalation(role.arn, "policy-version", f"{name} ({NOT_READ})", target.arn,
                         (*prefix, unknown), {}, note=NOT_READ)
        return
    now = finder.reach_of(target.arn)
    admin_now = finder.is_admin(target.arn)
    for version in policy.other_versions:
        other = _with_version(finder, policy, version)
        then = other.union_reach(other.chain_roles(target.arn))
        admin = not admin_now and _admin(other, target.arn)
        if not gained(now, then) and not admin:
            continue  # this version gives the target nothing it lacks
        gains = gained(finder.base(role.arn), then)
        if not gains and not admin:
            continue
        yield Escalation(role.arn, "policy-version", f"{name} → {version.version_id}",
                         target.arn, (*prefix, step), gains, target_admin=admin)
