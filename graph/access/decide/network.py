"""The network path an instance's request to S3 takes, per route class (gate 1 of the data path).

AWS's rules (VPC User Guide, "Gateway endpoints for Amazon S3" and "Route tables"): a request
leaves through the subnet's route table (its explicit association, else the VPC's main
table). For S3 in the instance's own region, a prefix-list route to a gateway endpoint of that
region's S3 service is more specific than any default route and wins; else an interface
endpoint for S3 in the VPC serves it; else the default route: a NAT gateway (S3 sees the NAT's
public IP) or an internet gateway (only with the instance's public IP, which S3 then sees).
A gateway or interface endpoint serves only its own region: buckets elsewhere go over NAT or
the internet gateway. Anything else is no path at all, a denial of its own kind.

The path depends only on the route table, the bucket's region and whether the instance has a
public IP (its *route class*); `PathFinder` decides each class once. What S3 then sees of the
request (aws:SourceVpce, aws:SourceVpc, aws:VpcSourceIp, or aws:SourceIp) follows the path
(`path_context`): keys absent on that path are given as absent ([]), so conditions on them are
decided, not left conditional.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from graph.model import AccountSnapshot, Instance
from graph.model_network import (
    TARGET_GATEWAY_ENDPOINT,
    TARGET_INTERNET_GATEWAY,
    TARGET_NAT_GATEWAY,
    TARGET_OTHER,
    RegionNetwork,
    RouteTable,
    VpcEndpoint,
)
from graph.policy.request import ContextValue

ENDPOINT = "endpoint"
NAT = "nat"
INTERNET = "internet"
NO_PATH = "none"
UNKNOWN = "unknown"
#: The snapshot holds no network facts at all (an older snapshot or export folder, whose
#: load warning names the gate as not checked): answers pass as the policies decide them.
NOT_CHECKED = "not-checked"
_NOT_CHECKED = ("the network path was not checked (this snapshot holds no network facts)")


@dataclass(frozen=True)
class NetworkPath:
    """How one route class reaches S3 in one region."""

    #: ENDPOINT, NAT, INTERNET, NO_PATH, UNKNOWN (facts not read) or NOT_CHECKED.
    kind: str
    bucket_region: str
    #: "route table rtb-… → vpce-…": the step a trace shows.
    evidence: str
    #: Why there is no path, or why it is unknown ("" otherwise).
    reason: str = ""
    route_table_id: str = ""
    endpoint: VpcEndpoint | None = None
    vpc_id: str = ""
    #: The NAT gateway's public IP (over an internet gateway the instance's own is used).
    nat_ip: str = ""
    #: The NAT or internet gateway the default route leads to ("" otherwise).
    gateway: str = ""

    @property
    def passes(self) -> bool:
        return self.kind in (ENDPOINT, NAT, INTERNET, NOT_CHECKED)


def path_label(path: NetworkPath) -> str:
    """How the request leaves, in a word or two and an id (the exports' network column)."""
    if path.kind == ENDPOINT and path.endpoint is not None:
        kind = "gateway" if path.endpoint.endpoint_type == "Gateway" else "interface"
        return f"{kind} endpoint {path.endpoint.endpoint_id}"
    if path.kind == NAT:
        return f"NAT {path.gateway} ({path.nat_ip})"
    if path.kind == INTERNET:
        return f"internet gateway {path.gateway}"
    if path.kind == NO_PATH:
        return f"no path ({path.reason})"
    if path.kind == UNKNOWN:
        return f"unknown ({path.reason})"
    return "not checked"


def no_path_reason(region: str) -> str:
    return f"no network path to S3 in {region}"


class PathFinder:
    """Network paths per route class (route table × bucket region × public IP), cached."""

    def __init__(self, snapshot: AccountSnapshot) -> None:
        self.snapshot = snapshot
        self._paths: dict[tuple[object, ...], NetworkPath] = {}

    def path(self, instance: Instance, bucket_region: str) -> NetworkPath:
        """The path `instance`'s requests to S3 in `bucket_region` take."""
        if self.snapshot.network is None:
            return NetworkPath(NOT_CHECKED, bucket_region, _NOT_CHECKED)
        net = self.snapshot.network_of(instance.region)
        if net is None:
            return _unknown(bucket_region, f"the network in {instance.region} was not read")
        if not instance.subnet_id:
            return _unknown(bucket_region, f"the subnet of {instance.instance_id} is not known")
        table = net.route_table_of(instance.subnet_id, instance.vpc_id)
        if table is None:
            said = "; ".join(u.reason for u in net.unread) if net.unread else ""
            return _unknown(bucket_region, f"the route table of {instance.subnet_id} was not "
                            "read" + (f" ({said})" if said else ""))
        # The table itself (by identity: the snapshot holds it), not its id: an id alone
        # need not be unique in a hand-made or synthetic account.
        key = (instance.region, id(table), bucket_region, public_ip(instance, net))
        found = self._paths.get(key)
        if found is None:
            found = self._paths[key] = _decide(net, table, bucket_region, key[3])
        return found


def public_ip(instance: Instance, net: RegionNetwork) -> bool:
    """Whether the instance has a public IP, or (stopped) gets one when it starts: a subnet
    that assigns public IPs on launch assigns a new one at every start."""
    if instance.public_ip:
        return True
    subnet = net.subnet_by_id.get(instance.subnet_id or "")
    return instance.state != "running" and subnet is not None \
        and subnet.map_public_ip_on_launch


def _unknown(region: str, reason: str) -> NetworkPath:
    return NetworkPath(UNKNOWN, region, reason, reason)


def _decide(net: RegionNetwork, table: RouteTable, region: str, public_ip: bool
            ) -> NetworkPath:
    rtb = f"route table {table.route_table_id}"
    active = [r for r in table.routes if r.state == "active"]
    if region == net.region:
        for route in active:
            if not (route.to_prefix_list and route.target_kind == TARGET_GATEWAY_ENDPOINT):
                continue
            ep = net.endpoint_by_id.get(route.target)
            if ep is not None and ep.is_s3 and ep.service_region == region \
                    and ep.state.lower() == "available":
                return NetworkPath(ENDPOINT, region, f"{rtb} → {ep.endpoint_id} (gateway "
                                   "endpoint)", route_table_id=table.route_table_id,
                                   endpoint=ep, vpc_id=ep.vpc_id)
        for ep in net.endpoints_in(table.vpc_id):
            if ep.endpoint_type == "Interface" and ep.is_s3 and ep.service_region == region \
                    and ep.state.lower() == "available":
                return NetworkPath(ENDPOINT, region, f"{rtb}: VPC {table.vpc_id} → "
                                   f"{ep.endpoint_id} (interface endpoint)",
                                   route_table_id=table.route_table_id, endpoint=ep,
                                   vpc_id=ep.vpc_id)
    default = next((r for r in active if r.destination == "0.0.0.0/0"), None)
    why = no_path_reason(region)
    if default is not None and default.target_kind == TARGET_NAT_GATEWAY:
        nat = net.nat_gateway_by_id.get(default.target)
        if nat is not None and nat.connectivity_type == "public" and nat.public_ips \
                and nat.state == "available":
            return NetworkPath(NAT, region, f"{rtb} → {nat.nat_gateway_id} (NAT gateway, "
                               f"{nat.public_ips[0]})", route_table_id=table.route_table_id,
                               nat_ip=nat.public_ips[0], gateway=nat.nat_gateway_id)
        if nat is None and net.unread:
            return _unknown(region, f"NAT gateway {default.target} was not read")
        if nat is not None and nat.connectivity_type == "private":
            # A private NAT forwards through its own subnet's routes (a transit or virtual
            # private gateway): where that leads is not read here, so not "no path".
            return _unknown(region, f"{rtb} → {nat.nat_gateway_id} (private NAT gateway): "
                            "where its traffic goes next is not modelled")
        return NetworkPath(NO_PATH, region, f"{rtb} → {default.target} (NAT gateway without "
                           "a public IP)", why, table.route_table_id)
    if default is not None and default.target_kind == TARGET_INTERNET_GATEWAY:
        if public_ip:
            return NetworkPath(INTERNET, region, f"{rtb} → {default.target} (internet "
                               "gateway, the instance's public IP)",
                               route_table_id=table.route_table_id, gateway=default.target)
        return NetworkPath(NO_PATH, region, f"{rtb} → {default.target} (internet gateway, "
                           "but the instance has no public IP)", why, table.route_table_id)
    if default is not None and default.target_kind == TARGET_OTHER:
        # A transit gateway, a peering, a virtual private gateway or an appliance (an ENI or
        # an instance) may well lead to S3 (a central egress or endpoint VPC): unknown with
        # the reason, never a silent "no path".
        return _unknown(region, f"{rtb} → {default.target}: where this route leads (transit "
                        "gateway, peering, VPN or appliance) is not modelled")
    return NetworkPath(NO_PATH, region, f"{rtb}: no route to S3 in {region}", why,
                       table.route_table_id)


def path_context(path: NetworkPath, instance: Instance, read: frozenset[str]
                 ) -> Mapping[str, ContextValue]:
    """The keys S3 sees on this path, of those some statement reads (lower-case names).

    Absent keys are [] (absent, decided), never left out (left out, they are unknown).
    """
    values: dict[str, ContextValue]
    if path.kind == ENDPOINT and path.endpoint is not None:
        values = {"aws:sourcevpce": path.endpoint.endpoint_id, "aws:sourcevpc": path.vpc_id,
                  "aws:vpcsourceip": instance.private_ip or [], "aws:sourceip": []}
    elif path.kind == NAT:
        values = {"aws:sourceip": path.nat_ip, "aws:sourcevpce": [], "aws:sourcevpc": [],
                  "aws:vpcsourceip": []}
    elif path.kind == INTERNET:
        # A stopped instance's next public IP is not known: aws:SourceIp stays unknown.
        values = {"aws:sourceip": instance.public_ip or "", "aws:sourcevpce": [],
                  "aws:sourcevpc": [], "aws:vpcsourceip": []}
    else:
        return {}
    return {k: v for k, v in values.items() if k in read and v != ""}
