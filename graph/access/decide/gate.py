"""One interface for every layer a request to a bucket passes: a *gate*.

A request from a role (or the anonymous public) for one action on one bucket passes several
layers. Each is a gate module in `gates/`, registered in `gates/__init__.py`, and the
combiner (`combine.py`) applies AWS's rules to their answers:

- an explicit deny anywhere wins;
- the *policy* gates (the caller's identity policies with boundary and SCPs, the bucket
  policy) are decided together, in one engine question: AWS evaluates them as one (in one
  account a grant from either side suffices, with the documented boundary exceptions;
  across accounts both must grant) and that rule set is the engine's (graph/policy/
  evaluate.py);
- a *grant* gate (the bucket ACL) is a further way in, asked only when the policies neither
  allow nor explicitly deny: the strongest answer stands;
- each *limit* gate (Block Public Access) must let a granted request through;
- a gate whose facts could not be read says so (`Unread`): the answer is *unknown* with the
  reason wherever those facts could change it, never a silent yes or no.

Adding a gate (the network path, a VPC endpoint policy, a KMS key, ...):
1. write `gates/<name>.py` with a class following `Gate` below: `reads` names the snapshot
   facts it reads (the loader's and the snapshot's names for them), `applies` says which
   requests it concerns, `documents` (policy and grant gates) hands the engine its policy,
   `limit` (limit gates) turns a granted answer into a denied, conditional or unknown one
   with its evidence and reasons, and `unread` says what is unknown when its facts could not
   be read, and `asks` which parts of a request beyond its caller and bucket `applies`,
   `documents` and `unread` read (`ACTION`, `ENCRYPTION`, `CONTEXT`): the decider makes
   their answers once per value of those (gate_memo.py), so a part read but not declared
   would be answered from another request's;
2. register an instance in `gates/__init__.py` (`GATES`, in the order a request meets them);
3. if its answer differs between buckets or callers that the class cache (reach/
   computer.py) treats as alike, give it a `key` there: the values its facts take for the
   question (never an object's identity);
4. test it with a planted case and its near-misses, against the cell-by-cell oracle
   (tests/access/oracle.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from graph.access.classify.bucket_facts import BucketFacts
from graph.access.compile.policies import RolePolicies
from graph.access.model import ActionAccess
from graph.catalog import S3Action
from graph.model import Account
from graph.policy import Policy, PolicyKind, PrincipalPolicies

#: What a gate's `applies`, `documents` and `unread` may read of a request beyond its caller
#: and bucket (`Gate.asks`): the action itself; only which KMS operations the action needs
#: on an SSE-KMS bucket (gates/kms.py); the request context.
ACTION = "action"
ENCRYPTION = "encryption"
CONTEXT = "context"
EVERYTHING = frozenset({ACTION, CONTEXT})


class Stage(Enum):
    """How a gate's answer joins the others (see the module docstring)."""

    POLICY = "policy"
    GRANT = "grant"
    LIMIT = "limit"


@dataclass(frozen=True)
class Question:
    """One request as the gates see it: who asks, for what, on which bucket."""

    bucket: BucketFacts
    action: S3Action
    #: The calling role's compiled policies; None for the anonymous public.
    caller: RolePolicies | None
    #: The account the bucket is in (its Block Public Access settings among others).
    account: Account
    #: The request context (assumed keys, the organisation's, the instance's own).
    context: Mapping[str, str] = field(default_factory=dict)

    @property
    def public(self) -> bool:
        return self.caller is None


@dataclass(frozen=True)
class Documents:
    """What a policy or grant gate puts before the engine."""

    principal: PrincipalPolicies | None = None
    resource: Policy | None = None


@dataclass(frozen=True)
class Unread:
    """A gate's facts that could not be read, and what they could change.

    `what` is how a person names the unread document ("the bucket policy"); `said` are
    reasons given as they are (the loader's own words for a role's unread policies).
    """

    what: str | None = None
    said: tuple[str, ...] = ()
    #: The unread facts could grant what nothing read grants (a "denied" would be a guess).
    may_grant: bool = False
    #: The unread facts could deny what the rest grants (an "allowed" would be a guess).
    may_deny: bool = False
    #: Layers whose implicit deny the unread facts cannot overcome: with one of them
    #: blocking, "denied" stands (an unread identity policy cannot beat the boundary).
    cannot_pass: frozenset[PolicyKind] = frozenset({PolicyKind.SCP})


class Gate(Protocol):
    """One layer of the data path (see the module docstring for how gates combine)."""

    #: How reasons and documentation name the gate.
    name: str
    stage: Stage
    #: The snapshot facts the gate reads.
    reads: tuple[str, ...]
    #: What `applies`, `documents` and `unread` read of the request beyond its caller and
    #: bucket (ACTION, ENCRYPTION, CONTEXT; `limit` may read anything). Undeclared: all.
    asks: frozenset[str]

    def applies(self, q: Question) -> bool:
        """Whether the request passes this gate at all (e.g. only the public meets Block
        Public Access's RestrictPublicBuckets)."""
        ...

    def documents(self, q: Question) -> Documents:
        """Policy and grant gates: the policy the engine decides (empty: none)."""
        ...

    def limit(self, q: Question, access: ActionAccess) -> ActionAccess | None:
        """Limit gates: the answer after this gate, or None when it lets `access` pass."""
        ...

    def unread(self, q: Question) -> Unread | None:
        """What could not be read of this gate's facts for the request (None: all read)."""
        ...
