"""Every answer names every statement that decided it, numbered the same way everywhere, and
its conditions in plain words beside their raw form (issue #11, item 6)."""

from __future__ import annotations

from graph.policy import Outcome, PolicyKind, Verdict
from graph.policy.plain_words import plain, requirement

from .helpers import ROLE, allow, decide, deny, doc

GRANT = {"Sid": "AppReads", "Effect": "Allow", "Principal": {"AWS": ROLE},
         "Action": "s3:GetObject", "Resource": "*"}
TLS_DENY = deny("s3:*", "*", Sid="DenyInsecureTransport", Principal="*",
                Condition={"Bool": {"aws:SecureTransport": "false"}})


def test_both_independent_grants_are_evidence() -> None:
    """Same account: the bucket policy grant to the role and the role's own identity
    statement each allow on their own; the answer names both."""
    d = decide(identity=[doc(allow())], resource_policy=doc(GRANT))
    assert d.verdict is Verdict.ALLOW
    assert {(r.policy_kind, r.sid) for r in d.deciding} == {
        (PolicyKind.IDENTITY, None), (PolicyKind.RESOURCE, "AppReads")}


def test_conditional_answer_names_the_deny_it_depends_on() -> None:
    d = decide(identity=[doc(allow())], resource_policy=doc(TLS_DENY), partial=True)
    assert d.outcome is Outcome.CONDITIONAL
    assert "DenyInsecureTransport" in {r.sid for r in d.deciding}
    [cond] = d.conditions
    assert str(cond).startswith("only over TLS — aws:SecureTransport must be true")
    assert "Deny if Bool aws:SecureTransport [false]" in str(cond)
    assert "statement 1 (DenyInsecureTransport)" in str(cond)


def test_statements_are_numbered_from_one() -> None:
    d = decide(identity=[doc(deny("s3:PutObject"), allow())])
    [ref] = d.deciding
    assert (ref.index, ref.number) == (1, 2)
    assert ref.label == "identity policy identity0, statement 2"


def test_plain_words_state_what_must_hold() -> None:
    assert requirement("Bool", "aws:SecureTransport", ("true",), True) == (
        "aws:SecureTransport must be true")
    assert plain("Bool", "aws:SecureTransport", ("true",), False).startswith("only without TLS")
    assert requirement("StringNotEquals", "aws:SourceVpce", ("vpce-1",), False) == (
        "aws:SourceVpce must be vpce-1")
    assert requirement("NotIpAddress", "aws:SourceIp", ("10.0.0.0/8",), True) == (
        "aws:SourceIp must not be in 10.0.0.0/8")
    assert requirement("ForAnyValue:StringLike", "s3:prefix", ("home/*", "tmp/*"), True) == (
        "at least one value of s3:prefix must match home/* or tmp/*")
    assert requirement("Null", "aws:SourceVpc", ("true",), False) == (
        "aws:SourceVpc must be present")
    assert requirement("NumericLessThanIfExists", "s3:max-keys", ("10",), True) == (
        "s3:max-keys must be less than 10 (when present)")
