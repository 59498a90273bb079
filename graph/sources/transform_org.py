"""organizations describe-organization / list-parents / list-policies-for-target /
describe-policy -> Organization (the SCPs and RCPs on the account's path).

The path is climbed from the account to the root through list-parents. Anything on it that
could not be read (the organisation, a parent, a level's list, a policy) is an Unread where it
belongs, so the organisation gate answers unknown there instead of "no SCP denies".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph.model import Scp
from graph.model_common import GATE_ORGANIZATION, Unread
from graph.model_org import (
    IN_ORGANIZATION,
    NOT_IN_ORGANIZATION,
    ORGANIZATION_UNREAD,
    RCP,
    SCP,
    Organization,
    OrgPolicy,
    OrgTarget,
)
from graph.sources.documents import DocumentDecodeError, decode_document
from graph.sources.raw import fact_key
from graph.sources.shapes import RECORD_FAULTS, bad_shape, expect_object, string

#: Levels deeper than this are a loop in the answers (AWS allows five OU levels).
_MAX_LEVELS = 8


def transform_organization(raw: Mapping[str, Any], unread: Mapping[str, Unread],
                           account_id: str, *, source: str = "organizations",
                           where: str = "organizations") -> Organization:
    """The organisation facts of `account_id` (faults: SourceError naming `where`)."""
    if raw.get("not_in_organization"):
        return Organization(NOT_IN_ORGANIZATION, source=source)
    missing = unread.get(fact_key("organization", "organization"))
    if missing is not None or raw.get("organization") is None:
        reason = missing or Unread(GATE_ORGANIZATION, "organisation", "no answer")
        return Organization(ORGANIZATION_UNREAD, source=source, unread=(reason,))
    org = expect_object(raw["organization"], f"{where} describe-organization",
                        "describe-organization output", ("Organization",))["Organization"]
    try:
        org_id = string(org["Id"], "Id")
        management = string(org.get("MasterAccountId") or "", "MasterAccountId")
    except RECORD_FAULTS as exc:
        raise bad_shape(f"{where} describe-organization: Organization", exc) from exc
    chain, path_unread = _path(raw.get("parents") or {}, unread, account_id, where)
    targets = tuple(_target(t, kind, raw, unread, where) for t, kind in reversed(chain))
    return Organization(IN_ORGANIZATION, org_id, management, targets, source,
                        tuple(path_unread))


def _path(parents: Mapping[str, Any], unread: Mapping[str, Unread], account_id: str,
          where: str) -> tuple[list[tuple[str, str]], list[Unread]]:
    chain = [(account_id, "ACCOUNT")]
    child = account_id
    for _ in range(_MAX_LEVELS):
        response = parents.get(child)
        if response is None:
            reason = unread.get(fact_key("organization", "path")) or Unread(
                GATE_ORGANIZATION, f"parents of {child}", "organizations:ListParents: no answer")
            return chain, [reason]
        w = f"{where} list-parents {child}"
        try:
            parent = expect_object(response, w, "list-parents output", ("Parents",))["Parents"][0]
            chain.append((string(parent["Id"], "Id"), string(parent["Type"], "Type")))
        except RECORD_FAULTS as exc:
            raise bad_shape(f"{w}: Parents", exc) from exc
        if chain[-1][1] == "ROOT":
            return chain, []
        child = chain[-1][0]
    return chain, [Unread(GATE_ORGANIZATION, "path to the root", "more levels than AWS allows")]


def _target(target: str, kind: str, raw: Mapping[str, Any], unread: Mapping[str, Unread],
            where: str) -> OrgTarget:
    problems: list[Unread] = []
    lists: dict[str, tuple[OrgPolicy, ...]] = {}
    for policy_type in (SCP, RCP):
        key = f"{target} {policy_type}"
        response = (raw.get("targets") or {}).get(key)
        missing = unread.get(fact_key("organization", key))
        if missing is not None or response is None:
            problems.append(missing or Unread(
                GATE_ORGANIZATION, f"{_label(policy_type)} of {target}",
                "organizations:ListPoliciesForTarget: no answer"))
            continue
        w = f"{where} list-policies-for-target {key}"
        summaries = expect_object(response, w, "list-policies-for-target output",
                                  ("Policies",))["Policies"]
        try:
            lists[policy_type] = tuple(
                _policy(s, raw, unread, where) for s in summaries or ())
        except RECORD_FAULTS as exc:
            raise bad_shape(f"{w}: Policies", exc) from exc
    return OrgTarget(target, kind, lists.get(SCP, ()), lists.get(RCP, ()), tuple(problems))


def _policy(summary: Any, raw: Mapping[str, Any], unread: Mapping[str, Unread],
            where: str) -> OrgPolicy:
    policy_id = string(summary["Id"], "Id")
    name = string(summary.get("Name") or policy_id, "Name")
    common = {"policy_id": policy_id, "name": name, "arn": str(summary.get("Arn") or ""),
              "aws_managed": summary.get("AwsManaged") is True}
    missing = unread.get(fact_key("organization", policy_id))
    response = (raw.get("policies") or {}).get(policy_id)
    if missing is not None or response is None:
        return OrgPolicy(**common, unread=(missing or Unread(
            GATE_ORGANIZATION, f"policy {name}", "organizations:DescribePolicy: no answer"),))
    w = f"{where} describe-policy {policy_id}"
    content = expect_object(response, w, "describe-policy output", ("Policy",))["Policy"]
    try:
        document = decode_document(content["Content"], f"{w}: Policy.Content")
    except DocumentDecodeError as exc:
        return OrgPolicy(**common, unread=(Unread(GATE_ORGANIZATION, f"policy {name}",
                                                  exc.message),))
    return OrgPolicy(**common, document=document)


def _label(policy_type: str) -> str:
    return "SCPs" if policy_type == SCP else "RCPs"


def scps_of(organization: Organization | None,
            account_id: str) -> tuple[tuple[Scp, ...], ...] | None:
    """`AccountSnapshot.scps` (what the engine applies today) from a fully read path; None
    when SCPs do not apply (no organisation, the management account) or were not all read."""
    if organization is None or organization.status != IN_ORGANIZATION \
            or organization.is_management_account(account_id) or not organization.fully_read:
        return None
    if not any(t.scps for t in organization.path):
        return None  # SCPs are not enabled: no level holds one (not even FullAWSAccess)
    return tuple(tuple(Scp(p.name, p.document, level, t.target_id) for p in t.scps)
                 for level, t in enumerate(organization.path))
