"""A diff as JSON (one object per row), plain text and Markdown (rows that differ only by
action are shown once with their actions listed: a role gaining s3:Get* is one line, not
forty)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graph.diff.causes import row_rank
from graph.diff.model import KINDS, Cause, ChangeRow, FindingChange, Side, SnapshotDiff
from graph.text import markdown


def side_json(side: Side) -> dict[str, Any]:
    return {"source": side.source, "account": side.account,
            "taken_at": side.taken_at or None}


def row_json(row: ChangeRow) -> dict[str, Any]:
    return {
        "instance_id": row.instance_id or None,
        "instance_name": row.instance_name or None,
        "role": row.role or None,
        "principal": row.principal or None,
        "principal_kind": row.principal_kind or None,
        "bucket": row.bucket,
        "action": row.action,
        "before": row.before.value,
        "after": row.after.value,
        "granted_by": list(row.granted_by),
        "via": list(row.via),
        "change": row.change,
        "why": list(row.why),
        "causes": list(row.causes),
    }


def cause_json(cause: Cause) -> dict[str, Any]:
    """A cause: `rows` are [kind, index] pairs into the "gained", "lost", "changed" arrays."""
    return {
        "id": cause.id,
        "kind": cause.kind,
        "subject": cause.subject,
        "details": list(cause.fact.details),
        "summary": cause.summary,
        "public": cause.public,
        "other_account": cause.other_account,
        "rows": [[kind, index] for kind, index in cause.rows],
    }


def finding_json(f: FindingChange) -> dict[str, Any]:
    return {"id": f.id, "category": f.category, "severity": f.severity, "title": f.title}


def diff_json(diff: SnapshotDiff) -> dict[str, Any]:
    """The documented shape: old/new, causes (riskiest first), gained/lost/changed rows,
    findings new/resolved."""
    return {
        "old": side_json(diff.old),
        "new": side_json(diff.new),
        "assumed": dict(diff.assumed),
        "causes": [cause_json(c) for c in diff.causes],
        "gained": [row_json(r) for r in diff.gained],
        "lost": [row_json(r) for r in diff.lost],
        "changed": [row_json(r) for r in diff.changed],
        "findings": {
            "new": [finding_json(f) for f in diff.new_findings],
            "resolved": [finding_json(f) for f in diff.resolved_findings],
        },
    }


def grouped(rows: tuple[ChangeRow, ...]) -> Iterator[tuple[ChangeRow, list[str]]]:
    """Consecutive rows that differ only by action, as (first row, actions)."""
    key = None
    first: ChangeRow | None = None
    actions: list[str] = []
    for row in rows:
        k = (row.kind, row.instance_id, row.principal, row.bucket, row.before, row.after,
             row.change, row.granted_by, row.via, row.why)
        if k != key and first is not None:
            yield first, actions
            actions = []
        if k != key:
            key, first = k, row
        actions.append(row.action)
    if first is not None:
        yield first, actions


def _taken(side: Side) -> str:
    if not side.taken_at:
        return "taken: unknown (not recorded)"
    return f"taken {side.taken_at} ({side.taken_from})"


def _actions(actions: list[str]) -> str:
    if len(actions) <= 4:
        return ", ".join(actions)
    return f"{', '.join(actions[:3])} and {len(actions) - 3} more"


def _short(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def summary_line(diff: SnapshotDiff) -> str:
    effective = sum(1 for c in diff.causes if c.rows)
    causes = f"{len(diff.causes)} cause" + ("" if len(diff.causes) == 1 else "s")
    return (f"{causes} ({effective} changing access): "
            f"{len(diff.gained)} gained, {len(diff.lost)} lost, {len(diff.changed)} changed; "
            f"findings: {len(diff.new_findings)} new, {len(diff.resolved_findings)} resolved")


def cause_marks(cause: Cause) -> str:
    """PUBLIC / OTHER ACCOUNT words for a cause that gives them access now."""
    marks = [m for m, on in (("PUBLIC", cause.public), ("OTHER ACCOUNT", cause.other_account))
             if on]
    return " ".join(f"[{m}]" for m in marks)


def cause_buckets(diff: SnapshotDiff, cause: Cause, limit: int = 3) -> str:
    """The buckets a cause touches, riskiest first as its rows rank ("a, b, c and 4 more")."""
    ranks: dict[str, tuple[tuple[int, int, int], int]] = {}
    for kind, index in cause.rows:
        row = diff.row(kind, index)
        rank, count = ranks.get(row.bucket, ((9, 9, 9), 0))
        ranks[row.bucket] = (min(rank, row_rank(row)), count + 1)
    ordered = sorted(ranks, key=lambda b: (ranks[b][0], -ranks[b][1], b))
    shown = ", ".join(ordered[:limit])
    return shown + (f" and {len(ordered) - limit} more" if len(ordered) > limit else "")


def causes_text(diff: SnapshotDiff) -> Iterator[str]:
    """The causes block that leads the text output."""
    if not diff.causes:
        return
    yield ""
    yield f"CAUSES ({len(diff.causes)}, riskiest first)"
    for n, cause in enumerate(diff.causes, 1):
        marks = cause_marks(cause)
        yield f"  {n}. {marks + ' ' if marks else ''}{cause.subject}  [{cause.kind}]"
        for detail in cause.fact.details:
            yield f"       {detail}"
        yield f"       effect: {cause.summary}"
        if cause.rows:
            yield f"       buckets: {cause_buckets(diff, cause)}"


def diff_text(diff: SnapshotDiff) -> Iterator[str]:
    yield f"old  {diff.old.source}  account {diff.old.account}  {_taken(diff.old)}"
    yield f"new  {diff.new.source}  account {diff.new.account}  {_taken(diff.new)}"
    if diff.assumed:
        yield "assuming " + ", ".join(f"{k}={v}" for k, v in diff.assumed)
    yield summary_line(diff)
    yield from causes_text(diff)
    for kind in KINDS:
        rows: tuple[ChangeRow, ...] = getattr(diff, kind)
        if not rows:
            continue
        yield ""
        yield f"{kind.upper()} ({len(rows)})"
        for row, actions in grouped(rows):
            yield f"  {row.subject} → {row.bucket}: {_actions(actions)}  {row.change}"
            if row.granted_by:
                side = "before" if kind == "lost" else "now"
                yield f"      granted {side} by {'; '.join(row.granted_by)}"
            if len(row.via) > 1 or (row.via and row.instance_id):
                yield f"      via {' → '.join(map(_short, row.via))}"
            for reason in row.why:
                yield f"      why: {reason}"
            if not row.why:
                yield "      why: no fact along the path differs (see the deciding statements)"
    for title, found in (("NEW FINDINGS", diff.new_findings),
                         ("RESOLVED FINDINGS", diff.resolved_findings)):
        if found:
            yield ""
            yield title
            for f in found:
                yield f"  [{f.severity}] {f.title}  ({f.id})"


_cell = markdown


def diff_markdown(diff: SnapshotDiff) -> Iterator[str]:
    yield "# What changed"
    yield ""
    yield "| | Source | Account | Taken |"
    yield "|---|---|---|---|"
    for label, side in (("Old", diff.old), ("New", diff.new)):
        taken = f"{side.taken_at} ({side.taken_from})" if side.taken_at else "unknown"
        yield f"| {label} | {_cell(side.source)} | {_cell(side.account)} | {_cell(taken)} |"
    yield ""
    yield summary_line(diff) + "."
    if diff.causes:
        yield ""
        yield f"## Causes ({len(diff.causes)}, riskiest first)"
        yield ""
        yield "| # | Cause | Kind | Effect | Buckets |"
        yield "|---|---|---|---|---|"
        for n, cause in enumerate(diff.causes, 1):
            marks = cause_marks(cause)
            subject = "; ".join((cause.subject, *cause.fact.details))
            yield (f"| {n} | {'**' + marks + '** ' if marks else ''}{_cell(subject)} | "
                   f"{cause.kind} | {_cell(cause.summary)} | "
                   f"{_cell(cause_buckets(diff, cause)) if cause.rows else '-'} |")
    for kind in KINDS:
        rows: tuple[ChangeRow, ...] = getattr(diff, kind)
        if not rows:
            continue
        yield ""
        yield f"## {kind.capitalize()} ({len(rows)})"
        yield ""
        yield "| Who | Bucket | Actions | Change | Granted by | Via | Why |"
        yield "|---|---|---|---|---|---|---|"
        for row, actions in grouped(rows):
            yield (f"| {_cell(row.subject)} | {_cell(row.bucket)} | {_cell(', '.join(actions))} | "
                   f"{_cell(row.change)} | {_cell('; '.join(row.granted_by))} | "
                   f"{_cell(' → '.join(map(_short, row.via)))} | "
                   f"{_cell('; '.join(row.why) or 'no fact along the path differs')} |")
    for title, found in (("New findings", diff.new_findings),
                         ("Resolved findings", diff.resolved_findings)):
        if found:
            yield ""
            yield f"## {title}"
            yield ""
            for f in found:
                yield f"- **{f.severity}** {_cell(f.title)} (`{f.id}`)"
