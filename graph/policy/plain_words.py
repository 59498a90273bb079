"""Conditions in plain words, with the raw form beside them.

A reviewer reads "only over TLS — aws:SecureTransport must be true" faster than
`NOT Bool aws:SecureTransport [false]`, but must still be able to check it against the policy:
every rendering keeps the operator, key and values as written. One module, so the command
line, the exports and the app (graph/ and tui/) say it the same way.
"""

from __future__ import annotations

#: Keys with a well-known meaning: (what must hold, in words, when the key is true / false).
_BOOL_WORDS = {
    "aws:securetransport": ("only over TLS", "only without TLS"),
    "aws:multifactorauthpresent": ("only with MFA", "only without MFA"),
    "aws:viaawsservice": ("only through an AWS service", "only not through an AWS service"),
}
#: What a key names, for the generic sentence ("the VPC endpoint must be vpce-1").
_KEY_WORDS = {
    "aws:sourcevpce": "the VPC endpoint",
    "aws:sourcevpc": "the source VPC",
    "aws:sourceip": "the caller's IP address",
    "aws:principalorgid": "the caller's organization",
    "aws:principalarn": "the caller's ARN",
    "aws:principalaccount": "the caller's account",
    "aws:sourceaccount": "the source account",
    "aws:sourcearn": "the source ARN",
    "aws:currenttime": "the time of the request",
    "aws:requestedregion": "the region",
    "s3:prefix": "the listed key prefix",
    "s3:x-amz-acl": "the canned ACL",
    "s3:x-amz-server-side-encryption": "the server-side encryption",
    "ec2:sourceinstancearn": "the calling instance",
    "aws:ec2instancesourcevpc": "the calling instance's VPC",
}
#: Operator family (prefix, without Not/IfExists) -> (positive verb, negated verb).
_VERBS = [
    ("StringEqualsIgnoreCase", "must be (ignoring case)", "must not be (ignoring case)"),
    ("StringEquals", "must be", "must not be"),
    ("StringLike", "must match", "must not match"),
    ("NumericEquals", "must equal", "must not equal"),
    ("NumericLessThanEquals", "must be at most", "must be more than"),
    ("NumericLessThan", "must be less than", "must be at least"),
    ("NumericGreaterThanEquals", "must be at least", "must be less than"),
    ("NumericGreaterThan", "must be more than", "must be at most"),
    ("DateEquals", "must be", "must not be"),
    ("DateLessThanEquals", "must be at or before", "must be after"),
    ("DateLessThan", "must be before", "must be at or after"),
    ("DateGreaterThanEquals", "must be at or after", "must be before"),
    ("DateGreaterThan", "must be after", "must be at or before"),
    ("BinaryEquals", "must be", "must not be"),
    ("IpAddress", "must be in", "must not be in"),
    ("ArnEquals", "must be", "must not be"),
    ("ArnLike", "must match", "must not match"),
]
_NEGATED = {"StringNotEquals": "StringEquals", "StringNotEqualsIgnoreCase":
            "StringEqualsIgnoreCase", "StringNotLike": "StringLike", "NumericNotEquals":
            "NumericEquals", "DateNotEquals": "DateEquals", "NotIpAddress": "IpAddress",
            "ArnNotEquals": "ArnEquals", "ArnNotLike": "ArnLike"}


def _split(operator: str) -> tuple[str, str, bool]:
    """(set qualifier, base operator, IfExists?)."""
    qualifier = ""
    if ":" in operator:
        qualifier, operator = operator.split(":", 1)
    if_exists = operator.endswith("IfExists")
    if if_exists:
        operator = operator[: -len("IfExists")]
    return qualifier, operator, if_exists


def _values(values: tuple[str, ...]) -> str:
    if len(values) == 1:
        return values[0]
    return ", ".join(values[:-1]) + " or " + values[-1]


def requirement(operator: str, key: str, values: tuple[str, ...], must_hold: bool) -> str:
    """What must be true of the key for the access, stated positively:
    `NOT Bool aws:SecureTransport [false]` -> "aws:SecureTransport must be true"."""
    qualifier, base, if_exists = _split(operator)
    positive = must_hold
    if base in _NEGATED:
        base, positive = _NEGATED[base], not positive
    if base == "Bool":
        wanted = {v.lower() for v in values}
        if len(wanted) == 1 and wanted <= {"true", "false"}:
            value = wanted.pop() == "true"
            text = f"{key} must be {'true' if value == positive else 'false'}"
        else:
            text = f"{key} {'must' if positive else 'must not'} be {_values(values)}"
    elif base == "Null":
        absent = {v.lower() for v in values} == {"true"}
        text = f"{key} must be {'absent' if absent == positive else 'present'}"
    else:
        verbs = next(((p, n) for name, p, n in _VERBS if name == base), None)
        if verbs is None:
            verb = "must satisfy" if positive else "must not satisfy"
            text = f"{key} {verb} {base} {_values(values)}"
        else:
            text = f"{key} {verbs[0] if positive else verbs[1]} {_values(values)}"
    if qualifier == "ForAnyValue":
        text = f"at least one value of {text}" if positive else f"no value of {text}"
    elif qualifier == "ForAllValues":
        text = f"every value of {text}" if positive else f"some value of {text} fails"
    if if_exists and base != "Null":
        text += " (when present)"
    return text


def plain(operator: str, key: str, values: tuple[str, ...], must_hold: bool) -> str:
    """The condition in a reviewer's words, then its requirement on the key:
    "only over TLS — aws:SecureTransport must be true"."""
    req = requirement(operator, key, values, must_hold)
    lk = key.lower()
    _, base, _ = _split(operator)
    if base == "Bool" and lk in _BOOL_WORDS:
        if req.startswith(f"{key} must be true"):
            return f"{_BOOL_WORDS[lk][0]} — {req}"
        if req.startswith(f"{key} must be false"):
            return f"{_BOOL_WORDS[lk][1]} — {req}"
    words = _KEY_WORDS.get(lk) or (f"the caller's tag {key.split('/', 1)[1]}"
                                   if lk.startswith("aws:principaltag/") else None)
    if words is not None and req.startswith(key):
        return f"{words}{req[len(key):]} — {key}"
    return req


def raw(operator: str, key: str, values: tuple[str, ...], must_hold: bool) -> str:
    """The condition as written, and whether the access needs it true (an Allow's) or false
    (a Deny's): "Deny if Bool aws:SecureTransport [false]"."""
    written = f"{operator} {key} [{', '.join(values)}]"
    return f"Allow if {written}" if must_hold else f"Deny if {written}"
