"""AWS's size limits on policy documents, and the mark a refused document leaves behind.

AWS never stores a policy larger than its quota, so a larger one did not come from a real
account: it is a crafted or corrupted file, and deciding it statement by statement could take
minutes (a 100,000-statement document). The sources refuse such a document where it enters and
put `refused(...)` in its place; the parser turns the mark into a PolicyParseError, so every
consumer reads the policy as unreadable and its answers as unknown, never as "no grants".

Limits (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html and
https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-iam-policies.html):
- a role's inline policies together: 10,240 characters; a managed policy: 6,144 characters;
  a role trust policy: 2,048 by default, adjustable up to 8,192 (the maximum is used, so an
  account with a raised quota is never refused). IAM does not count white space.
- AWS managed policies are AWS's own and have no published limit (in 2026 84 of them are over
  6,144 characters, the largest about 152,000): they are held to `AWS_MANAGED_LIMIT`, several
  times the largest, so a crafted "AWS managed" policy cannot take minutes either.
- a bucket policy: 20 KB. Counted the same way (white space left out): a generous reading,
  since the point is to refuse what AWS could not hold, not to second-guess what it did.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

ROLE_INLINE_LIMIT = 10_240
MANAGED_LIMIT = 6_144
TRUST_LIMIT = 8_192
BUCKET_POLICY_LIMIT = 20 * 1024
AWS_MANAGED_LIMIT = 1024 * 1024

#: The key of a refused document's stand-in (not a policy element: it can never parse).
REFUSED_KEY = "rolemap:refused"
_WHITE = str.maketrans("", "", " \t\n\r")


def document_size(document: Any) -> int:
    """Characters of the document as AWS counts them: its JSON text without white space.

    A document held as a string (IAM's wire form, a snapshot written by hand) is counted as
    the JSON text it is (URL-decoded first), before any parsing: a string nested 100,000
    levels deep is measured, not parsed. A dict is counted in its compact JSON form, which is
    never longer than the text AWS was given.
    """
    if isinstance(document, bytes):
        document = document.decode("utf-8", errors="replace")
    if isinstance(document, str):
        if "%" in document and not document.lstrip().startswith(("{", "[", '"')):
            document = unquote(document)  # IAM's URL-encoded wire form: count the JSON
    else:
        try:
            document = json.dumps(document, separators=(",", ":"), ensure_ascii=False,
                                  check_circular=False)
        except (TypeError, ValueError, RecursionError):
            return 0  # not JSON at all: the parser reports it
    return len(document.translate(_WHITE))


def refused(message: str) -> dict[str, str]:
    """What stands in for a refused document in the model (and in a saved snapshot)."""
    return {REFUSED_KEY: message}


def refusal(document: Any) -> str | None:
    """Why the document was refused, or None when it is not a refusal's stand-in."""
    if isinstance(document, dict) and len(document) == 1 and REFUSED_KEY in document:
        return str(document[REFUSED_KEY])
    return None


def over_limit(what: str, size: int, limit: int) -> str:
    """The refusal message: names the policy, its size and AWS's limit."""
    return (f"{what}: {size:,} characters, over AWS's limit of {limit:,} (not a policy AWS "
            "could hold): not analysed, the answers it touches are unknown")
