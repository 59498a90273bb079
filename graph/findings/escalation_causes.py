"""Escalation findings, one per cause: the statements a role's paths stand on.

A role whose one statement grants ssm:SendCommand, ssm:StartSession, both EC2 Instance Connect
keys and ModifyInstanceAttribute can reach a stronger instance's role five ways; PassRole with
`lambda:*` and `glue:*` in one statement reaches a role through two services. Each way is a
path (trace and who-can list them one by one), but the reviewer has one thing to change: the
statement. So paths are grouped by (role, the set of statements their steps stand on): one
finding lists every way and everything they expose together, and paths that stand on other
statements stay findings of their own (narrowing one statement does not close them).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

from graph.access.model import unique_refs
from graph.findings.context import FindingContext, listed, short, verbs
from graph.findings.escalation_model import Escalation
from graph.findings.exposure import ExposureSummary, severity_for
from graph.findings.fixes import identity_fix, trust_fix
from graph.findings.model import Finding, PathStep, Severity, finding_id, more_step
from graph.model import Instance
from graph.policy import Outcome, PolicyKind, StatementRef
from graph.policy.clock import time_notes

#: Gained buckets named in a finding's detail (the rest are counted).
SHOWN_BUCKETS = 10
#: Buckets drawn in a finding's path (the rest are one "+N more" node).
DRAWN = 3
#: Ways (paths) spelled out step by step in a finding's detail (the rest are counted).
SHOWN_WAYS = 10
#: Instances named per role a finding's ways lead to (the rest are counted).
NAMED = 3
#: Methods named in a title (the rest are counted).
TITLE_METHODS = 5


def _severity(e: Escalation) -> Severity:
    """Critical to administrator (or its own policy); else what the gained buckets expose
    (exposure.severity_for); one lower when a step is only conditional or unknown; medium
    when what it gains is itself unknown (a policy version not read)."""
    if e.note:  # the gain could not be decided: worth a look, never an alarm
        return Severity.MEDIUM
    if e.everything or e.target_admin:
        severity = Severity.CRITICAL
    else:
        severity = severity_for(ExposureSummary.of(e.gains))
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


def method(e: Escalation) -> str:
    """The way without the instances it acts on: "SendCommand", "PassRole + CreateFunction"
    (new user data is one way, whether or not the instance must be stopped first)."""
    if e.kind == "instance-user-data":
        return "ModifyInstanceAttribute (user data) + StartInstances"
    return e.via.split(" → ")[0]


def cause_of(e: Escalation) -> tuple[StatementRef, ...]:
    """The statements the path stands on, in a stable order (the grouping key)."""
    return tuple(sorted(e.evidence, key=lambda r: (r.policy_kind.value, r.policy_name,
                                                   r.index, r.effect)))


def _fix(ctx: FindingContext, ways: Sequence[Escalation]) -> str:
    """Each statement the paths need, with the change that closes it there (every action the
    paths take through it named once)."""
    role = ctx.snapshot.role_by_arn.get(ways[0].role)
    caller = ways[0].role
    by_ref: dict[StatementRef, list[str]] = {}
    for e in ways:
        for step in e.steps:
            for ref in step.evidence:
                acts = by_ref.setdefault(ref, [])
                if step.action not in acts:
                    acts.append(step.action)
    parts = []
    for ref, actions in by_ref.items():
        named = ", ".join(actions)
        if ref.policy_kind is PolicyKind.TRUST:
            parts.append(trust_fix(ref, caller=f"role {short(caller)}"))
        elif ref.policy_kind is PolicyKind.IDENTITY:
            parts.append(identity_fix(
                ctx.snapshot, ref, f"remove {named} from its Action, or limit its "
                "Resource to what the workload needs", role))
        else:
            parts.append(f"remove {named} from {ref.label}")
    if any(e.kind.startswith("passrole") for e in ways):
        parts.append('add "Condition": {"StringEquals": {"iam:PassedToService": '
                     '"<the one service it launches for>"}} and list only the role ARNs it '
                     "must pass")
    return "; ".join(dict.fromkeys(parts)) or "remove the permissions the path needs"


def _union_gains(ways: Sequence[Escalation]) -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for e in ways:
        for bucket, actions in e.gains.items():
            out[bucket] = out.get(bucket, frozenset()) | actions
    return out


def _gains_text(ways: Sequence[Escalation], gains: Mapping[str, frozenset[str]]) -> str:
    """What the ways give together: writing a policy, or administrator, beats any bucket."""
    for e in ways:
        if e.everything:
            return e.gains_text
    if any(e.target_admin for e in ways):
        return "administrator access"
    if not gains:
        return "no S3 access it lacks"
    return f"where it does not reach: {ExposureSummary.of(gains).text()}"


def _noun(ways: Sequence[Escalation]) -> str:
    """What the paths lead to: roles, IAM users, or both."""
    kinds = {e.target_kind for e in ways}
    return f"{kinds.pop()}(s)" if len(kinds) == 1 else "role(s) and user(s)"


def _title(first: Instance, more: str, ways: Sequence[Escalation],
           gains: Mapping[str, frozenset[str]]) -> str:
    best = ways[0]
    if len(ways) == 1:
        return f"{first.label}{more}: {best.label} ({best.gains_text})"
    verb = "can" if all(e.kind == "assume" for e in ways) else "could"
    targets = list(dict.fromkeys(e.target for e in ways))
    whom = f"{best.target_kind} {short(targets[0])}" + (
        f" and {len(targets) - 1} more {_noun(ways)}" if len(targets) > 1 else "")
    methods = list(dict.fromkeys(method(e) for e in ways))
    shown = ", ".join(methods[:TITLE_METHODS]) + (
        f" (+{len(methods) - TITLE_METHODS} more ways)" if len(methods) > TITLE_METHODS
        else "")
    return f"{first.label}{more}: {verb} gain {whom} via {shown} ({_gains_text(ways, gains)})"


def _way_lines(e: Escalation, at: datetime | None, assumed: Mapping[str, str],
               indent: str, through: bool = True) -> list[str]:
    lines = []
    for step in e.steps:
        state = "" if step.outcome is Outcome.ALLOWED else f" [{step.outcome.value}]"
        refs = ", ".join(r.label for r in step.evidence) or "no statement (unknown)"
        lines.append(f"{indent}step {step.action} on {step.resource}{state}: {refs}")
        lines.extend(f"{indent}  only if {c}" for c in step.conditions)
        lines.extend(f"{indent}  {note}" for note in time_notes(step.evidence, at, assumed))
    if e.through and through:
        shown = ", ".join(e.through[:SHOWN_BUCKETS])
        extra = len(e.through) - SHOWN_BUCKETS
        lines.append(f"{indent}acts on {e.through_kind}(s) running as role "
                     f"{short(e.target)}: {shown}"
                     + (f" … and {extra} more" if extra > 0 else ""))
    return lines


def _ways_detail(ways: Sequence[Escalation], cause: tuple[StatementRef, ...],
                 at: datetime | None, assumed: Mapping[str, str]) -> list[str]:
    """Several ways through one cause: each way's steps once, then each role it leads to."""
    methods: dict[str, Escalation] = {}
    for e in ways:
        methods.setdefault(method(e), e)
    targets: dict[str, list[Escalation]] = {}
    for e in ways:
        targets.setdefault(e.target, []).append(e)
    labels = ", ".join(r.label for r in cause)
    lines = [f"{len(methods)} way(s) to {len(targets)} {_noun(ways)}, all through {labels}:"]
    for name, e in list(methods.items())[:SHOWN_WAYS]:
        lines.append(f"way {name}:")
        lines.extend(_way_lines(e, at, assumed, "  ", through=False))
    if len(methods) > SHOWN_WAYS:
        lines.append(f"… and {len(methods) - SHOWN_WAYS} more way(s)")
    for target, found in list(targets.items())[:SHOWN_WAYS]:
        through = list(dict.fromkeys(i for e in found for i in e.through))
        on = ""
        if through:
            extra = len(through) - NAMED
            on = " by acting on " + ", ".join(through[:NAMED]) + (
                f" (+{extra} more)" if extra > 0 else "")
        lines.append(f"{found[0].target_kind} {short(target)}{on}: {found[0].gains_text}")
    if len(targets) > SHOWN_WAYS:
        lines.append(f"… and {len(targets) - SHOWN_WAYS} more {_noun(ways)}")
    return lines


