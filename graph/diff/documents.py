"""Which statements of a policy document differ between two snapshots, in words.

A statement is identified by its content and Sid, not its position: one found unchanged
anywhere in the other document is not reported (inserting or reordering statements changes
nothing else); an edited one is paired by its Sid, else by its place among the statements
around it that did not change. Changed statements name the elements that differ (Action,
Resource, Condition, ...), which is what a reviewer looks at first.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass
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


def statement_text(statement: Any) -> str:
    """A statement's canonical text: equal texts, equal statements (evidence compares so)."""
    return json.dumps(statement, sort_keys=True, default=str)


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


@dataclass(frozen=True)
class StatementChange:
    """One statement added, changed or removed, with the key that identifies it."""

    change: str
    #: "statement 2 (List) added", "statement 1 changed (Resource)" (numbered in its document).
    label: str
    #: Its Sid, or a digest of its content when it has none: never its position.
    key: str
    #: The statement (added, removed) or both sides of it (changed).
    statements: tuple[Any, ...]

    def concerns(self, bucket: str | None) -> bool:
        return bucket is None or any(concerns_bucket(s, bucket) for s in self.statements)


def digest(statement: Any) -> str:
    """A short name for a statement's content (the same content, the same name)."""
    return hashlib.sha256(_text(statement).encode()).hexdigest()[:12]


def _key(*statements: Any) -> str:
    sid = statements[-1].get("Sid") if isinstance(statements[-1], dict) else None
    return str(sid) if sid else ">".join(digest(s) for s in statements)


def document_changes(old_doc: Any, new_doc: Any) -> list[StatementChange]:
    """Every statement that differs; a statement found unchanged anywhere in the other
    document is not reported, so inserting or reordering statements changes nothing else."""
    old, new = statements(old_doc), statements(new_doc)
    old_texts = [_text(s) for s in old]
    new_texts = [_text(s) for s in new]
    if old_texts == new_texts:
        if _text(old_doc) != _text(new_doc):
            return [StatementChange("document", "document changed outside its statements "
                                    "(e.g. Version)", "document", ())]
        return []
    unmatched_old = {i for i, t in enumerate(old_texts) if t not in new_texts}
    return _changes(old, new, old_texts, new_texts, unmatched_old)


def statement_changes(old_doc: Any, new_doc: Any, bucket: str | None = None) -> list[str]:
    """["statement 2 (ReadData) added", "statement 1 changed (Resource)", ...]; [] if equal.

    With `bucket`, only statements that can concern that bucket (before or after)."""
    return [c.label for c in document_changes(old_doc, new_doc)
            if c.change == "document" or c.concerns(bucket)]


def _sid(statement: Any) -> str:
    return str(statement.get("Sid") or "") if isinstance(statement, dict) else ""


def _pairs(old_texts: list[str], new_texts: list[str], old: list[Any], new: list[Any],
           unmatched_old: set[int], unmatched_new: set[int]) -> dict[int, int]:
    """new index -> old index of statements edited in place: the same Sid, else (neither
    side naming another Sid) the same place among the statements around them that did
    not change (an alignment of the two lists, so an insertion moves nothing)."""
    out: dict[int, int] = {}
    by_sid = {_sid(old[i]): i for i in unmatched_old if _sid(old[i])}
    for j in sorted(unmatched_new):
        i = by_sid.get(_sid(new[j])) if _sid(new[j]) else None
        if i is not None:
            out[j] = i
    taken = set(out.values())
    matcher = difflib.SequenceMatcher(a=old_texts, b=new_texts, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "replace":
            continue
        olds = [i for i in range(i1, i2) if i in unmatched_old and i not in taken]
        news = [j for j in range(j1, j2) if j in unmatched_new and j not in out]
        for i, j in zip(olds, news, strict=False):
            if not _sid(old[i]) or _sid(old[i]) == _sid(new[j]):
                out[j] = i
                taken.add(i)
    return out


def _changes(old: list[Any], new: list[Any], old_texts: list[str], new_texts: list[str],
             unmatched_old: set[int]) -> list[StatementChange]:
    unmatched_new = {j for j, t in enumerate(new_texts) if t not in old_texts}
    pairs = _pairs(old_texts, new_texts, old, new, unmatched_old, unmatched_new)
    out: list[StatementChange] = []
    for j in sorted(unmatched_new):
        stmt = new[j]
        i = pairs.get(j)
        if i is not None:
            unmatched_old.discard(i)
            out.append(StatementChange(
                "changed", f"{_name(j, stmt)} changed{_elements(old[i], stmt)}",
                _sid(stmt) or _key(old[i], stmt), (old[i], stmt)))
        else:
            out.append(StatementChange("added", f"{_name(j, stmt)} added", _key(stmt), (stmt,)))
    for i in sorted(unmatched_old):
        out.append(StatementChange("removed", f"{_name(i, old[i])} removed", _key(old[i]),
                                   (old[i],)))
    return out
