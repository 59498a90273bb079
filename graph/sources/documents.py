"""Policy documents as they arrive from AWS: dicts, JSON strings or URL-encoded JSON strings.

IAM's query API returns documents URL-encoded; boto3 decodes them, the AWS CLI prints them as
JSON objects, moto sometimes hands back the stored string, and S3's GetBucketPolicy always
returns a JSON string. One decoder here turns all of them into the dict the engine parses.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from graph.errors import SourceError
from graph.safe_files import MAX_DEPTH, too_deep


class DocumentDecodeError(SourceError):
    """A policy document that is not valid JSON; names where it was found."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: policy document is not valid JSON ({message})")


def decode_document(value: Any, where: str) -> Any:
    """Return the document as a JSON value; raise DocumentDecodeError naming `where` if it isn't.

    A string is tried as JSON first, then URL-decoded (IAM's wire form), because a valid JSON
    document can contain '%' and must not be unquoted blindly.
    """
    document = _parse(value, where)
    deep = too_deep(document)
    if deep is not None:
        # Nothing in the policy grammar nests this deep; deeper still would exhaust the stack
        # of whatever shows or saves it.
        raise DocumentDecodeError(where, f"nested deeper than {MAX_DEPTH} levels at {deep}")
    return document


def _parse(value: Any, where: str) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except RecursionError:
        raise DocumentDecodeError(where, f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:
        if not isinstance(exc, json.JSONDecodeError):
            raise DocumentDecodeError(where, str(exc).split(";")[0]) from None
        first = exc
        if "%" in value:
            try:
                return json.loads(unquote(value))
            except (ValueError, RecursionError):
                pass
        message = f"{first.msg} at line {first.lineno} column {first.colno}"
        raise DocumentDecodeError(where, message) from None
