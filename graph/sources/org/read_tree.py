"""The organisation as its management account (or a delegated administrator) reads it.

describe-organization and list-accounts are what an organisation load cannot do without (the
id and the accounts); their failure is a SourceError. Everything else refused (an OU's
children, a policy list, a policy, a policy's targets) is a LoadWarning and an `OrgTree.unread`
entry: the paths through it are unknown, never "no policy". A policy type the organisation
or partition does not offer is a warning only: no policy of that type can apply.

Only List* / Describe* calls. The answers come through `OrgReads`: boto3 here (`LiveReads`), or
the files `collect-script --org` wrote (graph.sources.org.export), read the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from graph.errors import SourceError
from graph.model import LoadWarning
from graph.model_common import GATE_ORGANIZATION, Unread
from graph.model_org import (
    RCP,
    ROOT,
    SCP,
    UNIT,
    OrgAccount,
    OrgAttachment,
    OrgPolicy,
    OrgTree,
    OrgUnit,
)
from graph.sources.aws_errors import describe_error
from graph.sources.connection import AwsConnection
from graph.sources.documents import DocumentDecodeError, decode_document

#: Codes of list-policies for a type the organisation or its partition does not offer.
TYPE_UNAVAILABLE_CODES = frozenset({"PolicyTypeNotEnabledException",
                                    "PolicyTypeNotAvailableForOrganizationException",
                                    "InvalidInputException"})
#: AWS allows five OU levels under the root; deeper is a loop in the answers.
_MAX_DEPTH = 8
_LABEL = {SCP: "SCPs", RCP: "RCPs"}


class CallFailed(Exception):
    """An organizations read that got no answer: its error code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class OrgReads(Protocol):
    def fetch(self, method: str, key: str, **kwargs: Any) -> Any:
        """The answer of the boto3 `method` (its `key` list, all pages, when `key` is given);
        CallFailed when there is none."""


