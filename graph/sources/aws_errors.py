"""What a failed AWS call says, in one line: shared by every live reader."""

from __future__ import annotations

from botocore.exceptions import ClientError

#: Error codes of a region that is not enabled for the account (opt-in regions).
OPT_IN_CODES = frozenset({"OptInRequired", "AuthFailure", "UnrecognizedClientException"})


def describe_error(exc: Exception) -> tuple[str, str]:
    """(code, one-line message) of a botocore failure."""
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = str(err.get("Code", ""))
        message = str(err.get("Message") or code or exc)
        if code in OPT_IN_CODES:
            message = f"{message} (region not enabled for this account?)"
        return code, message
    return type(exc).__name__, str(exc)
