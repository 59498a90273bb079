"""Findings: the risks a reviewer looks for first, each with its subjects, statements and fix.

A finding's id is a hash of its category and its subjects (instance, role, bucket, principal,
and for escalations the kind of step), never of its position in a list: the same risk keeps
its id across runs and across snapshots, so a CI baseline or a diff can follow it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from graph.errors import RolemapError
from graph.policy import StatementRef


class Severity(StrEnum):
    """How urgent a finding is, highest first."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """4 for critical down to 0 for info (higher is worse)."""
        return _RANK[self]

    def lowered(self, steps: int = 1) -> Severity:
        """The severity `steps` levels lower (never below low: info says "nothing granted")."""
        return _BY_RANK[max(_RANK[Severity.LOW], self.rank - steps)] if self.rank > 1 else self

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise RolemapError(f"unknown severity {text!r} (choose from {names})") from None


_RANK = {Severity.CRITICAL: 4, Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1,
         Severity.INFO: 0}
_BY_RANK = {rank: sev for sev, rank in _RANK.items()}


@dataclass(frozen=True)
class Category:
    """One kind of finding (one SARIF rule)."""

    id: str
    name: str
    summary: str
    help: str


CATEGORIES: tuple[Category, ...] = (
    Category("public-bucket", "Public bucket",
             "Anyone can list, read, write or change permissions on a bucket.",
             "A bucket policy statement or ACL grant to everyone survives Block Public Access. "
             "Remove or narrow the statement, or turn on Block Public Access."),
    Category("cross-account", "Data shared with another account",
             "Another account, one of its roles, or a service outside the account can act "
             "on a bucket.",
             "Check the account is meant to have this access; limit the grant to the "
             "prefixes and actions it needs, or add aws:SourceAccount for services."),
    Category("admin-role", "Administrator-equivalent role",
             "A role can do (nearly) everything: '*' on '*', AdministratorAccess, or a "
             "NotAction that leaves nearly everything.",
             "Grant only the actions and resources the workload uses."),
    Category("privilege-escalation", "Privilege escalation",
             "An instance's role can acquire access it does not have (PassRole to EC2 or "
             "a service that runs code, acting on an instance with a stronger role, "
             "writing a role's policies, creating a role, assuming a broader role).",
             "Limit iam:PassRole, IAM write actions and actions on other instances to what "
             "the workload needs."),
    Category("broad-trust", "Broad role trust",
             "A trust policy lets '*' or another account's principals assume a role without "
             "an sts:ExternalId or organization condition.",
             "Name the exact principal, and add sts:ExternalId (third parties) or "
             "aws:PrincipalOrgID (your organization)."),
    Category("no-block-public-access", "Block Public Access off",
             "Block Public Access is off at account level and for buckets that have none of "
             "their own (one finding for the account, listing them).",
             "Turn on Block Public Access for the account, or at least for the bucket."),
    Category("instance-exposure", "Exposed instance credentials",
             "A running instance with a public IP and IMDSv1 allowed whose role reaches "
             "buckets: an SSRF turns into data access.",
             "Require IMDSv2 (HttpTokens=required) and drop the public IP if not needed."),
    Category("kms-key-shared", "KMS key usable by other accounts",
             "A KMS key's policy (or a grant) lets another account, or anyone, decrypt or "
             "generate data keys with it.",
             "Limit the key policy's use statements to the account's principals, or confine "
             "them with kms:CallerAccount; retire grants that are not needed."),
    Category("undecryptable-grant", "Grant that cannot work (SSE-KMS)",
             "An S3 grant to read objects of an SSE-KMS bucket whose key does not let the "
             "grantee decrypt them (per the bucket's default encryption).",
             "Allow kms:Decrypt on the key to those who need the objects, or remove the "
             "grant."),
    Category("open-vpc-endpoint", "S3 endpoint open to any bucket",
             "A VPC endpoint for S3 has no policy, or one that allows any bucket: instances "
             "behind it can copy data to buckets of any account.",
             "Set an endpoint policy naming your buckets, or limiting aws:ResourceAccount."),
    Category("public-access-point", "Public access point",
             "An internet-origin access point's policy grants '*' with no limiting condition "
             "and Block Public Access does not restrict it.",
             "Narrow the access point policy's Principal or add a condition on the caller's "
             "account or VPC; or turn on the account's RestrictPublicBuckets."),
)
CATEGORY_BY_ID = {c.id: c for c in CATEGORIES}


@dataclass(frozen=True)
class PathStep:
    """One edge of a finding's path: instance → profile → role → [chain / escalation] →
    bucket, or the public / another account → bucket; with the statements that allow it."""

    #: Node ids: "instance:i-…", "profile:<arn>", "role:<arn>", "bucket:<name>", "public",
    #: "account:<id>", "service:<name>", "internet", "everything".
    source: str
    target: str
    relation: str
    evidence: tuple[StatementRef, ...] = ()
    #: True for a step the principal could take but has not (escalation): never "allowed".
    escalation: bool = False


def more_step(source: str, hidden: int, what: str = "bucket(s)",
              escalation: bool = False) -> PathStep:
    """The edge that says a drawing left `hidden` nodes out ("+7 more bucket(s)"): a
    diagram that silently draws 3 of 10 buckets reads as if there were 3."""
    return PathStep(source, f"more:{source}:{hidden} more {what}", "and", escalation=escalation)


@dataclass(frozen=True)
class Finding:
    """One risk, with who and what it concerns, why (statements) and how to fix it."""

    id: str
    severity: Severity
    category: str
    title: str
    fix: str
    instance: str | None = None
    role: str | None = None
    bucket: str | None = None
    principal: str | None = None
    actions: tuple[str, ...] = ()
    evidence: tuple[StatementRef, ...] = ()
    #: Further lines a reader needs (gained buckets, conditions, other instances...).
    detail: tuple[str, ...] = ()
    #: Every instance concerned (`instance` is the first of them).
    instances: tuple[str, ...] = ()
    #: Every bucket concerned, when the finding's cause reaches more than `bucket` names.
    buckets: tuple[str, ...] = ()
    path: tuple[PathStep, ...] = ()
    #: What the app opens for it: ("instance", id), ("role", arn) or ("bucket", name).
    view: tuple[str, str] | None = None

    @property
    def rank(self) -> int:
        return self.severity.rank


def finding_id(category: str, *subjects: str | None) -> str:
    """`category-<10 hex>` from the category and the subjects: stable across runs."""
    text = "\x1f".join([category, *(s or "" for s in subjects)])
    # A name from a snapshot may hold a lone surrogate (JSON allows "\\udc80"): hash it too.
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{category}-{digest[:10]}"


def category_order(category: str) -> int:
    return next((i for i, c in enumerate(CATEGORIES) if c.id == category), len(CATEGORIES))
