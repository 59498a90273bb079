"""Writing effective-permission rows as JSON, CSV or Markdown, one row at a time.

Rows come from a generator and go straight to the file, so an export of millions of rows
never sits in memory. Lists (actions, conditions, via...) are JSON arrays in JSON, joined
with "; " in CSV and Markdown.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

from graph.exports.rows import columns
from graph.model import AccountSnapshot

LIST_SEPARATOR = "; "


def _flat(value: Any) -> str:
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return "" if value is None else str(value)


def write_json(out: TextIO, snapshot: AccountSnapshot, rows: Iterable[dict[str, Any]],
               warnings: Iterable[object]) -> int:
    """`{"account", "generated_at", "warnings", "permissions": [...]}`, streamed."""
    head = {
        "account": snapshot.account_id,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": snapshot.source.kind,
        "warnings": [str(w) for w in warnings],
    }
    text = json.dumps(head, indent=1)
    out.write(text[:-2] + ',\n "permissions": [')
    count = 0
    for row in rows:
        out.write(("\n  " if count == 0 else ",\n  ") + json.dumps(row))
        count += 1
    out.write("\n ]\n}\n")
    return count


def write_csv(out: TextIO, mode: str, rows: Iterable[dict[str, Any]]) -> int:
    cols = columns(mode)
    writer = csv.writer(out)
    writer.writerow(cols)
    count = 0
    for row in rows:
        writer.writerow([_flat(row.get(c)) for c in cols])
        count += 1
    return count


def _md(value: Any) -> str:
    return _flat(value).replace("|", "\\|").replace("\n", " ")


def write_markdown(out: TextIO, snapshot: AccountSnapshot, mode: str,
                   rows: Iterable[dict[str, Any]], warnings: Iterable[object]) -> int:
    """A review document: one section per instance (per role with by-role), one table each."""
    by_role = mode == "by-role"
    out.write(f"# Effective S3 permissions — account {snapshot.account_id}\n\n")
    out.write(f"Generated {datetime.now(UTC).isoformat(timespec='seconds')} from "
              f"{snapshot.source.kind} {snapshot.source.label}".rstrip() + ".\n\n")
    warn = [str(w) for w in warnings]
    if warn:
        out.write("## Warnings\n\n" + "".join(f"- {_md(w)}\n" for w in warn) + "\n")
    what = "actions" if mode != "per-action" else "action"
    table_cols = ["bucket", "access_level", "outcome", what, "conditions", "granted_by",
                  "prefixes", "via"]
    head = "| " + " | ".join(c.replace("_", " ") for c in table_cols) + " |\n"
    rule = "|" + "---|" * len(table_cols) + "\n"
    current: tuple[str, ...] | None = None
    count = 0
    for row in rows:
        key = (row["role"],) if by_role else (row["instance_id"], row["role"])
        if key != current:
            current = key
            if by_role:
                out.write(f"\n## Role {row['role_name']}\n\n`{row['role']}` — instances: "
                          f"{_md(row['instances']) or 'none'}\n\n")
            else:
                name = f"{row['instance_name']} ({row['instance_id']})" if row[
                    "instance_name"] else row["instance_id"]
                out.write(f"\n## {_md(name)} via {row['role'].rsplit('/', 1)[-1]}\n\n"
                          f"{row['region']}, {row['state']}, instance profile "
                          f"`{row['instance_profile']}`, role `{row['role']}`\n\n")
            out.write(head + rule)
        out.write("| " + " | ".join(_md(row.get(c)) for c in table_cols) + " |\n")
        count += 1
    if count == 0:
        out.write("No permissions match.\n")
    return count
