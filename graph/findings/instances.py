"""Instance findings: instances whose credentials an SSRF can steal (public IP + IMDSv1) while
their role reaches buckets. (Escalation findings, one per cause: escalation_causes.py.)"""

from __future__ import annotations

from collections.abc import Iterator

from graph.access.model import unique_refs
from graph.findings.context import FindingContext, listed, short, verbs
from graph.findings.exposure import ExposureSummary, bucket_exposure, severity_for
from graph.findings.model import Finding, PathStep, Severity, finding_id, more_step
from graph.model import Instance
from graph.policy import StatementRef

#: Gained buckets named in a finding's detail (the rest are counted).
SHOWN_BUCKETS = 10
#: Buckets drawn in a finding's path (the rest are one "+N more" node).
DRAWN = 3


def exposure_findings(ctx: FindingContext) -> Iterator[Finding]:
    """One finding per cause: a role whose instances run with a public IP and IMDSv1 (the
    metadata setting to change), listing every such instance. Instances of one profile share
    their answers unless a statement reads an instance's own keys (its ARN, VPC, IP); those
    whose stolen credentials reach something else are a cause of their own."""
    from graph.findings.roles import admin_level

    g = ctx.graph
    seen: dict[str, tuple[dict[str, frozenset[str]], list[StatementRef]]] = {}
    by_key: dict[str, list[Instance]] = {}
    for inst in ctx.snapshot.instances:
        if inst.state != "running" or not inst.public_ip or inst.imdsv1_allowed is not True:
            continue
        profile = inst.instance_profile_arn or ""
        if not ctx.own_roles(profile):
            continue
        key = inst.instance_id if g.data.instance_plan(inst)[1] else profile
        if key not in seen:
            seen[key] = _stolen(ctx, inst)
        if seen[key][0]:
            by_key.setdefault(key, []).append(inst)
    # Profiles (or instances) of one role whose credentials reach the same: one cause.
    groups: dict[tuple[tuple[str, ...], int], list[Instance]] = {}
    stolen: dict[tuple[tuple[str, ...], int], tuple[dict[str, frozenset[str]], list]] = {}
    reaches: dict[tuple[str, ...], list[dict[str, frozenset[str]]]] = {}
    for key, members in by_key.items():
        own = ctx.own_roles(members[0].instance_profile_arn or "")
        buckets = seen[key][0]
        known = reaches.setdefault(own, [])
        number = next((n for n, other in enumerate(known) if other == buckets), None)
        if number is None:
            number = len(known)
            known.append(buckets)
        groups.setdefault((own, number), []).extend(members)
        stolen.setdefault((own, number), seen[key])
    per_roles = {own: len(known) for own, known in reaches.items()}
    for group, instances in sorted(groups.items(), key=lambda kv: (kv[0][0], _ids(kv[1]))):
        own = group[0]
        buckets, refs = stolen[group]
        instances.sort(key=lambda i: (i.name, i.instance_id))
        first = instances[0]
        summary = ExposureSummary.of(buckets)
        admin = any(admin_level(ctx, ctx.role(arn)) for arn in own)
        severity = Severity.CRITICAL if admin else severity_for(summary, door=True)
        role_names = ", ".join(short(a) for a in own)
        names = {a for acts in buckets.values() for a in acts}
        count = (f"instance {first.label}" if len(instances) == 1
                 else f"{len(instances)} instances ({first.label} and {len(instances) - 1} more)")
        title = (f"role {role_names}: {count} with a public IP and IMDSv1 allowed: an SSRF "
                 f"hands out the role, which {summary.text()}")
        detail = [f"exposed: {i.label}, {i.region}, public IP {i.public_ip}"
                  for i in instances[:SHOWN_BUCKETS]]
        if len(instances) > SHOWN_BUCKETS:
            detail.append(f"… and {len(instances) - SHOWN_BUCKETS} more instance(s)")
        ordered = sorted(buckets.items(), key=lambda kv: (-bucket_exposure(kv[1]), kv[0]))
        detail.extend(f"{b}: {listed(a)}" for b, a in ordered[:SHOWN_BUCKETS])
        if len(ordered) > SHOWN_BUCKETS:
            detail.append(f"… and {len(ordered) - SHOWN_BUCKETS} more bucket(s)")
        path = [PathStep("internet", f"instance:{first.instance_id}",
                         "SSRF reads IMDSv1 credentials")]
        path.extend(ctx.instance_path(first, own[0]))
        for bucket, acts in ordered[:DRAWN]:
            path.append(PathStep(f"role:{own[0]}", f"bucket:{bucket}", f"can {verbs(acts)}"))
        if len(ordered) > DRAWN:
            path.append(more_step(f"role:{own[0]}", len(ordered) - DRAWN))
        subject = [",".join(own)]
        if per_roles[own] > 1:  # the role's instances differ in reach: name this part
            subject.append(first.instance_id)
        yield Finding(
            finding_id("instance-exposure", *subject), severity, "instance-exposure",
            title, _imds_fix(instances), instance=first.instance_id, role=own[0],
            bucket=next(iter(buckets)) if len(buckets) == 1 else None,
            actions=tuple(sorted(names)), evidence=unique_refs(refs), detail=tuple(detail),
            instances=tuple(i.instance_id for i in instances),
            buckets=tuple(b for b, _ in ordered), path=tuple(path),
            view=("instance", first.instance_id))


def _ids(instances: list[Instance]) -> tuple[str, ...]:
    return tuple(sorted(i.instance_id for i in instances))


def _imds_fix(instances: list[Instance]) -> str:
    """The metadata setting to change, as commands for the listed instances."""
    by_region: dict[str, list[str]] = {}
    for inst in instances:
        by_region.setdefault(inst.region, []).append(inst.instance_id)
    commands = []
    for region, ids in sorted(by_region.items()):
        shown = " ".join(ids[:SHOWN_BUCKETS])
        more = f" (and the {len(ids) - SHOWN_BUCKETS} more the JSON lists)" \
            if len(ids) > SHOWN_BUCKETS else ""
        commands.append(f"for id in {shown}; do aws ec2 modify-instance-metadata-options "
                        f"--region {region} --instance-id $id --http-tokens required "
                        f"--http-endpoint enabled; done{more}")
    return ("require IMDSv2 (check the software uses IMDSv2 first): " + "; ".join(commands)
            + "; remove the public IP where nothing needs to reach the instance from the "
            "internet")


def _stolen(ctx: FindingContext, inst: Instance
            ) -> tuple[dict[str, frozenset[str]], list[StatementRef]]:
    """What the instance's credentials reach beyond what anyone on the internet can do."""
    buckets: dict[str, frozenset[str]] = {}
    refs: list[StatementRef] = []
    for bucket, (acts, granting) in ctx.instance_reach(inst).items():
        extra = acts - ctx.public_granted(bucket)
        if extra:
            buckets[bucket] = frozenset(extra)
            refs.extend(granting)
    return buckets, refs


__all__ = ["exposure_findings"]
