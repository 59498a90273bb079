"""Ways out that only some clients take: an S3 interface endpoint without private DNS (only
its own DNS name reaches it) and IPv6 (only S3's dual-stack endpoint has IPv6 addresses).

Built on the account of test_network_gates (read through boto3 from moto): a second VPC with an
isolated subnet (no IPv4 route out) and an S3 interface endpoint, and an IPv6 VPC whose only
default route is ::/0 to an egress-only internet gateway. Near-misses: the same endpoint with
private DNS on (the default name reaches it: allowed), private DNS answering only inbound
resolver endpoints beside a gateway endpoint (the gateway serves the VPC), an older snapshot
that did not record the setting (as before, said in the trace), an instance without an IPv6
address (no path), a bucket policy on the NAT's IPv4 address (denied over IPv6).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from test_network_gates import ACCOUNT, GET, OTHER, REGION, _account, _arn, _deny_unless, _get

from graph.access import build_access_graph
from graph.errors import SourceError
from graph.exports.rows import rows
from graph.model import AccountSnapshot
from graph.model_network import RegionNetwork, VpcEndpoint
from graph.policy import Outcome
from graph.sources.connection import AwsConnection
from graph.sources.export_folder import load_export_folder
from graph.sources.export_folder_gates import NETWORK_DIRS
from graph.sources.live import load_live
from graph.sources.snapshot_file import save_snapshot, snapshot_from_json, snapshot_to_json
from graph.sources.synth import write_synthetic
from graph.wizard import BucketGrant, RolePlan
from graph.wizard.whatif import what_if
from tui.cli import main


@pytest.fixture
def conn() -> Iterator[AwsConnection]:
    with mock_aws():
        session = boto3.Session(region_name=REGION, aws_access_key_id="testing",
                                aws_secret_access_key="testing")
        yield AwsConnection(session, retry_mode="standard", max_attempts=1)


def _interface_vpc(conn: AwsConnection, private_dns: bool, gateway: bool = False
                   ) -> dict[str, str]:
    ids = _account(conn)
    ec2 = conn.client("ec2", REGION)
    vpc = ec2.create_vpc(CidrBlock="10.5.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.5.1.0/24")["Subnet"]["SubnetId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3", VpcEndpointType="Interface",
        SubnetIds=[subnet], PrivateDnsEnabled=private_dns)["VpcEndpoint"]
    ids.update(vpc2=vpc, subnet2=subnet, rt2=table, iface=endpoint["VpcEndpointId"],
               iface_dns=endpoint["DnsEntries"][0]["DnsName"])
    if gateway:
        ids["gw2"] = ec2.create_vpc_endpoint(
            VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3", VpcEndpointType="Gateway",
            RouteTableIds=[table])["VpcEndpoint"]["VpcEndpointId"]
    ids["i-iface"] = ec2.run_instances(
        ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=subnet,
        IamInstanceProfile={"Name": "reader"})["Instances"][0]["InstanceId"]
    s3 = conn.client("s3", REGION)
    s3.create_bucket(Bucket="iface-only", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_policy(Bucket="iface-only",
                         Policy=_deny_unless("aws:SourceVpce", ids["iface"], "iface-only"))
    return ids


def _with_endpoint(snapshot: AccountSnapshot, endpoint_id: str, **changes: object
                   ) -> AccountSnapshot:
    """The snapshot with one endpoint's record changed (what moto does not serve: DnsOptions;
    what an older snapshot lacks)."""
    def net(n: RegionNetwork) -> RegionNetwork:
        return dataclasses.replace(n, endpoints=tuple(
            dataclasses.replace(e, **changes) if e.endpoint_id == endpoint_id else e
            for e in n.endpoints))
    return dataclasses.replace(snapshot, network=tuple(net(n) for n in snapshot.network or ()))


def test_without_private_dns_only_the_endpoint_name_reaches_the_interface_endpoint(
        conn: AwsConnection) -> None:
    ids = _interface_vpc(conn, private_dns=False)
    snapshot = load_live(conn, (REGION, OTHER))
    endpoint = next(e for n in snapshot.network or () for e in n.endpoints
                    if e.endpoint_id == ids["iface"])
    assert endpoint.private_dns_enabled is False and ids["iface_dns"] in endpoint.dns_names
    g = build_access_graph(snapshot)
    # The default S3 name leaves by the route table, which has no way out: over the endpoint
    # only for clients given its own name, so never a plain "allowed".
    for bucket in ("iface-only", "not-in-endpoint-policy"):
        outcome, reasons = _get(g, ids["i-iface"], bucket)
        assert outcome is Outcome.CONDITIONAL, bucket
        assert reasons[0] == (f"only for clients that use the endpoint's own DNS name "
                              f"{ids['iface_dns']} ({ids['iface']}: private DNS is off)")
    step = g.explain(ids["i-iface"], "iface-only", GET).hops[-2]
    assert step.relation == "network path"
    assert step.reasons[0] == f"route table {ids['rt2']}: VPC {ids['vpc2']} → {ids['iface']} " \
                              "(interface endpoint)"
    assert any("only for clients that use the endpoint's own DNS name" in r
               for r in step.reasons)
    # The endpoint serves its own region only: elsewhere there is no path at all.
    assert _get(g, ids["i-iface"], "elsewhere")[0] is Outcome.DENIED
    label = {r["bucket"]: r["network"] for r in rows(g, instance=ids["i-iface"],
                                                     include_denied=True)}
    assert label["iface-only"] == (f"no path (no network path to S3 in {REGION}); interface "
                                   f"endpoint {ids['iface']} (by its own DNS name only)")


def test_with_private_dns_the_default_name_reaches_it(conn: AwsConnection) -> None:
    ids = _interface_vpc(conn, private_dns=True)
    g = build_access_graph(load_live(conn, (REGION, OTHER)))
    assert _get(g, ids["i-iface"], "iface-only")[0] is Outcome.ALLOWED
    assert _get(g, ids["i-iface"], "not-in-endpoint-policy")[0] is Outcome.ALLOWED


def test_private_dns_ahead_of_a_gateway_unless_only_for_inbound_resolvers(
        conn: AwsConnection) -> None:
    ids = _interface_vpc(conn, private_dns=True, gateway=True)
    snapshot = load_live(conn, (REGION, OTHER))
    # Private DNS for every resolver: the default name resolves to the interface endpoint,
    # ahead of the gateway endpoint's prefix-list route.
    g = build_access_graph(snapshot)
    assert _get(g, ids["i-iface"], "iface-only")[0] is Outcome.ALLOWED
    # Only for inbound resolver endpoints: the VPC's clients keep the gateway endpoint.
    inbound = build_access_graph(_with_endpoint(snapshot, ids["iface"],
                                                private_dns_inbound_only=True))
    outcome, reasons = _get(inbound, ids["i-iface"], "iface-only")
    assert outcome is Outcome.CONDITIONAL
    assert reasons[0].endswith(f"({ids['iface']}: its private DNS answers only inbound "
                               "resolver endpoints)")
    step = inbound.explain(ids["i-iface"], "not-in-endpoint-policy", GET).hops[-2]
    assert step.reasons[0] == f"route table {ids['rt2']} → {ids['gw2']} (gateway endpoint)"
    assert _get(inbound, ids["i-iface"], "not-in-endpoint-policy")[0] is Outcome.ALLOWED


def test_an_older_snapshot_keeps_the_interface_endpoint_and_says_so(conn: AwsConnection
                                                                    ) -> None:
    ids = _interface_vpc(conn, private_dns=False)
    data = snapshot_to_json(load_live(conn, (REGION, OTHER)))
    for net in data["network"]:
        for e in net["endpoints"]:
            for key in ("private_dns_enabled", "private_dns_inbound_only", "dns_names"):
                e.pop(key)
    older = snapshot_from_json(data)
    endpoint: VpcEndpoint = next(e for n in older.network or () for e in n.endpoints
                                 if e.endpoint_id == ids["iface"])
    assert endpoint.private_dns_enabled is None
    g = build_access_graph(older)
    assert _get(g, ids["i-iface"], "iface-only")[0] is Outcome.ALLOWED
    step = g.explain(ids["i-iface"], "iface-only", GET).hops[-2]
    assert f"{ids['iface']}: its private DNS settings are not recorded in this snapshot " \
           "(assumed on, as before)" in step.reasons


def _ipv6_vpc(conn: AwsConnection) -> dict[str, str]:
    ids = _account(conn)
    ec2 = conn.client("ec2", REGION)
    vpc = ec2.create_vpc(CidrBlock="10.4.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    block = vpc["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    subnet = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.4.1.0/24",
                               Ipv6CidrBlock=block.replace("/56", "/64"))["Subnet"]["SubnetId"]
    eigw = ec2.create_egress_only_internet_gateway(VpcId=vpc["VpcId"])[
        "EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"]
    table = ec2.create_route_table(VpcId=vpc["VpcId"])["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    ec2.create_route(RouteTableId=table, DestinationIpv6CidrBlock="::/0",
                     EgressOnlyInternetGatewayId=eigw)
    ids.update(eigw=eigw, rt6=table, block6=block)
    for name, extra in (("i-v6", {"Ipv6AddressCount": 1}), ("i-v4", {})):
        ids[name] = ec2.run_instances(
            ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=subnet,
            IamInstanceProfile={"Name": "reader"}, **extra)["Instances"][0]["InstanceId"]
    s3 = conn.client("s3", REGION)
    s3.create_bucket(Bucket="v6-only", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_policy(Bucket="v6-only", Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [_arn("v6-only"), _arn("v6-only", "/*")],
            "Condition": {"NotIpAddress": {"aws:SourceIp": block}}}]}))
    return ids


def test_ipv6_through_an_egress_only_gateway_needs_the_dual_stack_endpoint(
        conn: AwsConnection) -> None:
    ids = _ipv6_vpc(conn)
    snapshot = load_live(conn, (REGION, OTHER))
    v6 = snapshot.instance_by_id[ids["i-v6"]]
    assert v6.ipv6_address and v6.ipv6_address.startswith(ids["block6"].split("::")[0][:9])
    g = build_access_graph(snapshot)
    why = (f"only for clients that use S3's dual-stack endpoint s3.dualstack.{REGION}."
           f"amazonaws.com (IPv6 through egress-only internet gateway {ids['eigw']}; the "
           "default S3 endpoint is IPv4 only)")
    # aws:SourceIp is the instance's IPv6 address: the IPv6-only bucket policy is met ...
    outcome, reasons = _get(g, ids["i-v6"], "v6-only")
    assert outcome is Outcome.CONDITIONAL and reasons[0] == why
    assert _get(g, ids["i-v6"], "not-in-endpoint-policy")[0] is Outcome.CONDITIONAL
    # ... and the one naming the NAT's IPv4 address is not (by any way out).
    assert _get(g, ids["i-v6"], "ip-only")[0] is Outcome.DENIED
    # Without an IPv6 address the subnet has no way out at all.
    outcome, reasons = _get(g, ids["i-v4"], "not-in-endpoint-policy")
    assert outcome is Outcome.DENIED and reasons[0] == f"no network path to S3 in {REGION}"
    step = g.explain(ids["i-v6"], "v6-only", GET).hops[-2]
    assert step.reasons[:2] == (
        f"route table {ids['rt6']} → {ids['eigw']} (egress-only internet gateway, IPv6: the "
        "instance's IPv6 address)", why)
    who = {p.id: p.actions[GET].outcome for p in g.who_can("v6-only", action=GET)
           if p.kind == "instance"}
    assert who == {ids["i-v6"]: Outcome.CONDITIONAL}
    assert ACCOUNT in snapshot.account_id


def test_a_vpc_access_point_over_an_interface_endpoint_without_private_dns(
        conn: AwsConnection) -> None:
    """Through a VPC-origin access point the same holds: only clients given the endpoint's
    own name reach it, so the point's answer is conditional, not a plain "allowed"."""
    ids = _interface_vpc(conn, private_dns=False)
    s3 = conn.client("s3", REGION)
    s3.create_bucket(Bucket="ap-bucket", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_policy(Bucket="ap-bucket", Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*",
            "Resource": [_arn("ap-bucket"), _arn("ap-bucket", "/*")],
            "Condition": {"StringEquals": {"s3:DataAccessPointAccount": ACCOUNT}}}]}))
    point = f"arn:aws:s3:{REGION}:{ACCOUNT}:accesspoint/in-vpc"
    s3control = conn.client("s3control", REGION)
    s3control.create_access_point(AccountId=ACCOUNT, Name="in-vpc", Bucket="ap-bucket",
                                  VpcConfiguration={"VpcId": ids["vpc2"]})
    s3control.put_access_point_policy(AccountId=ACCOUNT, Name="in-vpc", Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/reader"},
            "Action": GET, "Resource": f"{point}/object/*"}]}))
    g = build_access_graph(load_live(conn, (REGION, OTHER)))
    inst = g.snapshot.instance_by_id[ids["i-iface"]]
    paths = g.points.instance_paths(inst, "ap-bucket", (g.points.find("ap-bucket", "in-vpc"),))
    got = [p.actions[GET] for p in paths]
    assert [a.outcome for a in got] == [Outcome.CONDITIONAL]
    assert got[0].reasons[0].startswith("only for clients that use the endpoint's own DNS name")
    # From the NAT subnet of the other VPC the point answers nothing.
    nat = g.snapshot.instance_by_id[ids["i-nat"]]
    assert [p.actions[GET].outcome for p in g.points.instance_paths(
        nat, "ap-bucket", (g.points.find("ap-bucket", "in-vpc"),))] == [Outcome.DENIED]