def escalation_findings(ctx: FindingContext, paths: list[Escalation]) -> Iterator[Finding]:
    """One finding per (role, statements its paths stand on): every way listed, the strongest
    first, and everything they expose together."""
    grouped: dict[tuple[str, tuple[StatementRef, ...]], list[Escalation]] = {}
    for e in paths:
        grouped.setdefault((e.role, cause_of(e)), []).append(e)
    # A (role, kind) with one cause keeps the id it had when findings were per kind.
    per_kind: dict[tuple[str, str], int] = {}
    for (role_arn, _), ways in grouped.items():
        for kind in {e.kind for e in ways}:
            per_kind[(role_arn, kind)] = per_kind.get((role_arn, kind), 0) + 1
    at = ctx.graph.decided_at
    assumed = ctx.graph.assumed
    for (role_arn, cause), ways in sorted(grouped.items(), key=lambda kv: (
            kv[0][0], sorted({e.kind for e in kv[1]}), [r.label for r in kv[0][1]])):
        instances = ctx.acting_instances.get(role_arn, ())
        if not instances:
            continue
        ways.sort(key=lambda e: (e.kind, e.via))  # equal scores: in a stable order
        ways.sort(key=_score, reverse=True)
        best = ways[0]
        kinds = sorted({e.kind for e in ways})
        first = instances[0]
        more = f" (and {len(instances) - 1} more instance(s))" if len(instances) > 1 else ""
        gains = _union_gains(ways)
        detail = [f"as role {short(role_arn)}"]
        targets = list(dict.fromkeys(e.target for e in ways))
        one_kind = len(kinds) == 1
        if one_kind and len({method(e) for e in ways}) == 1:
            # One way (to one or more targets): its steps, then the other targets.
            detail.extend(_way_lines(best, at, assumed, ""))
            detail.extend(_gain_lines(best.gains if len(targets) == 1 else gains))
            if len(ways) > 1:
                others = ", ".join(short(t) for t in targets[1:6])
                extra = f" … and {len(targets) - 6} more" if len(targets) > 6 else ""
                detail.append(f"the same way also: {others}{extra}")
        else:
            detail.extend(_ways_detail(ways, cause, at, assumed))
            detail.extend(_gain_lines(gains))
        if one_kind and per_kind[(role_arn, kinds[0])] == 1:
            fid = finding_id("privilege-escalation", role_arn, kinds[0])
        else:
            fid = finding_id("privilege-escalation", role_arn, "+".join(kinds),
                             *(r.label for r in cause))
        steps = tuple(dict.fromkeys(s.action for e in ways for s in e.steps))
        gained_actions = sorted({a for acts in gains.values() for a in acts})
        yield Finding(
            fid, max((_severity(e) for e in ways), key=lambda s: s.rank),
            "privilege-escalation", _title(first, more, ways, gains), _fix(ctx, ways),
            instance=first.instance_id, role=role_arn,
            bucket=next(iter(gains)) if len(gains) == 1 else None,
            principal=best.target, actions=steps + tuple(gained_actions),
            evidence=unique_refs(r for e in ways for r in e.evidence), detail=tuple(detail),
            instances=tuple(i.instance_id for i in instances),
            path=_path(ctx, first, role_arn, best),
            view=("instance", first.instance_id))


