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
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as first:
        if "%" in value:
            try:
                return json.loads(unquote(value))
            except json.JSONDecodeError:
                pass
        message = f"{first.msg} at line {first.lineno} column {first.colno}"
        raise DocumentDecodeError(where, message) from None
