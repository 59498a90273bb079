"""What two snapshots' answers differ by: frozen rows, one per subject, bucket and action.

A row's subject is an instance (through its roles) or another principal a bucket policy or
ACL grants to: the public, another account, an AWS service. The outcome words are the access
graph's (allowed, conditional, unknown, denied); "denied" also stands for "nothing grants it",
which includes an instance or bucket that does not exist on that side (`why` says so).
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.policy import Outcome

GAINED = "gained"
LOST = "lost"
CHANGED = "changed"
KINDS = (GAINED, LOST, CHANGED)

#: Principal kinds of non-instance rows.
PUBLIC = "public"
ACCOUNT = "account"
SERVICE = "service"

_GRANTED = (Outcome.ALLOWED, Outcome.CONDITIONAL)


def granted(outcome: Outcome) -> bool:
    """Reachable: allowed, or allowed under conditions (unknown is not a grant)."""
    return outcome in _GRANTED


@dataclass(frozen=True)
class Side:
    """One snapshot of the comparison: where it came from, whose it is, when it was taken."""

    source: str
    account: str
    #: ISO 8601 time the snapshot was taken, or "" when it is not known.
    taken_at: str
    #: How `taken_at` was found ("loaded", "file times", "snapshot file"), for people.
    taken_from: str = ""


@dataclass(frozen=True)
class ChangeRow:
    """One (subject, bucket, action) whose answer differs between the snapshots."""

    kind: str
    bucket: str
    action: str
    before: Outcome
    after: Outcome
    #: Instance rows: the instance; principal rows leave these empty.
    instance_id: str = ""
    instance_name: str = ""
    #: The role whose grant decides (the granting side's; the last role of `via`).
    role: str = ""
    #: Principal rows: "public", an account id or ARN, a service name; "" for instances.
    principal: str = ""
    principal_kind: str = ""
    #: Evidence labels of the side that allows (after for gained and changed, before for lost).
    granted_by: tuple[str, ...] = ()
    #: The chain of roles on the side that allows (instance's own role first).
    via: tuple[str, ...] = ()
    #: How the answer differs, in words ("denied → allowed", "prefixes reports/ → whole bucket").
    change: str = ""
    #: The facts along the path that differ between the snapshots (statements, policy
    #: versions, trust policies, profile associations, bucket settings).
    why: tuple[str, ...] = ()

    @property
    def subject(self) -> str:
        """The instance's label or the principal, for people."""
        if self.instance_id:
            return f"{self.instance_name} ({self.instance_id})" if self.instance_name \
                else self.instance_id
        return self.principal if self.principal_kind != PUBLIC else "anyone (public)"


@dataclass(frozen=True)
class FindingChange:
    """A finding present on one side only (graph.findings' stable id, title, severity)."""

    id: str
    title: str
    severity: str = ""
    category: str = ""


@dataclass(frozen=True)
class SnapshotDiff:
    """Everything that differs, by kind, with the findings that appeared or went away."""

    old: Side
    new: Side
    gained: tuple[ChangeRow, ...] = ()
    lost: tuple[ChangeRow, ...] = ()
    changed: tuple[ChangeRow, ...] = ()
    new_findings: tuple[FindingChange, ...] = ()
    resolved_findings: tuple[FindingChange, ...] = ()
    assumed: tuple[tuple[str, str], ...] = ()

    @property
    def rows(self) -> tuple[ChangeRow, ...]:
        return self.gained + self.lost + self.changed

    @property
    def differs(self) -> bool:
        return bool(self.rows or self.new_findings or self.resolved_findings)
