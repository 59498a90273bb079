"""Live reads of the gates' facts: network, KMS, access points, organisation policies (get).

Only Describe/List/Get calls. A call that fails (AccessDenied, a region not enabled, a
timeout) is a load warning naming the gate that cannot be checked, and an Unread in the raw
account, so the gate answers unknown there; "not configured" answers are absence. Responses
are kept as boto3 returns them; `build_gates` turns them into the model (transform).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from graph.model import LoadWarning
from graph.model_common import GATE_ACCESS_POINTS, GATE_KMS, GATE_ORGANIZATION, Unread
from graph.model_org import RCP, SCP
from graph.sources.aws_errors import describe_error
from graph.sources.calls import CallWatch
from graph.sources.connection import AwsConnection
from graph.sources.raw import NETWORK_KINDS, fact_key
from graph.sources.transform_network import gate_of

FAILURES = (ClientError, BotoCoreError)
#: Answers meaning "this account is in no organisation" (a fact, not a failure).
NOT_IN_ORG_CODES = frozenset({"AWSOrganizationsNotInUseException"})
NO_ACCESS_POINT_POLICY = frozenset({"NoSuchAccessPointPolicy"})
#: ListPoliciesForTarget of a policy type the organisation has not enabled.
POLICY_TYPE_OFF_CODES = frozenset({"PolicyTypeNotEnabledException"})


class Collector(Protocol):
    watch: CallWatch
    warnings: list[LoadWarning]


def error_text(exc: Exception) -> tuple[str, str]:
    return describe_error(exc)


def failed(out: Collector, unread: dict[str, Unread], key: str, gate: str, fact: str,
           operation: str, target: str, exc: Exception) -> None:
    """Record a failed read: a warning naming the gate, and the fact as unread."""
    code, message = error_text(exc)
    out.warnings.append(LoadWarning(operation, target, f"{message} ({gate} not checked)", code))
    unread[key] = Unread(gate, fact, f"{operation}: {f'[{code}] ' if code else ''}{message}")


def _pages(client: Any, method: str, key: str, watch: CallWatch, operation: str, target: str,
           **kwargs: Any) -> dict[str, Any]:
    items: list[Any] = []
    with watch.call(operation, target):
        if client.can_paginate(method):
            for page in client.get_paginator(method).paginate(**kwargs):
                items.extend(page.get(key) or ())
        else:
            items.extend(getattr(client, method)(**kwargs).get(key) or ())
    return {key: items}


_NETWORK_METHODS = {"vpcs": ("describe_vpcs", "Vpcs"),
                    "subnets": ("describe_subnets", "Subnets"),
                    "route_tables": ("describe_route_tables", "RouteTables"),
                    "endpoints": ("describe_vpc_endpoints", "VpcEndpoints"),
                    "nat_gateways": ("describe_nat_gateways", "NatGateways"),
                    "internet_gateways": ("describe_internet_gateways", "InternetGateways")}


def read_network(conn: AwsConnection, pool: ThreadPoolExecutor, regions: Iterable[str],
                 out: Collector, unread: dict[str, Unread]) -> dict[str, dict[str, Any]]:
    """Every region's six describe calls (the regions that hold instances)."""
    regions = sorted(set(regions))
    jobs = {}
    for region in regions:
        for kind, operation in NETWORK_KINDS:
            method, key = _NETWORK_METHODS[kind]
            jobs[(region, kind, operation)] = pool.submit(
                _pages, conn.client("ec2", region), method, key, out.watch, operation, region)
    result: dict[str, dict[str, Any]] = {r: {} for r in regions}
    for (region, kind, operation), future in jobs.items():
        try:
            result[region][kind] = future.result()
        except FAILURES as exc:
            failed(out, unread, fact_key("network", region, kind), gate_of(kind),
                   f"{kind.replace('_', ' ')} in {region}", operation, region, exc)
    return result


