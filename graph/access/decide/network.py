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

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from graph.model import AccountSnapshot, Instance
from graph.model_network import (
    TARGET_EGRESS_ONLY_GATEWAY,
    TARGET_GATEWAY_ENDPOINT,
    TARGET_INTERNET_GATEWAY,
    TARGET_NAT_GATEWAY,
    TARGET_OTHER,
    RegionNetwork,
    Route,
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
_NOT_RECORDED = "its private DNS settings are not recorded in this snapshot"
#: How every `NetworkPath.only_with` starts (what a trace prints of a conditional answer).
ONLY_FOR_CLIENTS = "only for clients that use "


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
    #: A caveat the trace shows with the step (a fact the snapshot did not record).
    note: str = ""
    #: Set on a path that only some clients take: how they must be configured ("only for
    #: clients that use the endpoint's own DNS name …"); what is allowed over it is
    #: conditional on that.
    only_with: str = ""
    #: Over IPv6 (aws:SourceIp is then the instance's IPv6 address).
    ipv6: bool = False
    #: Another way out beside the default one, taken only by clients configured for it
    #: (`only_with` says how): an interface endpoint without private DNS, or IPv6 through
    #: S3's dual-stack endpoint where IPv4 has no way out.
    alternative: NetworkPath | None = None

    @property
    def passes(self) -> bool:
        return self.kind in (ENDPOINT, NAT, INTERNET, NOT_CHECKED)


def path_label(path: NetworkPath) -> str:
    """How the request leaves, in a word or two and an id (the exports' network column)."""
    alt = path.alternative
    if alt is not None:
        how = "dual-stack endpoint only" if alt.ipv6 else "by its own DNS name only"
        return f"{_label(path)}; {_label(alt)} ({how})"
    return _label(path)


def _label(path: NetworkPath) -> str:
    if path.ipv6:
        kind = "egress-only internet gateway" if path.gateway.startswith("eigw-") \
            else "internet gateway"
        return f"IPv6 {kind} {path.gateway}"
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
        key = (instance.region, id(table), bucket_region, public_ip(instance, net),
               bool(instance.ipv6_address))
        found = self._paths.get(key)
        if found is None:
            found = self._paths[key] = _decide(net, table, bucket_region, key[3], key[4])
        return found


def route_key(snapshot: AccountSnapshot, instance: Instance) -> tuple[object, ...]:
    """What the instance's paths to S3 depend on (`PathFinder.path`, for every bucket region):
    equal keys, equal paths. Where the path is unknown, what its reason names."""
    if snapshot.network is None:
        return ()
    net = snapshot.network_of(instance.region)
    if net is None:
        return (instance.region,)
    if not instance.subnet_id:
        return (instance.region, instance.instance_id)
    table = net.route_table_of(instance.subnet_id, instance.vpc_id)
    if table is None:
        return (instance.region, instance.subnet_id)
    # The table itself (by identity, as PathFinder keys it): ids need not be unique.
    return (instance.region, id(table), public_ip(instance, net), bool(instance.ipv6_address))


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


def _decide(net: RegionNetwork, table: RouteTable, region: str, public_ip: bool,
            ipv6: bool) -> NetworkPath:
    rtb = f"route table {table.route_table_id}"
    active = [r for r in table.routes if r.state == "active"]
    if region != net.region:
        return _default_route(net, table, active, region, public_ip, ipv6)
    gateway = next((ep for ep in (net.endpoint_by_id.get(r.target) for r in active
                                  if r.to_prefix_list
                                  and r.target_kind == TARGET_GATEWAY_ENDPOINT)
                    if ep is not None and ep.is_s3 and ep.service_region == region
                    and ep.state.lower() == "available"), None)
    interfaces = [ep for ep in net.endpoints_in(table.vpc_id)
                  if ep.endpoint_type == "Interface" and ep.is_s3
                  and ep.service_region == region and ep.state.lower() == "available"]
    # Private DNS on for every resolver: the default S3 name resolves to the interface
    # endpoint inside the VPC, ahead of any gateway endpoint route (which matches S3's public
    # addresses only).
    on = next((ep for ep in interfaces if ep.private_dns_enabled is True
               and ep.private_dns_inbound_only is False), None)
    if on is not None:
        return _interface(table, on, region)
    # Not recorded (an older snapshot): as before, a gateway route first, else the interface.
    unsure = [ep for ep in interfaces if ep.private_dns_enabled is None
              or (ep.private_dns_enabled and ep.private_dns_inbound_only is None)]
    if gateway is not None:
        note = f"{unsure[0].endpoint_id}: {_NOT_RECORDED} (the gateway endpoint is " \
            "assumed, as before)" if unsure else ""
        path = NetworkPath(ENDPOINT, region, f"{rtb} → {gateway.endpoint_id} (gateway "
                           "endpoint)", route_table_id=table.route_table_id,
                           endpoint=gateway, vpc_id=gateway.vpc_id, note=note)
    elif unsure:
        return _interface(table, unsure[0], region,
                          f"{unsure[0].endpoint_id}: {_NOT_RECORDED} (assumed on, as before)")
    else:
        path = _default_route(net, table, active, region, public_ip, ipv6)
    named = [ep for ep in interfaces if ep not in unsure]
    if named:
        # Private DNS off, or only for inbound resolver endpoints: the default name goes out
        # by the route table; the interface endpoint serves only clients given its own name.
        ep = named[0]
        name = ep.dns_names[0].removeprefix("*.") if ep.dns_names else ep.endpoint_id
        why = "private DNS is off" if ep.private_dns_enabled is False else \
            "its private DNS answers only inbound resolver endpoints"
        alt = dataclasses.replace(
            _interface(table, ep, region),
            only_with=f"{ONLY_FOR_CLIENTS}the endpoint's own DNS name {name} "
                      f"({ep.endpoint_id}: {why})")
        path = dataclasses.replace(path, alternative=alt)
    return path


def _interface(table: RouteTable, ep: VpcEndpoint, region: str, note: str = ""
               ) -> NetworkPath:
    return NetworkPath(ENDPOINT, region, f"route table {table.route_table_id}: VPC "
                       f"{table.vpc_id} → {ep.endpoint_id} (interface endpoint)",
                       route_table_id=table.route_table_id, endpoint=ep, vpc_id=ep.vpc_id,
                       note=note)


def _default_route(net: RegionNetwork, table: RouteTable, active: list[Route], region: str,
                   public_ip: bool, ipv6: bool) -> NetworkPath:
    """Where the default route leads (S3 elsewhere, or no endpoint serves the request); with
    no IPv4 way out, an IPv6 one serves only clients that use S3's dual-stack endpoint."""
    path = _ipv4_route(net, table, active, region, public_ip)
    if path.kind != NO_PATH or not ipv6:
        return path
    route = next((r for r in active if r.destination == "::/0" and r.target_kind in (
        TARGET_EGRESS_ONLY_GATEWAY, TARGET_INTERNET_GATEWAY)), None)
    if route is None:
        return path
    # The default S3 name (s3.<region>.amazonaws.com) has IPv4 addresses only: over IPv6 a
    # request needs the dual-stack name, and S3 sees the instance's IPv6 address.
    kind = "egress-only internet gateway" \
        if route.target_kind == TARGET_EGRESS_ONLY_GATEWAY else "internet gateway"
    alt = NetworkPath(
        INTERNET, region, f"route table {table.route_table_id} → {route.target} ({kind}, "
        "IPv6: the instance's IPv6 address)", route_table_id=table.route_table_id,
        gateway=route.target, ipv6=True,
        only_with=f"{ONLY_FOR_CLIENTS}S3's dual-stack endpoint "
                  f"s3.dualstack.{region}.amazonaws.com (IPv6 through {kind} {route.target}; "
                  "the default S3 endpoint is IPv4 only)")
    return dataclasses.replace(path, alternative=alt)


def _ipv4_route(net: RegionNetwork, table: RouteTable, active: list[Route], region: str,
                public_ip: bool) -> NetworkPath:
    rtb = f"route table {table.route_table_id}"
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
        values = {"aws:sourceip": (instance.ipv6_address if path.ipv6 else instance.public_ip)
                  or "", "aws:sourcevpce": [],
                  "aws:sourcevpc": [], "aws:vpcsourceip": []}
    else:
        return {}
    return {k: v for k, v in values.items() if k in read and v != ""}
