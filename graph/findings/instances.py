"""Instance findings: escalation paths of the roles instances run as, and instances whose
credentials an SSRF can steal (public IP + IMDSv1) while their role reaches buckets."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from graph.access.model import unique_refs
from graph.findings.context import FindingContext, listed, short, verbs, writes
from graph.findings.escalation import Escalation, EscalationFinder
from graph.findings.fixes import identity_fix, trust_fix
from graph.findings.model import Finding, PathStep, Severity, finding_id
from graph.model import Instance
from graph.policy import Outcome, PolicyKind, StatementRef

#: Gained buckets named in a finding's detail (the rest are counted).
SHOWN_BUCKETS = 10


def _severity(e: Escalation) -> Severity:
    if e.everything or e.target_admin:
        severity = Severity.CRITICAL
    elif any(writes(acts) for acts in e.gains.values()):
        severity = Severity.HIGH
    else:
        severity = Severity.MEDIUM
    if e.outcome is not Outcome.ALLOWED:
        severity = severity.lowered()
    return severity


def _score(e: Escalation) -> tuple[int, int, int, str]:
    return (_severity(e).rank, int(e.target_admin or e.everything), len(e.gains), e.target)


def _gain_lines(gains: Mapping[str, frozenset[str]]) -> list[str]:
    lines = [f"gains on {b}: {listed(a)}" for b, a in sorted(gains.items())
             [:SHOWN_BUCKETS]]
    if len(gains) > SHOWN_BUCKETS:
        lines.append(f"… and {len(gains) - SHOWN_BUCKETS} more bucket(s)")
    return lines


def _fix(ctx: FindingContext, e: Escalation) -> str:
    """Each statement the path needs, with the change that closes it there."""
    role = ctx.snapshot.role_by_arn.get(e.role)
    parts = []
    for step in e.steps:
        for ref in step.evidence:
            if ref.policy_kind is PolicyKind.TRUST:
                parts.append(trust_fix(ref, caller=f"role {short(e.role)}"))
            elif ref.policy_kind is PolicyKind.IDENTITY:
                parts.append(identity_fix(
                    ctx.snapshot, ref, f"remove {step.action} from its Action, or limit its "
                    "Resource to what the workload needs", role))
            else:
                parts.append(f"remove {step.action} from {ref.label}")
    if e.kind.startswith("passrole"):
        parts.append('add "Condition": {"StringEquals": {"iam:PassedToService": '
                     '"<the one service it launches for>"}} and list only the role ARNs it '
                     "must pass")
    return "; ".join(dict.fromkeys(parts)) or "remove the permissions the path needs"


def escalation_findings(ctx: FindingContext, paths: list[Escalation]) -> Iterator[Finding]:
    """One finding per (role, kind of path): the strongest target named, the others listed."""
    grouped: dict[tuple[str, str], list[Escalation]] = {}
    for e in paths:
        grouped.setdefault((e.role, e.kind), []).append(e)
    for (role_arn, kind), found in sorted(grouped.items()):
        found.sort(key=_score, reverse=True)
        best = found[0]
        instances = ctx.acting_instances.get(role_arn, ())
        if not instances:
            continue
        first = instances[0]
        more = f" (and {len(instances) - 1} more instance(s))" if len(instances) > 1 else ""
        title = (f"{first.label}{more}: {best.label} ({best.gains_text})")
        detail = [f"as role {short(role_arn)}"]
        for step in best.steps:
            state = "" if step.outcome is Outcome.ALLOWED else f" [{step.outcome.value}]"
            refs = ", ".join(r.label for r in step.evidence) or "no statement (unknown)"
            detail.append(f"step {step.action} on {step.resource}{state}: {refs}")
            detail.extend(f"  only if {c}" for c in step.conditions)
        detail.extend(_gain_lines(best.gains))
        if len(found) > 1:
            others = ", ".join(short(e.target) for e in found[1:6])
            extra = f" … and {len(found) - 6} more" if len(found) > 6 else ""
            detail.append(f"the same way also: {others}{extra}")
        gained_actions = sorted({a for acts in best.gains.values() for a in acts})
        path = _path(ctx, first, role_arn, best)
        yield Finding(
            finding_id("privilege-escalation", role_arn, kind), _severity(best),
            "privilege-escalation", title, _fix(ctx, best), instance=first.instance_id,
            role=role_arn, bucket=next(iter(sorted(best.gains)), None) if len(
                best.gains) == 1 else None,
            principal=best.target,
            actions=tuple(s.action for s in best.steps) + tuple(gained_actions),
            evidence=best.evidence, detail=tuple(detail),
            instances=tuple(i.instance_id for i in instances), path=path,
            view=("instance", first.instance_id))


def _path(ctx: FindingContext, inst: Instance, role_arn: str, e: Escalation
          ) -> tuple[PathStep, ...]:
    steps: list[PathStep] = []
    profile = inst.instance_profile_arn or ""
    own = ctx.own_roles(profile)
    if role_arn in own:
        steps.extend(ctx.instance_path(inst, role_arn))
    else:
        steps.extend(ctx.instance_path(inst, own[0]) if own else [])
        steps.append(PathStep(f"role:{own[0]}" if own else f"instance:{inst.instance_id}",
                              f"role:{role_arn}", "can assume"))
    steps.append(PathStep(f"role:{role_arn}", f"role:{e.target}", e.via, e.evidence,
                          escalation=e.kind != "assume"))
    if e.everything or e.target_admin:
        steps.append(PathStep(f"role:{e.target}", "everything", "could do",
                              escalation=e.kind != "assume"))
    for bucket, acts in sorted(e.gains.items())[:3]:
        steps.append(PathStep(f"role:{e.target}", f"bucket:{bucket}", f"could {verbs(acts)}",
                              escalation=e.kind != "assume"))
    return tuple(steps)


def exposure_findings(ctx: FindingContext) -> Iterator[Finding]:
    from graph.findings.roles import admin_level

    g = ctx.graph
    seen: dict[str, tuple[dict[str, set[str]], list[StatementRef]]] = {}
    for inst in ctx.snapshot.instances:
        if inst.state != "running" or not inst.public_ip or inst.imdsv1_allowed is not True:
            continue
        profile = inst.instance_profile_arn or ""
        own = ctx.own_roles(profile)
        if not own:
            continue
        # Instances of one profile share their answers unless a statement reads an
        # instance's own keys (its ARN, VPC, IP).
        key = inst.instance_id if g.data.instance_plan(inst)[1] else profile
        found = seen.get(key)
        if found is None:
            found = seen[key] = _stolen(ctx, inst)
        buckets, refs = found
        if not buckets:
            continue
        names = {a for acts in buckets.values() for a in acts}
        admin = any(admin_level(ctx, ctx.role(arn)) for arn in own)
        severity = Severity.CRITICAL if admin else (
            Severity.HIGH if writes(names) else Severity.MEDIUM)
        role_names = ", ".join(short(a) for a in own)
        title = (f"{inst.label}: public IP {inst.public_ip} and IMDSv1 allowed: an SSRF "
                 f"hands out role {role_names}, which can {verbs(names)} "
                 f"{len(buckets)} bucket(s)")
        fix = (f"require IMDSv2: aws ec2 modify-instance-metadata-options --region "
               f"{inst.region} --instance-id {inst.instance_id} --http-tokens required "
               "--http-endpoint enabled (check its software uses IMDSv2 first); remove the "
               "public IP if nothing needs to reach it from the internet")
        detail = [f"{b}: {listed(a)}" for b, a in sorted(buckets.items())[:SHOWN_BUCKETS]]
        path = [PathStep("internet", f"instance:{inst.instance_id}",
                         "SSRF reads IMDSv1 credentials")]
        path.extend(ctx.instance_path(inst, own[0]))
        evidence = unique_refs(refs)
        for bucket, acts in sorted(buckets.items())[:3]:
            path.append(PathStep(f"role:{own[0]}", f"bucket:{bucket}", f"can {verbs(acts)}"))
        yield Finding(
            finding_id("instance-exposure", inst.instance_id), severity, "instance-exposure",
            title, fix, instance=inst.instance_id, role=own[0],
            bucket=next(iter(buckets)) if len(buckets) == 1 else None,
            actions=tuple(sorted(names)), evidence=evidence, detail=tuple(detail),
            instances=(inst.instance_id,), path=tuple(path),
            view=("instance", inst.instance_id))


def _stolen(ctx: FindingContext, inst: Instance
            ) -> tuple[dict[str, set[str]], list[StatementRef]]:
    """What the instance's credentials reach beyond what anyone on the internet can do."""
    buckets: dict[str, set[str]] = {}
    refs: list[StatementRef] = []
    for bucket, (acts, granting) in ctx.instance_reach(inst).items():
        extra = acts - ctx.public_granted(bucket)
        if extra:
            buckets[bucket] = set(extra)
            refs.extend(granting)
    return buckets, refs


__all__ = ["EscalationFinder", "escalation_findings", "exposure_findings"]
