"""EC2 describe-vpcs/-subnets/-route-tables/-vpc-endpoints/-nat-gateways/-internet-gateways
(one region each) -> RegionNetwork.

A kind that could not be read arrives as an Unread in `unread` and stays one; a response that
is not the documented shape is an error naming its file (export folders) or, for live reads,
an Unread with a warning: the network gate then answers unknown for that region.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graph.errors import SourceError
from graph.model import LoadWarning
from graph.model_common import GATE_ENDPOINTS, GATE_NETWORK, Unread
from graph.model_network import (
    InternetGateway,
    NatGateway,
    RegionNetwork,
    Route,
    RouteTable,
    Subnet,
    Vpc,
    VpcEndpoint,
)
from graph.sources.documents import DocumentDecodeError, decode_document
from graph.sources.raw import NETWORK_KINDS, Response
from graph.sources.shapes import (
    RECORD_FAULTS,
    ShapeError,
    bad_shape,
    expect_list,
    expect_object,
    string,
)

#: The describe output's list key per kind.
_LIST_KEYS = {"vpcs": "Vpcs", "subnets": "Subnets", "route_tables": "RouteTables",
              "endpoints": "VpcEndpoints", "nat_gateways": "NatGateways",
              "internet_gateways": "InternetGateways"}
_OPERATIONS = dict(NETWORK_KINDS)
_TARGET_KEYS = ("GatewayId", "NatGatewayId", "EgressOnlyInternetGatewayId", "TransitGatewayId",
                "VpcPeeringConnectionId", "NetworkInterfaceId", "InstanceId",
                "CarrierGatewayId", "LocalGatewayId", "CoreNetworkArn")


def gate_of(kind: str) -> str:
    """The gate a network kind serves (endpoints: their policies; the rest: the path)."""
    return GATE_ENDPOINTS if kind == "endpoints" else GATE_NETWORK


def transform_network(
    region: str, responses: Mapping[str, Response], unread: tuple[Unread, ...] = (), *,
    where: Callable[[str], str] = lambda kind: "", strict: bool = True,
    warnings: list[LoadWarning] | None = None,
) -> RegionNetwork:
    """One region's records; `where(kind)` names each response's file for error messages."""
    out: dict[str, tuple[Any, ...]] = {}
    missing = list(unread)
    endpoint_unread: list[Unread] = []
    for kind, _operation in NETWORK_KINDS:
        response = responses.get(kind)
        if response is None:
            continue
        w = where(kind) or f"{_OPERATIONS[kind]} {region}"
        try:
            items = expect_list(
                expect_object(response, w, f"{_OPERATIONS[kind]} output",
                              (_LIST_KEYS[kind],))[_LIST_KEYS[kind]], f"{w}: {_LIST_KEYS[kind]}")
            records = []
            for i, raw in enumerate(items):
                try:
                    records.append(_READERS[kind](raw, region, f"{w}: {_LIST_KEYS[kind]}[{i}]",
                                                  endpoint_unread))
                except RECORD_FAULTS as exc:
                    raise bad_shape(f"{w}: {_LIST_KEYS[kind]}[{i}]", exc) from exc
            out[kind] = tuple(records)
        except SourceError as exc:
            if strict:
                raise
            if warnings is not None:
                warnings.append(LoadWarning(_OPERATIONS[kind], region, f"not used: {exc}"))
            missing.append(Unread(gate_of(kind), f"{kind.replace('_', ' ')} in {region}",
                                  f"{_OPERATIONS[kind]}: malformed answer ({exc})"))
    if endpoint_unread and warnings is not None:
        warnings.extend(LoadWarning("ec2:DescribeVpcEndpoints", region, str(u))
                        for u in endpoint_unread)
    return RegionNetwork(region=region, unread=tuple(missing), **out)


def _vpc(raw: Any, region: str, where: str, _: list[Unread]) -> Vpc:
    cidrs = [a["CidrBlock"] for a in raw.get("CidrBlockAssociationSet") or ()
             if (a.get("CidrBlockState") or {}).get("State", "associated") == "associated"]
    if not cidrs and raw.get("CidrBlock"):
        cidrs = [raw["CidrBlock"]]
    return Vpc(vpc_id=string(raw["VpcId"], "VpcId"), region=region,
               cidr_blocks=tuple(string(c, "CidrBlock") for c in cidrs),
               is_default=raw.get("IsDefault") is True, owner_id=str(raw.get("OwnerId") or ""))


def _subnet(raw: Any, region: str, where: str, _: list[Unread]) -> Subnet:
    return Subnet(subnet_id=string(raw["SubnetId"], "SubnetId"),
                  vpc_id=string(raw["VpcId"], "VpcId"), region=region,
                  cidr_block=str(raw.get("CidrBlock") or ""),
                  availability_zone=str(raw.get("AvailabilityZone") or ""),
                  map_public_ip_on_launch=raw.get("MapPublicIpOnLaunch") is True)


def _route(raw: Any) -> Route:
    destination = (raw.get("DestinationCidrBlock") or raw.get("DestinationIpv6CidrBlock")
                   or raw.get("DestinationPrefixListId") or "")
    target = next((raw[k] for k in _TARGET_KEYS if raw.get(k)), "")
    return Route(destination=string(destination, "DestinationCidrBlock"),
                 target=string(target, "GatewayId"), state=str(raw.get("State") or "active"))


def _route_table(raw: Any, region: str, where: str, _: list[Unread]) -> RouteTable:
    associations = [a for a in raw.get("Associations") or ()
                    if (a.get("AssociationState") or {}).get("State", "associated")
                    == "associated"]
    return RouteTable(
        route_table_id=string(raw["RouteTableId"], "RouteTableId"),
        vpc_id=string(raw["VpcId"], "VpcId"), region=region,
        routes=tuple(_route(r) for r in raw.get("Routes") or ()),
        subnet_ids=tuple(string(a["SubnetId"], "Associations.SubnetId")
                         for a in associations if a.get("SubnetId")),
        main=any(a.get("Main") is True for a in associations))


def _endpoint(raw: Any, region: str, where: str, unread: list[Unread]) -> VpcEndpoint:
    endpoint_id = string(raw["VpcEndpointId"], "VpcEndpointId")
    policy = None
    problems: tuple[Unread, ...] = ()
    if raw.get("PolicyDocument") is not None:
        try:
            policy = decode_document(raw["PolicyDocument"], f"{where}.PolicyDocument")
        except DocumentDecodeError as exc:
            problems = (Unread(GATE_ENDPOINTS, f"policy of {endpoint_id}", exc.message),)
            unread.extend(problems)
    return VpcEndpoint(
        endpoint_id=endpoint_id, vpc_id=string(raw["VpcId"], "VpcId"), region=region,
        service_name=string(raw["ServiceName"], "ServiceName"),
        endpoint_type=string(raw.get("VpcEndpointType") or "Gateway", "VpcEndpointType"),
        state=str(raw.get("State") or "available"), policy=policy,
        route_table_ids=tuple(string(r, "RouteTableIds") for r in raw.get("RouteTableIds") or ()),
        subnet_ids=tuple(string(s, "SubnetIds") for s in raw.get("SubnetIds") or ()),
        private_dns_enabled=_flag(raw, "PrivateDnsEnabled"),
        # Left out of DnsOptions, the option is off (the API's default) when the answer says
        # anything of the endpoint's DNS at all.
        private_dns_inbound_only=(raw.get("DnsOptions") or {}).get(
            "PrivateDnsOnlyForInboundResolverEndpoint") is True
        if "PrivateDnsEnabled" in raw or "DnsOptions" in raw else None,
        dns_names=tuple(string(e["DnsName"], "DnsEntries.DnsName")
                        for e in raw.get("DnsEntries") or () if e.get("DnsName")),
        owner_id=str(raw.get("OwnerId") or ""), unread=problems)


def _flag(raw: Any, key: str) -> bool | None:
    """A boolean the answer may leave out (None: not said, e.g. a trimmed export)."""
    value = raw.get(key)
    if value is None:
        return None
    if type(value) is not bool:
        raise ShapeError(key, "expected true or false")
    return value


def _nat_gateway(raw: Any, region: str, where: str, _: list[Unread]) -> NatGateway:
    return NatGateway(
        nat_gateway_id=string(raw["NatGatewayId"], "NatGatewayId"),
        vpc_id=string(raw["VpcId"], "VpcId"), subnet_id=string(raw["SubnetId"], "SubnetId"),
        region=region, state=str(raw.get("State") or "available"),
        public_ips=tuple(string(a["PublicIp"], "NatGatewayAddresses.PublicIp")
                         for a in raw.get("NatGatewayAddresses") or () if a.get("PublicIp")),
        connectivity_type=str(raw.get("ConnectivityType") or "public"))


def _internet_gateway(raw: Any, region: str, where: str, _: list[Unread]) -> InternetGateway:
    return InternetGateway(
        internet_gateway_id=string(raw["InternetGatewayId"], "InternetGatewayId"), region=region,
        vpc_ids=tuple(string(a["VpcId"], "Attachments.VpcId")
                      for a in raw.get("Attachments") or ()
                      if a.get("State", "available") in ("available", "attached")))


_READERS: dict[str, Callable[[Any, str, str, list[Unread]], Any]] = {
    "vpcs": _vpc, "subnets": _subnet, "route_tables": _route_table, "endpoints": _endpoint,
    "nat_gateways": _nat_gateway, "internet_gateways": _internet_gateway,
}