def test_cli_trace_says_which_clients_and_names_the_second_way_out(
        conn: AwsConnection, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = _interface_vpc(conn, private_dns=False)
    snap = tmp_path / "account.json"
    save_snapshot(load_live(conn, (REGION, OTHER)), snap)
    args = ["trace", ids["i-iface"], "iface-only", "--action", GET, "--snapshot", str(snap)]
    assert main(args) == 3  # conditional: neither yes nor no
    text = capsys.readouterr().out
    assert "      only for clients that use the endpoint's own DNS name " \
           f"{ids['iface_dns']} ({ids['iface']}: private DNS is off)" in text.splitlines()
    assert main([*args, "--format", "json"]) == 3
    net = json.loads(capsys.readouterr().out)["network_path"]
    assert net["kind"] == "none" and net["alternative"]["kind"] == "endpoint"
    assert net["alternative"]["only_with"].startswith("only for clients that use the "
                                                      "endpoint's own DNS name")


def test_wizard_preview_names_the_way_out_only_some_clients_take(conn: AwsConnection) -> None:
    ids = _ipv6_vpc(conn)
    g = build_access_graph(load_live(conn, (REGION, OTHER)))
    plan = RolePlan(name="new-reader", trusted_services=("ec2.amazonaws.com",),
                    grants=(BucketGrant.parse("read:not-in-endpoint-policy"),))
    change, = what_if(plan, g.snapshot, [ids["i-v6"]], g).changes
    blocked = change.blocked["not-in-endpoint-policy"]
    assert blocked.startswith(f"no network path to S3 in {REGION} (route table {ids['rt6']}")
    assert blocked.endswith(f"; only for clients that use S3's dual-stack endpoint "
                            f"s3.dualstack.{REGION}.amazonaws.com (IPv6 through egress-only "
                            f"internet gateway {ids['eigw']}; the default S3 endpoint is IPv4 "
                            "only)")


def test_collect_script_folder_reads_the_dns_settings(tmp_path: Path) -> None:
    """The folder holds describe-vpc-endpoints as the AWS CLI writes it: DnsOptions (which
    moto does not serve) and PrivateDnsEnabled are read; one left out is "not recorded"."""
    folder = write_synthetic(tmp_path / "f", roles=5, instances=10, buckets=4, seed=1)
    files = sorted((folder / NETWORK_DIRS["endpoints"]).iterdir())
    path = files[0]
    data = json.loads(path.read_text())
    data["VpcEndpoints"] = [
        {"VpcEndpointId": "vpce-inbound", "VpcId": "vpc-x", "VpcEndpointType": "Interface",
         "ServiceName": f"com.amazonaws.{path.stem}.s3", "State": "available",
         "PrivateDnsEnabled": True,
         "DnsOptions": {"DnsRecordIpType": "ipv4",
                        "PrivateDnsOnlyForInboundResolverEndpoint": True},
         "DnsEntries": [{"DnsName": "*.vpce-inbound-abc.s3.eu-west-1.vpce.amazonaws.com"}]},
        {"VpcEndpointId": "vpce-unsaid", "VpcId": "vpc-x", "VpcEndpointType": "Interface",
         "ServiceName": f"com.amazonaws.{path.stem}.s3", "State": "available"}]
    path.write_text(json.dumps(data))
    network = load_export_folder(folder).network_of(path.stem)
    assert network is not None
    inbound, unsaid = network.endpoints
    assert (inbound.private_dns_enabled, inbound.private_dns_inbound_only) == (True, True)
    assert inbound.dns_names == ("*.vpce-inbound-abc.s3.eu-west-1.vpce.amazonaws.com",)
    assert (unsaid.private_dns_enabled, unsaid.private_dns_inbound_only) == (None, None)
    data["VpcEndpoints"][1]["PrivateDnsEnabled"] = "yes"
    path.write_text(json.dumps(data))
    with pytest.raises(SourceError, match=r"VpcEndpoints\[1\].*PrivateDnsEnabled"):
        load_export_folder(folder)