def _read_key(conn: AwsConnection, region: str, key_id: str,
              watch: CallWatch) -> dict[str, Any]:
    kms = conn.client("kms", region)
    found: dict[str, Any] = {}
    calls: Sequence[tuple[str, str, Callable[[], Any]]] = (
        ("describe", "kms:DescribeKey", lambda: kms.describe_key(KeyId=key_id)),
        ("policies", "kms:GetKeyPolicy",
         lambda: kms.get_key_policy(KeyId=key_id, PolicyName="default")),
        ("grants", "kms:ListGrants",
         lambda: _pages(kms, "list_grants", "Grants", watch, "kms:ListGrants", key_id,
                        KeyId=key_id)),
    )
    for part, operation, call in calls:
        try:
            if part == "grants":
                found[part] = call()
            else:
                with watch.call(operation, key_id):
                    found[part] = call()
        except FAILURES as exc:
            found[part] = exc
    return found


_KEY_PARTS = {"describe": ("kms:DescribeKey", "description"),
              "policies": ("kms:GetKeyPolicy", "key policy"),
              "grants": ("kms:ListGrants", "grants")}
_PART_KEYS = {"describe": "describe", "policies": "policy", "grants": "grants"}


def _region_lists(conn: AwsConnection, region: str, watch: CallWatch) -> dict[str, Any]:
    """A region's list-keys and list-aliases ({part: response | Exception})."""
    kms = conn.client("kms", region)
    found: dict[str, Any] = {}
    for part, method, key, operation in (("keys", "list_keys", "Keys", "kms:ListKeys"),
                                         ("aliases", "list_aliases", "Aliases",
                                          "kms:ListAliases")):
        try:
            found[part] = _pages(kms, method, key, watch, operation, region)
        except FAILURES as exc:
            found[part] = exc
    return found


def read_kms(conn: AwsConnection, pool: ThreadPoolExecutor, regions: Iterable[str],
             out: Collector, unread: dict[str, Unread]) -> dict[str, dict[str, Any]]:
    """Keys and aliases per region, and each key's description, policy and grants."""
    result: dict[str, dict[str, Any]] = {}
    lists = {r: pool.submit(_region_lists, conn, r, out.watch) for r in sorted(set(regions))}
    keys: dict[tuple[str, str], Any] = {}
    for region, future in lists.items():
        data: dict[str, Any] = {"describe": {}, "policies": {}, "grants": {}}
        result[region] = data
        for part, value in future.result().items():
            if isinstance(value, Exception):
                operation = "kms:ListKeys" if part == "keys" else "kms:ListAliases"
                failed(out, unread, fact_key("kms", region, part), GATE_KMS,
                       f"KMS {part} in {region}", operation, region, value)
            else:
                data[part] = value
        for k in (data.get("keys") or {}).get("Keys", ()):
            keys[(region, k["KeyId"])] = pool.submit(_read_key, conn, region, k["KeyId"],
                                                     out.watch)
    for (region, key_id), future in keys.items():
        for part, value in future.result().items():
            if isinstance(value, Exception):
                operation, fact = _KEY_PARTS[part]
                failed(out, unread, fact_key("kms", region, key_id, _PART_KEYS[part]),
                       GATE_KMS, f"{fact} of key {key_id}", operation, key_id, value)
            else:
                result[region][part][key_id] = value
    return result


def _list_points(conn: AwsConnection, account_id: str, region: str,
                 watch: CallWatch) -> dict[str, Any]:
    return _pages(conn.client("s3control", region), "list_access_points", "AccessPointList",
                  watch, "s3control:ListAccessPoints", region, AccountId=account_id)


