"""The Changes tab (`rolemap --snapshot NEW --compare OLD`) in words: rows, causes, marks.

The tab is a tree of causes (tui.screens.changes_tree); its leaves are rows, one (subject,
bucket, action) whose answer differs from the old snapshot. Enter on a row opens the trace
of its instance (or who-can of the bucket, for the public, another account or a service) on
the new snapshot, with the changed action selected and marked (`mark_of`); `d` shows a row
or a cause in full (`change_text`, `cause_text`).
"""

from __future__ import annotations

from rich.text import Text

from graph.diff import Cause, ChangeRow, SnapshotDiff
from graph.diff.model import ACCOUNT, PUBLIC
from graph.diff.render import cause_buckets, cause_marks
from tui.widgets.change_mark import ChangeMark


def mark_of(row: ChangeRow) -> ChangeMark:
    node = row.bucket if row.instance_id else principal_id(row)
    return ChangeMark(node, row.action,
                      f"◀ {row.kind}: {row.before.value} → {row.after.value}")


def principal_id(row: ChangeRow) -> str:
    """The id who-can gives the row's principal (an account's ARN names its account)."""
    if row.principal_kind == PUBLIC:
        return "public"
    if row.principal_kind == ACCOUNT:
        parts = row.principal.split(":")
        return parts[4] if row.principal.startswith("arn:") and len(parts) > 4 and parts[4] \
            else row.principal
    return row.principal


def change_text(row: ChangeRow) -> Text:
    """A change in words: what, who, how, by which statements, and every differing fact."""
    text = Text()
    text.append(f"{row.kind}: {row.subject} → {row.bucket}  {row.action}\n", style="bold")
    text.append(f"{row.before.value} → {row.after.value}")
    if row.change and row.kind == "changed":
        text.append(f"  ({row.change})")
    text.append("\n\n")
    side = "before" if row.kind == "lost" else "now"
    text.append(f"Granted {side} by\n", style="bold")
    for label in row.granted_by or ("-",):
        text.append(f"• {label}\n")
    if row.via:
        text.append(f"via {' → '.join(r.rsplit('/', 1)[-1] for r in row.via)}\n")
    text.append("\nWhy: what differs along the path\n", style="bold")
    for reason in row.why or ("no fact along the path differs",):
        text.append(f"• {reason}\n")
    text.append("\nEnter (in the Changes tab) opens it in the new snapshot, marked.",
                style="dim")
    return text


def cause_text(diff: SnapshotDiff, cause: Cause) -> Text:
    """A cause in words: what changed, what it did, and the buckets it touched."""
    text = Text()
    marks = cause_marks(cause)
    text.append(f"{marks + ' ' if marks else ''}{cause.subject}\n", style="bold")
    text.append(f"{cause.kind}  ({cause.id})\n", style="dim")
    for detail in cause.fact.details:
        text.append(f"• {detail}\n")
    text.append("\nEffect\n", style="bold")
    text.append(f"{cause.summary}\n")
    if cause.rows:
        text.append("\nBuckets\n", style="bold")
        text.append(f"{cause_buckets(diff, cause, limit=20)}\n")
    text.append("\nOpen the cause (Enter) for its buckets, instances and actions.", style="dim")
    return text