@dataclass(frozen=True)
class LiveReads:
    """Through boto3, with botocore's paginators."""

    client: Any

    def fetch(self, method: str, key: str, **kwargs: Any) -> Any:
        try:
            if key:
                pages = self.client.get_paginator(method).paginate(**kwargs)
                return [item for page in pages for item in page.get(key) or ()]
            return getattr(self.client, method)(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise CallFailed(*describe_error(exc)) from None


class _Refused(Exception):
    """A call that failed: already a warning (and an unread entry when it matters)."""


@dataclass
class _Reading:
    reads: OrgReads
    warnings: list[LoadWarning] = field(default_factory=list)
    unread: list[Unread] = field(default_factory=list)

    def call(self, operation: str, target: str, fact: str, method: str, key: str,
             **kwargs: Any) -> Any:
        """One read; a refusal becomes a warning, and an unread `fact` when one is given."""
        try:
            return self.reads.fetch(method, key, **kwargs)
        except CallFailed as exc:
            code, message = exc.code, exc.message
            self.warnings.append(LoadWarning(operation, target, message, code))
            if fact:
                self.unread.append(Unread(GATE_ORGANIZATION, fact,
                                          f"{operation}: [{code}] {message}"))
            raise _Refused from None


def read_org_tree(conn: AwsConnection) -> tuple[OrgTree, list[LoadWarning]]:
    """The tree, every SCP and RCP and where each is attached, and the warnings of the read."""
    return read_org_answers(LiveReads(conn.client("organizations")))


def read_org_answers(reads: OrgReads) -> tuple[OrgTree, list[LoadWarning]]:
    """`read_org_tree` from any source of organizations answers."""
    reading = _Reading(reads)
    org_id, management = _organization(reading)
    units = _units(reading)
    accounts = _accounts(reading, units)
    policies: list[OrgPolicy] = []
    attachments: list[OrgAttachment] = []
    for kind in (SCP, RCP):
        _policies(reading, kind, policies, attachments)
    tree = OrgTree(org_id, management, tuple(units), accounts, tuple(policies),
                   tuple(attachments), tuple(reading.unread))
    return tree, reading.warnings


def _organization(reading: _Reading) -> tuple[str, str]:
    try:
        org = reading.call("organizations:DescribeOrganization", "", "", "describe_organization",
                           "")["Organization"]
    except _Refused:
        raise SourceError(_fatal(reading, "cannot read the organisation")) from None
    return str(org["Id"]), str(org.get("MasterAccountId") or "")


def _fatal(reading: _Reading, what: str) -> str:
    warning = reading.warnings[-1]
    hint = ("the credentials' account is not in an organisation"
            if warning.code == "AWSOrganizationsNotInUseException" else
            "--org needs the management account's or a delegated administrator's credentials")
    return f"{what}: {warning.operation}: {warning.message} [{warning.code}]; {hint}"


def _units(reading: _Reading) -> list[OrgUnit]:
    try:
        roots = reading.call("organizations:ListRoots", "", "the organisation's root",
                             "list_roots", "Roots")
    except _Refused:
        return []
    units = [OrgUnit(str(r["Id"]), str(r.get("Name") or "Root"), ROOT) for r in roots]
    level = list(units)
    for _ in range(_MAX_DEPTH):
        children: list[OrgUnit] = []
        for parent in level:
            try:
                found = reading.call(
                    "organizations:ListOrganizationalUnitsForParent", parent.unit_id,
                    f"OUs under {parent.unit_id}", "list_organizational_units_for_parent",
                    "OrganizationalUnits", ParentId=parent.unit_id)
            except _Refused:
                continue
            children += [OrgUnit(str(u["Id"]), str(u.get("Name") or u["Id"]), UNIT,
                                 parent.unit_id) for u in found]
        if not children:
            break
        units += children
        level = children
    return units


def _accounts(reading: _Reading, units: list[OrgUnit]) -> tuple[OrgAccount, ...]:
    try:
        listed = reading.call("organizations:ListAccounts", "", "", "list_accounts", "Accounts")
    except _Refused:
        raise SourceError(_fatal(reading, "cannot list the organisation's accounts")) from None
    parent_of: dict[str, str] = {}
    for unit in units:
        try:
            found = reading.call("organizations:ListAccountsForParent", unit.unit_id,
                                 f"accounts under {unit.unit_id}", "list_accounts_for_parent",
                                 "Accounts", ParentId=unit.unit_id)
        except _Refused:
            continue
        parent_of.update({str(a["Id"]): unit.unit_id for a in found})
    return tuple(OrgAccount(str(a["Id"]), str(a.get("Name") or ""), str(a.get("Email") or ""),
                            str(a.get("State") or a.get("Status") or ""),
                            parent_of.get(str(a["Id"]), ""))
                 for a in sorted(listed, key=lambda a: str(a["Id"])))


def _policies(reading: _Reading, kind: str, policies: list[OrgPolicy],
              attachments: list[OrgAttachment]) -> None:
    label = _LABEL[kind]
    try:
        summaries = reading.call("organizations:ListPolicies", kind, "", "list_policies",
                                 "Policies", Filter=kind)
    except _Refused:
        warning = reading.warnings[-1]
        if warning.code in TYPE_UNAVAILABLE_CODES:
            reading.warnings[-1] = LoadWarning(warning.operation, kind, f"{label} are not "
                                               f"available here, so none applies "
                                               f"({warning.message})", warning.code)
        else:
            reading.unread.append(Unread(GATE_ORGANIZATION, label,
                                         f"{warning.operation}: [{warning.code}] "
                                         f"{warning.message}"))
        return
    for summary in summaries:
        policy = _policy(reading, summary)
        policies.append(policy)
        try:
            targets = reading.call("organizations:ListTargetsForPolicy", policy.policy_id,
                                   f"targets of {policy.name}", "list_targets_for_policy",
                                   "Targets", PolicyId=policy.policy_id)
        except _Refused:
            continue
        attachments += [OrgAttachment(policy.policy_id, str(t["TargetId"]), kind)
                        for t in targets]


def _policy(reading: _Reading, summary: dict[str, Any]) -> OrgPolicy:
    policy_id = str(summary["Id"])
    common: dict[str, Any] = {"policy_id": policy_id,
                              "name": str(summary.get("Name") or policy_id),
                              "arn": str(summary.get("Arn") or ""),
                              "aws_managed": summary.get("AwsManaged") is True}
    try:
        described = reading.call("organizations:DescribePolicy", policy_id, "",
                                 "describe_policy", "", PolicyId=policy_id)
    except _Refused:
        warning = reading.warnings[-1]
        return OrgPolicy(**common, unread=(Unread(
            GATE_ORGANIZATION, f"policy {common['name']}",
            f"{warning.operation}: [{warning.code}] {warning.message}"),))
    where = f"organizations:DescribePolicy {policy_id}: Policy.Content"
    try:
        document = decode_document(described["Policy"]["Content"], where)
    except DocumentDecodeError as exc:
        reading.warnings.append(LoadWarning("organizations:DescribePolicy", policy_id,
                                            exc.message))
        return OrgPolicy(**common, unread=(Unread(GATE_ORGANIZATION, f"policy {common['name']}",
                                                  exc.message),))
    return OrgPolicy(**common, document=document)