def read_access_points(conn: AwsConnection, pool: ThreadPoolExecutor, account_id: str,
                       regions: Iterable[str], out: Collector,
                       unread: dict[str, Unread]) -> dict[str, dict[str, Any]]:
    """list-access-points per region, then each point's configuration and policy."""
    lists: dict[str, Any] = {}
    got: dict[str, Any] = {}
    policies: dict[str, Any] = {}
    futures = {r: pool.submit(_list_points, conn, account_id, r, out.watch)
               for r in sorted(set(regions))}
    for region, future in futures.items():
        try:
            lists[region] = future.result()
        except FAILURES as exc:
            failed(out, unread, fact_key("access_points", region), GATE_ACCESS_POINTS,
                   f"access points in {region}", "s3control:ListAccessPoints", region, exc)
    for region, listing in lists.items():
        for entry in listing["AccessPointList"]:
            arn = entry.get("AccessPointArn") or ""
            if arn in got or arn in policies:
                continue
            parts = arn.split(":")
            client = conn.client("s3control", parts[3] if len(parts) > 5 and parts[3]
                                 else region)
            name = entry["Name"]
            try:
                with out.watch.call("s3control:GetAccessPoint", name):
                    got[arn] = client.get_access_point(AccountId=account_id, Name=name)
            except FAILURES as exc:
                failed(out, unread, fact_key("access_point", arn, "config"), GATE_ACCESS_POINTS,
                       f"configuration of access point {name}", "s3control:GetAccessPoint",
                       name, exc)
            try:
                with out.watch.call("s3control:GetAccessPointPolicy", name):
                    policies[arn] = client.get_access_point_policy(AccountId=account_id,
                                                                   Name=name)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in NO_ACCESS_POINT_POLICY:
                    failed(out, unread, fact_key("access_point", arn, "policy"),
                           GATE_ACCESS_POINTS, f"policy of access point {name}",
                           "s3control:GetAccessPointPolicy", name, exc)
            except BotoCoreError as exc:
                failed(out, unread, fact_key("access_point", arn, "policy"), GATE_ACCESS_POINTS,
                       f"policy of access point {name}", "s3control:GetAccessPointPolicy",
                       name, exc)
    return {"list": lists, "get": got, "policies": policies}


def read_organization(conn: AwsConnection, account_id: str, out: Collector,
                      unread: dict[str, Unread]) -> dict[str, Any]:
    """describe-organization, the path to the root, and the SCPs and RCPs on it."""
    org = conn.client("organizations")
    watch = out.watch

    def read(key: str, fact: str, operation: str, target: str, call: Callable[[], Any]) -> Any:
        try:
            with watch.call(operation, target):
                return call()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in POLICY_TYPE_OFF_CODES:
                return {"Policies": []}  # that type is not enabled: none applies
            failed(out, unread, fact_key("organization", key), GATE_ORGANIZATION, fact,
                   operation, target, exc)
            return None
        except BotoCoreError as exc:
            failed(out, unread, fact_key("organization", key), GATE_ORGANIZATION, fact,
                   operation, target, exc)
            return None

    try:
        with watch.call("organizations:DescribeOrganization"):
            described = org.describe_organization()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in NOT_IN_ORG_CODES:
            return {"not_in_organization": True}
        failed(out, unread, fact_key("organization", "organization"), GATE_ORGANIZATION,
               "organisation", "organizations:DescribeOrganization", "", exc)
        return {}
    except BotoCoreError as exc:
        failed(out, unread, fact_key("organization", "organization"), GATE_ORGANIZATION,
               "organisation", "organizations:DescribeOrganization", "", exc)
        return {}
    raw: dict[str, Any] = {"organization": described, "parents": {}, "targets": {},
                           "policies": {}}
    child, chain = account_id, [account_id]
    for _ in range(8):
        parents = read("path", f"parents of {child}", "organizations:ListParents", child,
                       lambda c=child: org.list_parents(ChildId=c))
        if parents is None or not parents.get("Parents"):
            break
        raw["parents"][child] = parents
        parent = parents["Parents"][0]
        chain.append(parent["Id"])
        if parent.get("Type") == "ROOT":
            break
        child = parent["Id"]
    for target in chain:
        for policy_type in (SCP, RCP):
            key = f"{target} {policy_type}"
            label = "SCPs" if policy_type == SCP else "RCPs"
            listing = read(key, f"{label} of {target}", "organizations:ListPoliciesForTarget",
                           target, lambda t=target, p=policy_type: _pages(
                               org, "list_policies_for_target", "Policies", watch,
                               "organizations:ListPoliciesForTarget", t, TargetId=t, Filter=p))
            if listing is None:
                continue
            raw["targets"][key] = listing
            for summary in listing["Policies"]:
                pid = summary["Id"]
                if pid in raw["policies"]:
                    continue
                policy = read(pid, f"policy {summary.get('Name', pid)}",
                              "organizations:DescribePolicy", pid,
                              lambda p=pid: org.describe_policy(PolicyId=p))
                if policy is not None:
                    raw["policies"][pid] = policy
    return raw
