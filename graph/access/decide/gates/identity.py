"""The caller's identity policies, with its permissions boundary and the account's SCPs.

A policy gate: its policies join the bucket policy in the engine's one evaluation (AWS
decides identity and resource policies together). An identity policy or boundary that could
not be read leaves answers unknown: an unread identity policy may grant what the readable
ones do not (only a read explicit deny, the SCPs or the boundary make that a certain "no"),
and any missing document may deny what the readable ones grant.
"""

from __future__ import annotations

from graph.access.decide.gate import Documents, Question, Stage, Unread
from graph.access.model import ActionAccess
from graph.policy import PolicyKind

_CANNOT_PASS = frozenset({PolicyKind.SCP, PolicyKind.BOUNDARY})


class IdentityGate:
    """The calling role's own policies (the anonymous public has none)."""

    name = "identity policies"
    stage = Stage.POLICY
    asks = frozenset[str]()
    reads = ("the role's inline and attached policies", "its permissions boundary",
             "the account's service control policies")

    def applies(self, q: Question) -> bool:
        return q.caller is not None

    def documents(self, q: Question) -> Documents:
        assert q.caller is not None
        return Documents(principal=q.caller.principal)

    def limit(self, q: Question, access: ActionAccess) -> ActionAccess | None:
        return None

    def unread(self, q: Question) -> Unread | None:
        rp = q.caller
        if rp is None or not rp.missing:
            return None
        # The loader's own words name each missing document ("inline policy x could not be
        # read ..."): said as they are.
        return Unread(said=rp.missing, may_grant=rp.identity_unread, may_deny=True,
                      cannot_pass=_CANNOT_PASS)