def _path(ctx: FindingContext, inst: Instance, role_arn: str, e: Escalation
          ) -> tuple[PathStep, ...]:
    steps: list[PathStep] = []
    target = f"{e.target_kind}:{e.target}"
    profile = inst.instance_profile_arn or ""
    own = ctx.own_roles(profile)
    if role_arn in own:
        steps.extend(ctx.instance_path(inst, role_arn))
    else:
        steps.extend(ctx.instance_path(inst, own[0]) if own else [])
        steps.append(PathStep(f"role:{own[0]}" if own else f"instance:{inst.instance_id}",
                              f"role:{role_arn}", "can assume"))
    if e.through:  # the role acts on an instance (or compute) that runs as the target
        node = (f"instance:{e.through[0]}" if e.through_kind == "instance"
                else f"compute:{e.through[0]}")
        steps.append(PathStep(f"role:{role_arn}", node, method(e), e.evidence,
                              escalation=True))
        steps.append(PathStep(node, target, "runs as", escalation=True))
    else:
        steps.append(PathStep(f"role:{role_arn}", target, e.via, e.evidence,
                              escalation=e.kind != "assume"))
    if e.everything or e.target_admin:
        steps.append(PathStep(target, "everything", "could do",
                              escalation=e.kind != "assume"))
    for bucket, acts in sorted(e.gains.items())[:DRAWN]:
        steps.append(PathStep(target, f"bucket:{bucket}", f"could {verbs(acts)}",
                              escalation=e.kind != "assume"))
    if len(e.gains) > DRAWN:
        steps.append(more_step(target, len(e.gains) - DRAWN,
                               escalation=e.kind != "assume"))
    return tuple(steps)
