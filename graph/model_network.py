"""The network an instance's request to S3 leaves through, per region (read-only facts).

A request leaves through the subnet's route table: the subnet's explicit association, else the
VPC's main table. Its routes lead to a gateway endpoint (a prefix-list route to `vpce-…`), a
NAT gateway, an internet gateway (IPv4 or IPv6), an egress-only internet gateway (IPv6), or
nowhere; an interface endpoint in the VPC is reached by DNS instead of a route: the default S3
name when its private DNS is on, else only its own name. The gates read these records; what
could not be read is in `RegionNetwork.unread` (the gate answers unknown there), never an
empty tuple.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from graph.model_common import JsonDoc, Unread

#: Route target kinds (from the id's prefix or the field that holds it).
TARGET_LOCAL = "local"
TARGET_GATEWAY_ENDPOINT = "gateway-endpoint"
TARGET_INTERNET_GATEWAY = "internet-gateway"
TARGET_EGRESS_ONLY_GATEWAY = "egress-only-internet-gateway"
TARGET_NAT_GATEWAY = "nat-gateway"
TARGET_OTHER = "other"
_PREFIXES = (("vpce-", TARGET_GATEWAY_ENDPOINT), ("igw-", TARGET_INTERNET_GATEWAY),
             ("eigw-", TARGET_EGRESS_ONLY_GATEWAY), ("nat-", TARGET_NAT_GATEWAY))


def target_kind(target: str) -> str:
    """What a route's target id names ("local", "vpce-…", "igw-…", "nat-…", others)."""
    if target == "local":
        return TARGET_LOCAL
    for prefix, kind in _PREFIXES:
        if target.startswith(prefix):
            return kind
    return TARGET_OTHER


@dataclass(frozen=True)
class Route:
    """One route: a destination (IPv4/IPv6 CIDR or a prefix list id `pl-…`) and its target."""

    destination: str
    #: "local", "vpce-…", "igw-…", "nat-…", "eigw-…", "pcx-…", "tgw-…", "eni-…", "i-…"…
    target: str
    #: "active", or "blackhole" (its target is gone: the route leads nowhere).
    state: str = "active"

    @property
    def target_kind(self) -> str:
        return target_kind(self.target)

    @property
    def to_prefix_list(self) -> bool:
        return self.destination.startswith("pl-")

    @property
    def is_default(self) -> bool:
        """A default route (0.0.0.0/0 or ::/0): everything not matched more precisely."""
        return self.destination in ("0.0.0.0/0", "::/0")


@dataclass(frozen=True)
class RouteTable:
    route_table_id: str
    vpc_id: str
    region: str
    routes: tuple[Route, ...] = ()
    #: Subnets explicitly associated with this table.
    subnet_ids: tuple[str, ...] = ()
    #: The VPC's main table: it serves every subnet without an explicit association.
    main: bool = False


@dataclass(frozen=True)
class Subnet:
    subnet_id: str
    vpc_id: str
    region: str
    cidr_block: str = ""
    availability_zone: str = ""
    map_public_ip_on_launch: bool = False


@dataclass(frozen=True)
class Vpc:
    vpc_id: str
    region: str
    cidr_blocks: tuple[str, ...] = ()
    is_default: bool = False
    owner_id: str = ""


