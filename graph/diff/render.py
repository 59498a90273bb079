"""A diff as JSON (one object per row), plain text and Markdown (rows that differ only by
action are shown once with their actions listed: a role gaining s3:Get* is one line, not
forty)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graph.diff.model import KINDS, ChangeRow, FindingChange, Side, SnapshotDiff
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
    }


def finding_json(f: FindingChange) -> dict[str, Any]:
    return {"id": f.id, "category": f.category, "severity": f.severity, "title": f.title}


def diff_json(diff: SnapshotDiff) -> dict[str, Any]:
    """The documented shape: old/new, gained/lost/changed rows, findings new/resolved."""
    return {
        "old": side_json(diff.old),
        "new": side_json(diff.new),
        "assumed": dict(diff.assumed),
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
    return (f"{len(diff.gained)} gained, {len(diff.lost)} lost, {len(diff.changed)} changed; "
            f"findings: {len(diff.new_findings)} new, {len(diff.resolved_findings)} resolved")


def diff_text(diff: SnapshotDiff) -> Iterator[str]:
    yield f"old  {diff.old.source}  account {diff.old.account}  {_taken(diff.old)}"
    yield f"new  {diff.new.source}  account {diff.new.account}  {_taken(diff.new)}"
    if diff.assumed:
        yield "assuming " + ", ".join(f"{k}={v}" for k, v in diff.assumed)
    yield summary_line(diff)
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
