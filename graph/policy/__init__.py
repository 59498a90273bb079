"""The IAM policy engine: parse policies once, decide requests the way AWS documents it.

Public API::

    policy = parse_policy(doc, name="AppRead", kind=PolicyKind.IDENTITY)  # PolicyParseError
    principal = PrincipalPolicies(identity=(policy,), boundary=None, scps=None)
    decision = evaluate(Request(...), principal, resource_policy=None)
"""

from graph.policy.decision import (
    ConditionRef,
    Decision,
    Outcome,
    PolicyKind,
    StatementRef,
    Verdict,
)
from graph.policy.document import Policy, Statement, parse_policy
from graph.policy.evaluate import PrincipalPolicies, evaluate, forget_memos, memo_size
from graph.policy.request import Request

__all__ = [
    "ConditionRef",
    "Decision",
    "Outcome",
    "Policy",
    "PolicyKind",
    "PrincipalPolicies",
    "Request",
    "Statement",
    "StatementRef",
    "Verdict",
    "evaluate",
    "forget_memos",
    "memo_size",
    "parse_policy",
]
