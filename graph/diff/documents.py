"""Which statements of a policy document differ between two snapshots, in words.

Statements are paired by Sid when a Sid is present on both sides, else by position; a
statement found unchanged anywhere in the other document is not reported (reordering a
policy changes no access). Changed statements name the elements that differ (Action,
Resource, Condition, ...), which is what a reviewer looks at first.
"""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from typing import Any

_S3_ARN = re.compile(r"^arn:[^:]*:s3:::(.*)$")
_VARIABLE = re.compile(r"\$\{[^}]*\}")


def statements(document: Any) -> list[Any]:
    """The Statement list of a document as AWS stores it (a single object counts as one)."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except (ValueError, RecursionError):  # nested past the parser's stack: not a policy
            return []
    if not isinstance(document, dict):
        return []
    found = document.get("Statement", [])
    return [found] if isinstance(found, dict) else list(found) if isinstance(found, list) else []


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _name(index: int, statement: Any) -> str:
    """Numbered from 1, as evidence labels number statements."""
    sid = statement.get("Sid") if isinstance(statement, dict) else None
    return f"statement {index + 1} ({sid})" if sid else f"statement {index + 1}"


def _elements(old: Any, new: Any) -> str:
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return ""
    keys = [k for k in dict.fromkeys([*old, *new]) if _text(old.get(k)) != _text(new.get(k))]
    return f" ({', '.join(keys)})" if keys else ""


def _resources(statement: Any) -> list[str] | None:
    """The statement's Resource patterns; None when it applies beyond them (NotResource, or
    a shape this cannot read)."""
    if not isinstance(statement, dict) or "NotResource" in statement:
        return None
    found = statement.get("Resource", [])
    found = [found] if isinstance(found, str) else found
    return found if isinstance(found, list) and all(isinstance(r, str) for r in found) else None


def concerns_bucket(statement: Any, bucket: str) -> bool:
    """Whether a statement's resources can match the bucket or its objects (wildcards and
    policy variables count as matching): a change elsewhere does not explain this bucket."""
    patterns = _resources(statement)
    if patterns is None:
        return True
    for pattern in patterns:
        pattern = _VARIABLE.sub("*", pattern)
        found = _S3_ARN.match(pattern)
        if found is not None:
            if fnmatchcase(bucket, found.group(1).split("/", 1)[0]):
                return True
        elif fnmatchcase(f"arn:aws:s3:::{bucket}", pattern) or fnmatchcase(
                f"arn:aws:s3:::{bucket}/x", pattern):
            return True
    return False


def statement_changes(old_doc: Any, new_doc: Any, bucket: str | None = None) -> list[str]:
    """["statement 2 (ReadData) added", "statement 0 changed (Resource)", ...]; [] if equal.

    With `bucket`, only statements that can concern that bucket (before or after)."""
    old, new = statements(old_doc), statements(new_doc)
    old_texts = [_text(s) for s in old]
    new_texts = [_text(s) for s in new]
    if old_texts == new_texts:
        if _text(old_doc) != _text(new_doc):
            return ["document changed outside its statements (e.g. Version)"]
        return []
    unmatched_old = {i for i, t in enumerate(old_texts) if t not in new_texts}
    out = _changes(old, new, old_texts, new_texts, unmatched_old)
    if bucket is None:
        return [text for text, _ in out]
    return [text for text, stmts in out if any(concerns_bucket(s, bucket) for s in stmts)]


def _changes(old: list[Any], new: list[Any], old_texts: list[str], new_texts: list[str],
             unmatched_old: set[int]) -> list[tuple[str, tuple[Any, ...]]]:
    sids_old = {s.get("Sid"): i for i, s in enumerate(old)
                if isinstance(s, dict) and s.get("Sid") and i in unmatched_old}
    out: list[tuple[str, tuple[Any, ...]]] = []
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
            out.append((f"{_name(i, stmt)} changed{_elements(old[pair], stmt)}",
                        (old[pair], stmt)))
        else:
            out.append((f"{_name(i, stmt)} added", (stmt,)))
    for i in sorted(unmatched_old):
        out.append((f"{_name(i, old[i])} removed", (old[i],)))
    return out
