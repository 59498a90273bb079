"""The "what can it reach" part of the details card: a few lines, then `t` for the full view.

The card used to be a dead end (issue 14): it now says at a glance how far the resource
reaches, with the same risk marks the trace and who-can views show.
"""

from __future__ import annotations

from graph.access import AccessGraph, BucketAccess
from graph.glance import glance
from graph.model import AccountSnapshot
from graph.policy import Outcome
from graph.risk import Risk, actions_risks, bucket_risks, principal_risks

#: Buckets or principals listed by name before "and N more".
_LISTED = 8


def _marks(risks: list[Risk]) -> str:
    return "  " + " ".join(f"**[{r.value}]**" for r in risks) if risks else ""


def _meanings(risks: list[Risk]) -> str:
    return "; ".join(r.meaning for r in risks)  # in the order of the marks before them


def _counts(outcomes: list[Outcome]) -> str:
    shown = [f"{outcomes.count(o)} {o.value}" for o in
             (Outcome.ALLOWED, Outcome.CONDITIONAL, Outcome.UNKNOWN) if o in outcomes]
    return ", ".join(shown) or "all denied"


def _buckets(snapshot: AccountSnapshot, accesses: list[BucketAccess]) -> list[str]:
    per_bucket: dict[str, dict[str, Outcome]] = {}
    risks: dict[str, set[Risk]] = {}
    for access in accesses:
        answers = per_bucket.setdefault(access.bucket, {})
        for name, answer in access.actions.items():
            if answer.outcome is not Outcome.DENIED:
                answers[name] = answer.outcome
        risks.setdefault(access.bucket, set()).update(actions_risks(access.actions))
    reached = sorted(b for b, answers in per_bucket.items() if answers)
    lines = [f"Reaches **{len(reached)}** bucket(s)" + (":" if reached else ".")]
    for bucket in reached[:_LISTED]:
        record = snapshot.bucket_by_name.get(bucket)
        marks = sorted(risks[bucket] | set(bucket_risks(record, snapshot) if record else []),
                       key=lambda r: r.rank)
        outcomes = list(per_bucket[bucket].values())
        lines.append(f"- `{bucket}`: {_counts(outcomes)}{_marks(marks)}")
    if len(reached) > _LISTED:
        lines.append(f"- and {len(reached) - _LISTED} more")
    return lines


def reach_summary(graph: AccessGraph, kind: str, key: str) -> str:
    """Markdown for the details card of an instance, role (reach) or bucket (who can)."""
    snapshot = graph.snapshot
    if kind == "instances":
        marks = glance(graph).instance_marks(snapshot.instance_by_id[key])
        lines = _buckets(snapshot, graph.reachable_from_instance(key))
        if marks:
            lines.insert(0, f"Instance risk:{_marks(marks)} {_meanings(marks)}.\n")
        action = "`t` or Enter opens the trace."
    elif kind == "roles":
        role = snapshot.role_by_arn[key]
        marks = glance(graph).role_marks(role)
        lines = _buckets(snapshot, graph.reachable_from_role(key))
        if marks:
            lines.insert(0, f"Role risk:{_marks(marks)} {_meanings(marks)}.\n")
        action = "`t` or Enter opens the trace."
    else:
        bucket = snapshot.bucket_by_name[key]
        marks = bucket_risks(bucket, snapshot)
        kinds: dict[str, int] = {}
        flagged: set[Risk] = set(marks)
        for principal in graph.who_can(key):
            if any(a.outcome is not Outcome.DENIED for a in principal.actions.values()):
                kinds[principal.kind] = kinds.get(principal.kind, 0) + 1
                flagged.update(principal_risks(principal.kind))
                flagged.update(actions_risks(principal.actions))
        words = {"public": "the public", "instance": "instance(s)", "role": "role(s)",
                 "user": "IAM user(s)", "account": "other account(s)", "service": "service(s)"}
        found = [f"{n} {words.get(k, k)}" if k != "public" else "the public"
                 for k, n in kinds.items()]
        lines = [f"Reachable by: {', '.join(found) or 'nobody'}."
                 + _marks(sorted(flagged, key=lambda r: r.rank))]
        action = "`t` or Enter on the Buckets tab opens who-can."
    return "## Reach\n\n" + "\n".join(lines) + f"\n\n_{action}_\n"
