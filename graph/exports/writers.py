"""Writing effective-permission rows as JSON, CSV or Markdown, one row at a time.

Rows come from a generator and go straight to the file, so an export of millions of rows
never sits in memory. Lists (actions, conditions, via...) are JSON arrays in JSON, joined
with "; " in CSV and Markdown.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

from graph.exports.rows import Block, Group, Head, columns, group_fields
from graph.model import AccountSnapshot
from graph.model_users import USER_GATES_NOTE, is_user
from graph.text import markdown

LIST_SEPARATOR = "; "


def _flat(value: Any) -> str:
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return "" if value is None else str(value)


class _Encoder:
    """Encodes the shared parts of rows once and joins them per row."""

    def __init__(self, cell: Callable[[str, Any], str], sep: str, per_action: bool) -> None:
        self.cell = cell
        self.sep = sep
        self.per_action = per_action
        #: The last head encoded: a head's blocks come one after another.
        self._head: tuple[Head, str] | None = None
        self._groups: dict[Group, str] = {}
        self._vias: dict[tuple[str, ...], str] = {}

    def _join(self, fields: Iterable[tuple[str, Any]]) -> str:
        return self.sep.join(self.cell(k, v) for k, v in fields)

    def head(self, head: Head) -> str:
        last = self._head
        if last is None or last[0] != head:
            last = self._head = (head, self._join(head.fields))
        return last[1]

    def group(self, group: Group) -> str:
        text = self._groups.get(group)
        if text is None:
            text = self._groups[group] = self._join(group_fields(group, self.per_action))
        return text

    def via(self, via: tuple[str, ...]) -> str:
        v = self._vias.get(via)
        if v is None:
            v = self._vias[via] = self.cell("via", list(via))
        return v


#: Characters (or bytes) of joined rows collected before one write. Kept small on purpose:
#: strings of megabytes are fresh memory mappings whose page faults cost more than the
#: copying itself.
WRITE_SIZE = 1 << 18
#: Rows per join (a chunk of a few hundred kilobytes at most, for the same reason).
_ROWS_PER_JOIN = 128


def write_rows(out: TextIO, pieces: Iterable[tuple[str, int]], sep: str = "",
               lead: str = "") -> int:
    """Write pieces (each: rows already joined by `sep`, and how many) in moderate writes."""
    buf: list[str] = []
    pending = 0
    count = 0
    first = True
    for text, rows in pieces:
        buf.append(text)
        pending += len(text)
        count += rows
        if pending >= WRITE_SIZE:
            out.write(lead if first else sep)
            out.write(sep.join(buf) if len(buf) > 1 else buf[0])
            first = False
            buf.clear()
            pending = 0
    if buf:
        out.write(lead if first else sep)
        out.write(sep.join(buf))
    return count


def _row_pieces(parts: Iterable[Block], lead: Callable[[Head], str],
                tail: Callable[[Group, tuple[str, ...]], str], sep: str
                ) -> Iterator[tuple[str, int]]:
    """Rows as `lead(head) + bucket + tail(group, via)`, joined by `sep`: per group, one
    C-level join per `_ROWS_PER_JOIN` bucket names. Yields (text, how many rows)."""
    step = _ROWS_PER_JOIN
    for head, names, groups, via in parts:
        if not names:
            continue
        pre = lead(head)
        for g in groups:
            post = tail(g, via)
            glue = post + sep + pre
            for i in range(0, len(names), step):
                chunk = names[i:i + step]
                yield pre + glue.join(chunk) + post, len(chunk)


def _json_cell(key: str, value: Any) -> str:
    return f"{json.dumps(key)}: {json.dumps(value)}"


#: Rows rendered as text: (text of one or more rows joined by the format's separator, how
#: many rows), in order.
RowTexts = Iterator[tuple[str, int]]
#: Turns blocks into row texts; one renderer encodes each shared part once across calls.
Renderer = Callable[[Iterable[Block]], RowTexts]
#: Writes an export's rows to `out`: (out, separator, lead before the first row) -> rows
#: written (`write_rows` over a renderer's texts, or shards.py's processes).
RowsWriter = Callable[[TextIO, str, str], int]

#: Between JSON rows, and before the first.
JSON_SEP = ",\n  "
JSON_LEAD = "\n  "


def json_renderer(mode: str) -> Renderer:
    """JSON objects, one per row (joined by JSON_SEP)."""
    enc = _Encoder(_json_cell, ", ", mode == "per-action")
    # S3 bucket names need no JSON escaping (lowercase letters, digits, dots, hyphens).
    return lambda parts: _row_pieces(
        parts, lambda head: "{" + enc.head(head) + ', "bucket": "',
        lambda g, via: f'", {enc.group(g)}, {enc.via(via)}}}', JSON_SEP)


def write_json(out: TextIO, snapshot: AccountSnapshot, mode: str, rows: RowsWriter,
               warnings: Iterable[object], assumed: Mapping[str, str] | None = None,
               extra: dict[str, Any] | None = None,
               tail: Callable[[], dict[str, Any]] | None = None) -> int:
    """`{"account", "generated_at", "assumed_context", "warnings", [extra keys,]
    "permissions": [...], [tail keys]}`, streamed (`rows` renders with `json_renderer`);
    `assumed_context` is the request context the answers were decided under ({} when none).
    `tail` is asked once the rows are written (what needs the whole account decided)."""
    head = {
        "account": snapshot.account_id,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": snapshot.source.kind,
        "assumed_context": dict(assumed or {}),
        "warnings": [str(w) for w in warnings],
        **(extra or {}),
    }
    text = json.dumps(head, indent=1)
    out.write(text[:-2] + ',\n "permissions": [')
    count = rows(out, JSON_SEP, JSON_LEAD)
    out.write("\n ]")
    for key, value in (tail() if tail is not None else {}).items():
        out.write(f",\n {json.dumps(key)}: " + json.dumps(value, indent=1).replace("\n", "\n "))
    out.write("\n}\n")
    return count


def _csv_cell(key: str, value: Any) -> str:
    text = _flat(value)
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_renderer(mode: str, assumed: Mapping[str, str] | None = None) -> Renderer:
    """CSV rows, each ending in CRLF (so joined by ""). The last column, `assumed_context`,
    holds the request context every row was decided under, as a JSON object ({} when
    none): a row read on its own still says what it assumed."""
    enc = _Encoder(_csv_cell, ",", mode == "per-action")
    context = _csv_cell("assumed_context", json.dumps(dict(assumed or {}), sort_keys=True))
    # S3 bucket names are lowercase letters, digits, dots and hyphens: never quoted.
    return lambda parts: _row_pieces(
        parts, lambda head: enc.head(head) + ",",
        lambda g, via: f",{enc.group(g)},{enc.via(via)},{context}\r\n", "")


def write_csv(out: TextIO, mode: str, rows: RowsWriter) -> int:
    """CSV with a header row (`rows` renders with `csv_renderer`); lists joined with "; "
    (RFC 4180 quoting)."""
    out.write(",".join([*columns(mode), "assumed_context"]) + "\r\n")
    return rows(out, "", "")


def _md(value: Any) -> str:
    """A Markdown cell: a document people read (and `cat`), so control characters escaped."""
    return markdown(_flat(value))


def source_words(kind: str, label: str) -> str:
    """"demo account (moto)", "snapshot acct.json": the kind once, not "demo demo account"."""
    if not label:
        return kind
    return label if kind.lower() in label.lower() else f"{kind} {label}"


def write_markdown(out: TextIO, snapshot: AccountSnapshot, mode: str,
                   rows: Iterable[dict[str, Any]], warnings: Iterable[object],
                   assumed: Mapping[str, str] | None = None,
                   preface: Callable[[TextIO], object] | None = None) -> int:
    """A review document: one section per instance (per role with by-role), one table each;
    `preface` writes what comes first (the findings summary)."""
    by_role = mode == "by-role"
    out.write(f"# Effective S3 permissions — account {snapshot.account_id}\n\n")
    out.write(f"Generated {datetime.now(UTC).isoformat(timespec='seconds')} from "
              f"{source_words(snapshot.source.kind, snapshot.source.label)}.\n\n")
    context = ", ".join(f"`{_md(k)}={_md(v)}`" for k, v in sorted((assumed or {}).items()))
    out.write(f"Assumed request context: {context}.\n\n" if context else
              "Assumed request context: none (conditional answers list their conditions)."
              "\n\n")
    if preface is not None:
        preface(out)
    warn = [str(w) for w in warnings]
    if warn:
        out.write("## Warnings\n\n" + "".join(f"- {_md(w)}\n" for w in warn) + "\n")
    what = "actions" if mode != "per-action" else "action"
    table_cols = ["bucket", *(() if by_role else ("network",)), "access_level", "outcome",
                  what, "conditions", "granted_by", "prefixes", "unknown_because", "via"]
    head = "| " + " | ".join(c.replace("_", " ") for c in table_cols) + " |\n"
    rule = "|" + "---|" * len(table_cols) + "\n"
    current: tuple[str, ...] | None = None
    count = 0
    for row in rows:
        key = (row["role"],) if by_role else (row["instance_id"], row["role"])
        if key != current:
            current = key
            if by_role and is_user(row["role"]):
                out.write(f"\n## IAM user {_md(row['role_name'])}\n\n`{_md(row['role'])}` — "
                          f"{_md(USER_GATES_NOTE)}\n\n")
            elif by_role:
                out.write(f"\n## Role {_md(row['role_name'])}\n\n`{_md(row['role'])}` — instances: "
                          f"{_md(row['instances']) or 'none'}\n\n")
            else:
                name = f"{row['instance_name']} ({row['instance_id']})" if row[
                    "instance_name"] else row["instance_id"]
                out.write(f"\n## {_md(name)} via {_md(row['role'].rsplit('/', 1)[-1])}\n\n"
                          f"{_md(row['region'])}, {_md(row['state'])}, instance profile "
                          f"`{_md(row['instance_profile'])}`, role `{_md(row['role'])}`\n\n")
            out.write(head + rule)
        out.write("| " + " | ".join(_md(row.get(c)) for c in table_cols) + " |\n")
        count += 1
    if count == 0:
        out.write("No permissions match.\n")
    return count