@dataclass(frozen=True)
class VpcEndpoint:
    """A VPC endpoint (gateway or interface) and its policy."""

    endpoint_id: str
    vpc_id: str
    region: str
    #: e.g. "com.amazonaws.us-east-1.s3".
    service_name: str
    #: "Gateway", "Interface" or "GatewayLoadBalancer".
    endpoint_type: str
    state: str = "available"
    #: The endpoint policy; None means none is set: full access (AWS's default).
    policy: JsonDoc | None = None
    #: Gateway endpoints: the route tables holding its prefix-list route.
    route_table_ids: tuple[str, ...] = ()
    #: Interface endpoints: the subnets holding its network interfaces.
    subnet_ids: tuple[str, ...] = ()
    #: Interface endpoints: whether the default S3 name resolves to the endpoint inside the VPC
    #: (PrivateDnsEnabled); None when the source did not say (an older snapshot).
    private_dns_enabled: bool | None = None
    #: DnsOptions.PrivateDnsOnlyForInboundResolverEndpoint: private DNS answers only queries
    #: from on premises, so the VPC's own clients keep the gateway endpoint; None when the
    #: source did not say (an older snapshot).
    private_dns_inbound_only: bool | None = None
    #: The endpoint's own DNS names (DnsEntries): what a client must be configured with to
    #: use it when private DNS does not send the default name there.
    dns_names: tuple[str, ...] = ()
    owner_id: str = ""
    #: Its policy could not be decoded (the reason; the gate answers unknown).
    unread: tuple[Unread, ...] = ()

    @property
    def is_s3(self) -> bool:
        """Whether it serves S3 (com.amazonaws.<region>.s3, not s3-outposts or s3express)."""
        return self.service_name.rsplit(".", 1)[-1] == "s3"

    @property
    def service_region(self) -> str:
        """The region named in the service name (S3 endpoints serve only that region)."""
        parts = self.service_name.split(".")
        return parts[-2] if len(parts) >= 3 else self.region


@dataclass(frozen=True)
class NatGateway:
    nat_gateway_id: str
    vpc_id: str
    subnet_id: str
    region: str
    state: str = "available"
    #: The addresses its traffic leaves from (what S3 sees as aws:SourceIp).
    public_ips: tuple[str, ...] = ()
    #: "public" or "private" (a private NAT gateway does not reach the internet by itself).
    connectivity_type: str = "public"


@dataclass(frozen=True)
class InternetGateway:
    internet_gateway_id: str
    region: str
    #: VPCs it is attached to (at most one in practice).
    vpc_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegionNetwork:
    """A region's VPCs, subnets, route tables, endpoints and gateways as read.

    A kind of record that could not be read is named in `unread` (with the reason): its tuple
    is then empty because nothing was read, not because there is none.
    """

    region: str
    vpcs: tuple[Vpc, ...] = ()
    subnets: tuple[Subnet, ...] = ()
    route_tables: tuple[RouteTable, ...] = ()
    endpoints: tuple[VpcEndpoint, ...] = ()
    nat_gateways: tuple[NatGateway, ...] = ()
    internet_gateways: tuple[InternetGateway, ...] = ()
    unread: tuple[Unread, ...] = ()

    @cached_property
    def subnet_by_id(self) -> dict[str, Subnet]:
        return {s.subnet_id: s for s in self.subnets}

    @cached_property
    def route_table_by_id(self) -> dict[str, RouteTable]:
        return {t.route_table_id: t for t in self.route_tables}

    @cached_property
    def endpoint_by_id(self) -> dict[str, VpcEndpoint]:
        return {e.endpoint_id: e for e in self.endpoints}

    @cached_property
    def nat_gateway_by_id(self) -> dict[str, NatGateway]:
        return {n.nat_gateway_id: n for n in self.nat_gateways}

    @cached_property
    def internet_gateway_by_id(self) -> dict[str, InternetGateway]:
        return {g.internet_gateway_id: g for g in self.internet_gateways}

    @cached_property
    def _explicit(self) -> dict[str, RouteTable]:
        return {s: t for t in self.route_tables for s in t.subnet_ids}

    @cached_property
    def _main(self) -> dict[str, RouteTable]:
        return {t.vpc_id: t for t in self.route_tables if t.main}

    def route_table_of(self, subnet_id: str, vpc_id: str | None = None) -> RouteTable | None:
        """The table a subnet's traffic follows: its explicit association, else its VPC's main
        table; None when neither was read (see `unread`)."""
        table = self._explicit.get(subnet_id)
        if table is not None:
            return table
        subnet = self.subnet_by_id.get(subnet_id)
        vpc = subnet.vpc_id if subnet is not None else vpc_id
        return self._main.get(vpc) if vpc else None

    def endpoints_in(self, vpc_id: str) -> tuple[VpcEndpoint, ...]:
        return tuple(e for e in self.endpoints if e.vpc_id == vpc_id)
