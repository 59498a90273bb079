"""A condition an answer depends on, in plain words ("only over TLS (HTTPS)").

Reviewers read `NOT Bool aws:SecureTransport [false]` slowly and sometimes wrongly (the NOT
comes from a Deny statement). This module turns the operator, key and values into one
sentence saying what must be true of the request for the access to hold; the raw form stays
next to it in every view so the sentence can be checked against the policy.
"""

from __future__ import annotations

#: What a condition key stands for, as the subject of a sentence.
_SUBJECTS = {
    "aws:sourceip": "the caller's IP address",
    "aws:sourcevpce": "the VPC endpoint the request comes through",
    "aws:sourcevpc": "the VPC the request comes from",
    "aws:principalorgid": "the caller's AWS organization",
    "aws:principalarn": "the caller's ARN",
    "aws:principalaccount": "the caller's account",
    "aws:sourceaccount": "the calling service's account",
    "aws:sourcearn": "the calling resource's ARN",
    "aws:currenttime": "the time of the request",
    "aws:username": "the IAM user name",
    "aws:userid": "the caller's user id",
    "aws:requestedregion": "the region of the request",
    "aws:ec2instancesourcevpc": "the calling instance's VPC",
    "aws:ec2instancesourceprivateipv4": "the calling instance's private IP",
    "ec2:sourceinstancearn": "the calling instance",
    "s3:prefix": "the key prefix being listed",
    "s3:x-amz-acl": "the ACL the request sets",
    "s3:x-amz-server-side-encryption": "the object's server-side encryption",
    "s3:x-amz-server-side-encryption-aws-kms-key-id": "the object's KMS key",
    "s3:resourceaccount": "the bucket's account",
    "s3:tlsversion": "the TLS version",
    "s3:signatureversion": "the signature version",
    "s3:authtype": "the authentication type",
    "s3:delimiter": "the delimiter being listed with",
    "s3:max-keys": "the number of keys listed",
    "sts:externalid": "the external id",
}

#: Bool keys with their own sentences for true and false.
_BOOL_SENTENCES = {
    "aws:securetransport": ("the request uses TLS (HTTPS)",
                            "the request does not use TLS (plain HTTP)"),
    "aws:multifactorauthpresent": ("the caller signed in with MFA",
                                   "the caller did not sign in with MFA"),
    "aws:viaawsservice": ("an AWS service makes the request on the caller's behalf",
                          "the caller makes the request directly"),
    "aws:principalisawsservice": ("the caller is an AWS service",
                                  "the caller is not an AWS service"),
}

#: Operator families: (words when it holds, words when negated).
_VERBS = {
    "stringequals": ("is", "is not"),
    "stringequalsignorecase": ("is (any case)", "is not (any case)"),
    "stringlike": ("matches", "does not match"),
    "arnequals": ("is", "is not"),
    "arnlike": ("matches", "does not match"),
    "numericequals": ("equals", "does not equal"),
    "numericlessthan": ("is less than", "is at least"),
    "numericlessthanequals": ("is at most", "is more than"),
    "numericgreaterthan": ("is more than", "is at most"),
    "numericgreaterthanequals": ("is at least", "is less than"),
    "datelessthan": ("is before", "is not before"),
    "datelessthanequals": ("is at or before", "is after"),
    "dategreaterthan": ("is after", "is not after"),
    "dategreaterthanequals": ("is at or after", "is before"),
    "ipaddress": ("is in", "is not in"),
    "binaryequals": ("is", "is not"),
}

#: Operators that are the negation of a family above ("StringNotEquals" = not "StringEquals").
_NEGATED = {
    "stringnotequals": "stringequals",
    "stringnotequalsignorecase": "stringequalsignorecase",
    "stringnotlike": "stringlike",
    "arnnotequals": "arnequals",
    "arnnotlike": "arnlike",
    "numericnotequals": "numericequals",
    "datenotequals": "dateequals",
    "notipaddress": "ipaddress",
}


def _subject(key: str) -> str:
    lowered = key.lower()
    if lowered in _SUBJECTS:
        return _SUBJECTS[lowered]
    for prefix, words in (("aws:resourcetag/", "the resource's tag"),
                          ("aws:principaltag/", "the caller's tag"),
                          ("aws:requesttag/", "the requested tag"),
                          ("s3:existingobjecttag/", "the object's tag")):
        if lowered.startswith(prefix):
            return f"{words} {key.split('/', 1)[1]}"
    return key


def _values(values: tuple[str, ...]) -> str:
    quoted = [f"{v}" for v in values]
    if len(quoted) <= 1:
        return quoted[0] if quoted else "(no value)"
    return ", ".join(quoted[:-1]) + f" or {quoted[-1]}"


def condition_in_words(operator: str, key: str, values: tuple[str, ...],
                       must_hold: bool = True) -> str:
    """What must be true of the request: the condition itself when `must_hold` (an Allow's
    condition), its opposite otherwise (a Deny's condition must not hold)."""
    op = operator.lower()
    set_op = ""
    if ":" in op:
        set_op, op = op.split(":", 1)
    if_exists = op.endswith("ifexists")
    op = op.removesuffix("ifexists")
    negate = not must_hold
    if op in _NEGATED:
        op, negate = _NEGATED[op], not negate
    subject = _subject(key)
    lowered_key = key.lower()
    if op == "bool" and len(values) == 1 and values[0].lower() in ("true", "false"):
        truth = (values[0].lower() == "true") != negate
        if lowered_key in _BOOL_SENTENCES:
            sentence = _BOOL_SENTENCES[lowered_key][0 if truth else 1]
        else:
            sentence = f"{subject} is {'true' if truth else 'false'}"
    elif op == "null" and len(values) == 1 and values[0].lower() in ("true", "false"):
        absent = (values[0].lower() == "true") != negate
        return f"{subject} is {'absent' if absent else 'present'}"
    elif op in _VERBS:
        verb = _VERBS[op][1 if negate else 0]
        scope = {"foranyvalue": "one of ", "forallvalues": "every one of "}.get(set_op, "")
        sentence = f"{scope}{subject} {verb} {_values(values)}"
    else:
        text = f"{operator} {key} {_values(values)}"
        return f"not ({text})" if negate else text
    if if_exists:
        sentence += (" (and it is in the request)" if negate
                     else " (or it is not in the request)")
    return sentence
