"""What an escalation path is (its steps and what it gains), and what the path modules may ask
of the finder that runs them.

Here, apart from escalation.py, so that the finder can call its path modules (create_paths,
instance_paths, service_paths) while they name its records and its questions without importing
it back: each path module sees the finder only as the `PathFinder` protocol.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from graph.access.model import OUTCOME_RANK, unique_refs
from graph.findings.context import FindingContext, short
from graph.findings.exposure import ExposureSummary
from graph.model import Instance, Role
from graph.model_users import is_user
from graph.policy import ConditionRef, Decision, Outcome, StatementRef


@dataclass(frozen=True)
class Step:
    """One permission the path needs, as the engine decided it for the role."""

    action: str
    resource: str
    outcome: Outcome
    evidence: tuple[StatementRef, ...]
    conditions: tuple[ConditionRef, ...] = ()


@dataclass(frozen=True)
class Escalation:
    """A way for `role` to act as (or with the powers of) `target`."""

    role: str
    kind: str
    #: "PassRole + RunInstances", "PutRolePolicy", "AssumeRole"...
    via: str
    target: str
    steps: tuple[Step, ...]
    #: Bucket -> S3 actions gained.
    gains: Mapping[str, frozenset[str]]
    #: True when the path lets it write its own permissions: anything the boundary allows.
    everything: bool = False
    target_admin: bool = False
    #: Instances that can act as `role` (running first), for the who-can view.
    instances: tuple[str, ...] = ()
    #: Instances the path acts on (SendCommand, StartSession...): they run as `target`; or
    #: the ARNs of the existing compute it changes (compute_paths.py).
    through: tuple[str, ...] = ()
    #: What cannot be known of the gain ("unknown: other versions not read"), said instead.
    note: str = ""
    #: What `through` holds: "instance", or a graph.model_compute kind ("lambda function"...).
    through_kind: str = "instance"

    @property
    def outcome(self) -> Outcome:
        """The weakest step: a conditional PassRole makes the whole path conditional."""
        return min((s.outcome for s in self.steps), key=OUTCOME_RANK.__getitem__,
                   default=Outcome.ALLOWED)

    @property
    def evidence(self) -> tuple[StatementRef, ...]:
        return unique_refs(e for s in self.steps for e in s.evidence)

    @property
    def target_kind(self) -> str:
        """"user" for an IAM user (user_paths.py, a new user), else "role"."""
        return "user" if is_user(self.target) else "role"

    @property
    def label(self) -> str:
        verb = "can" if self.kind == "assume" else "could"
        return f"{verb} gain via {self.via} → {self.target_kind} {short(self.target)}"

    @property
    def gains_text(self) -> str:
        if self.note:
            return self.note
        if self.everything:
            if self.kind == "create-role":
                return "any action it writes into the new role's policy"
            if self.kind == "create-user":
                return "any action it writes into the new user's policy"
            if self.target_kind == "user":
                return "any action it writes into the user's (or its group's) policy"
            return "any action it writes into its own policy"
        if self.target_admin:
            return "administrator access"
        if not self.gains:
            return "no S3 access it lacks"
        return f"where it does not reach: {ExposureSummary.of(self.gains).text()}"


def step_of(action: str, resource: str, d: Decision) -> Step:
    """The step of a decided action."""
    return Step(action, resource, d.outcome, d.deciding, d.conditions)


class PathFinder(Protocol):
    """What a path module asks of the finder: the account's facts and the answers it keeps
    (what a role reaches already, what acting as a target reaches), so that every path module
    shares them instead of deciding them again."""

    ctx: FindingContext
    acct: str
    partition: str
    max_targets: int

    @property
    def instance_targets(self) -> Mapping[str, tuple[Instance, ...]]: ...

    def base(self, role_arn: str) -> dict[str, frozenset[str]]: ...

    def reach_of(self, target: str) -> dict[str, frozenset[str]]: ...

    def region_of(self, role: Role) -> str: ...

    def is_admin(self, role_arn: str) -> bool: ...

    def new_profile_steps(self, role: Role) -> list[Step]: ...
