"""Which statements of a policy document differ between two snapshots, in words.

Statements are paired by Sid when a Sid is present on both sides, else by position; a
statement found unchanged anywhere in the other document is not reported (reordering a
policy changes no access). Changed statements name the elements that differ (Action,
Resource, Condition, ...), which is what a reviewer looks at first.
"""

from __future__ import annotations

import json
from typing import Any


def statements(document: Any) -> list[Any]:
    """The Statement list of a document as AWS stores it (a single object counts as one)."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return []
    if not isinstance(document, dict):
        return []
    found = document.get("Statement", [])
    return [found] if isinstance(found, dict) else list(found) if isinstance(found, list) else []


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _name(index: int, statement: Any) -> str:
    sid = statement.get("Sid") if isinstance(statement, dict) else None
    return f"statement {index} ({sid})" if sid else f"statement {index}"


def _elements(old: Any, new: Any) -> str:
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return ""
    keys = [k for k in dict.fromkeys([*old, *new]) if _text(old.get(k)) != _text(new.get(k))]
    return f" ({', '.join(keys)})" if keys else ""


def statement_changes(old_doc: Any, new_doc: Any) -> list[str]:
    """["statement 2 (ReadData) added", "statement 0 changed (Resource)", ...]; [] if equal."""
    old, new = statements(old_doc), statements(new_doc)
    old_texts = [_text(s) for s in old]
    new_texts = [_text(s) for s in new]
    if old_texts == new_texts:
        if _text(old_doc) != _text(new_doc):
            return ["document changed outside its statements (e.g. Version)"]
        return []
    unmatched_old = {i for i, t in enumerate(old_texts) if t not in new_texts}
    sids_old = {s.get("Sid"): i for i, s in enumerate(old)
                if isinstance(s, dict) and s.get("Sid") and i in unmatched_old}
    out: list[str] = []
    for i, text in enumerate(new_texts):
        if text in old_texts:
            continue
        stmt = new[i]
        sid = stmt.get("Sid") if isinstance(stmt, dict) else None
        pair = sids_old.get(sid) if sid else None
        if pair is None and i in unmatched_old and not (
                isinstance(old[i], dict) and old[i].get("Sid") and old[i].get("Sid") != sid):
            pair = i
        if pair is not None and pair in unmatched_old:
            unmatched_old.discard(pair)
            out.append(f"{_name(i, stmt)} changed{_elements(old[pair], stmt)}")
        else:
            out.append(f"{_name(i, stmt)} added")
    for i in sorted(unmatched_old):
        out.append(f"{_name(i, old[i])} removed")
    return out
