"""Lint findings: things AWS would accept but a reviewer should see before the role exists.

Validation answers "will AWS take it"; lint answers "is it what you meant, and is it least
privilege": wildcards (in a typed prefix or in an attached managed policy), a prefix grant that
cannot be listed, trust that lets a whole account or anyone assume the role, the power to
rewrite bucket policies, buckets that are not in the loaded account.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph.catalog import S3Action
from graph.model import AccountSnapshot
from graph.wizard.kms import kms_notes
from graph.wizard.plan import BucketGrant, RolePlan

WARNING = "warning"
INFO = "info"

#: Trust conditions that narrow who, inside a trusted account, may assume the role.
_NARROWING_KEYS = {
    "sts:externalid",
    "aws:principalorgid",
    "aws:principalarn",
    "aws:principalaccount",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:principaltag",
    "aws:multifactorauthpresent",
}


@dataclass(frozen=True)
class Finding:
    """One lint finding: how serious, a stable code for tests and filters, and the message."""

    severity: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.message} [{self.code}]"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _managed_wildcards(arn: str, document: Any) -> list[Finding]:
    findings: list[Finding] = []
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    for statement in _as_list(statements):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        actions = [a for a in _as_list(statement.get("Action", [])) if isinstance(a, str)]
        broad = [a for a in actions if a == "*" or a.endswith(":*")]
        if broad:
            findings.append(Finding(WARNING, "wildcard-action",
                                    f"attached policy {arn} allows {', '.join(broad)}"))
        if "*" in _as_list(statement.get("Resource", [])):
            findings.append(Finding(WARNING, "wildcard-resource",
                                    f"attached policy {arn} allows on Resource \"*\""))
    return findings


def _trust_findings(plan: RolePlan) -> list[Finding]:
    findings: list[Finding] = []
    narrowed = any(c.key.lower() in _NARROWING_KEYS or c.key.lower().startswith("aws:principaltag/")
                   for c in plan.trust_conditions)
    for principal in plan.trusted_principals:
        if principal == "*":
            findings.append(Finding(WARNING, "broad-trust",
                                    "trust policy lets ANY AWS principal assume the role"
                                    + ("" if narrowed else ", with no condition")))
        elif not narrowed and (principal.isdigit() or principal.endswith(":root")):
            findings.append(Finding(WARNING, "broad-trust",
                                    f"trust lets every principal of account {principal} with "
                                    "sts:AssumeRole permission assume the role; add "
                                    "sts:ExternalId or aws:PrincipalOrgID"))
    return findings


def _names(actions: list[S3Action]) -> str:
    shown = ", ".join(a.name.removeprefix("s3:") for a in actions[:4])
    return shown + (f" and {len(actions) - 4} more" if len(actions) > 4 else "")


def _breadth_findings(grant: BucketGrant) -> list[Finding]:
    """Actions beyond the job: permissions management (the role could grant itself more)
    and reads of the bucket's configuration (its policy, ACL, encryption, logging…), which
    no task needs and which tell a compromised role how the bucket is defended."""
    granted = grant.granted
    managing = [a for a in granted if a.level == "Permissions management"]
    config = sorted((a for a in granted if a.level == "Read" and a.scope == "bucket"),
                    key=lambda a: ("Policy" not in a.name and "Acl" not in a.name, a.name))
    findings = []
    if managing:
        findings.append(Finding(WARNING, "permissions-management",
                                f"{grant.bucket}: {len(managing)} permissions-management "
                                f"action(s) ({_names(managing)}) let the role rewrite the "
                                "bucket policy and ACLs, i.e. grant itself more"))
    if config:
        findings.append(Finding(WARNING, "bucket-configuration-read",
                                f"{grant.bucket}: {len(config)} bucket-configuration read(s) "
                                f"({_names(config)}); reading objects needs none of them "
                                "(use the read task)"))
    return findings


def lint(plan: RolePlan, snapshot: AccountSnapshot | None = None) -> list[Finding]:
    """Every finding for the plan, most serious first."""
    findings = _trust_findings(plan)
    for grant in plan.grants:
        if "*" in grant.prefix or "?" in grant.prefix:
            findings.append(Finding(WARNING, "wildcard-prefix",
                                    f"prefix {grant.prefix!r} of {grant.bucket} contains a "
                                    "wildcard: the grant reaches more keys than it names"))
        if grant.prefix and grant.object_actions and "s3:ListBucket" not in grant.bucket_actions:
            findings.append(Finding(WARNING, "prefix-without-list",
                                    f"{grant.bucket}/{grant.prefix}: objects are reachable but "
                                    "cannot be listed (add the list task for s3:ListBucket "
                                    "on the prefix)"))
        findings.extend(_breadth_findings(grant))
        if snapshot is not None and grant.bucket not in snapshot.bucket_by_name:
            findings.append(Finding(INFO, "unknown-bucket",
                                    f"bucket {grant.bucket} is not in the loaded account "
                                    f"{snapshot.account_id}: its bucket policy must allow the "
                                    "role too"))
    findings.extend(Finding(WARNING, "kms-key-policy", note) for note in kms_notes(plan))
    for arn in plan.managed_policy_arns:
        policy = snapshot.policy_by_arn.get(arn) if snapshot is not None else None
        if policy is not None:
            findings.extend(_managed_wildcards(arn, policy.document))
        elif snapshot is not None:
            findings.append(Finding(INFO, "unknown-managed-policy",
                                    f"managed policy {arn} is not in the loaded snapshot: the "
                                    "preview cannot count what it grants"))
    if not plan.grants and not plan.managed_policy_arns:
        findings.append(Finding(INFO, "no-permissions",
                                "the role grants nothing: no bucket grants, no managed policies"))
    if plan.grants and not any(g.require_tls for g in plan.grants):
        findings.append(Finding(INFO, "tls-not-required",
                                "no grant requires TLS (aws:SecureTransport)"))
    return sorted(findings, key=lambda f: f.severity != WARNING)
