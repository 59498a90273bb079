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
class Fact:
    """One thing that differs between the snapshots, as a person would change it back: a
    statement, a policy attachment, a default version, a profile association, a bucket
    setting, an instance or bucket that exists on one side only.

    A statement is identified by its policy and its Sid (or, without one, its content),
    never its position, so the same edit has the same id whatever else moved."""

    id: str
    kind: str
    #: What changed, in words ("role app: inline policy app-inline: statement 2 (List) added").
    subject: str
    #: More words under the subject (a new default version's statement changes).
    details: tuple[str, ...] = ()
    #: A statement's text before and after the change ("" on the side it is absent from),
    #: and whether it allows: an Allow explains only the rows it decides (see
    #: graph.diff.causes.narrow); a Deny, or any other fact, every row on its path.
    before: str = ""
    after: str = ""
    allows: bool = False

    @property
    def lines(self) -> tuple[str, ...]:
        """The subject and its details, as a row's `why` lists them."""
        return (self.subject, *self.details)


@dataclass(frozen=True)
class Cause:
    """One change in the account with what it did: the rows it explains, summarised.

    `rows` are (kind, index into that kind's rows of the diff): ("gained", 0) is
    `diff.gained[0]`. A row explained by two changes is listed under both."""

    fact: Fact
    rows: tuple[tuple[str, int], ...]
    summary: str
    #: Whether anyone (public) or another account can now do something it could not.
    public: bool = False
    other_account: bool = False

    @property
    def id(self) -> str:
        return self.fact.id

    @property
    def kind(self) -> str:
        return self.fact.kind

    @property
    def subject(self) -> str:
        return self.fact.subject


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
    #: The ids of those facts (`Fact.id`): the causes this row is attributed to.
    causes: tuple[str, ...] = ()

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
    #: Every change in the account, riskiest first, with the rows each explains.
    causes: tuple[Cause, ...] = ()

    @property
    def rows(self) -> tuple[ChangeRow, ...]:
        return self.gained + self.lost + self.changed

    @property
    def differs(self) -> bool:
        return bool(self.rows or self.new_findings or self.resolved_findings)

    def row(self, kind: str, index: int) -> ChangeRow:
        """A cause's row reference resolved."""
        found: tuple[ChangeRow, ...] = getattr(self, kind)
        return found[index]
