"""Another account's bucket policy that reads the caller's address sets apart instances that
share a route (issue 25): two web servers in one public subnet, the data account's bucket
admitting only the first one's public address. Each instance's reach in the app (counted per
route class, tui/views/rows.py) must be its own, not the first instance's copied."""

from __future__ import annotations

import dataclasses

from graph.model import Bucket, Instance
from graph.model_network import InternetGateway, RegionNetwork, Route, RouteTable, Subnet, Vpc
from graph.org.analysis import analyse_account
from graph.org.index import build_index
from tui.views.rows import _BucketSets

from .scenario import DATA, OBJECTS, ORG, WORK, MemoryOrg, doc, scenario

REGION = "us-east-1"
ALLOWED_IP, OTHER_IP = "203.0.113.10", "203.0.113.20"


def _org(by_address: bool = True) -> tuple[MemoryOrg, Instance, Instance]:
    """The two web servers, and the data account's bucket admitting the first one's
    address (`by_address`), else any caller of the organisation."""
    source = scenario()
    work = source.snapshots[WORK]
    web = work.instances[0]
    placed = dataclasses.replace(web, vpc_id="vpc-1", subnet_id="subnet-1",
                                 private_ip="10.0.1.10", public_ip=ALLOWED_IP)
    twin = dataclasses.replace(placed, instance_id="i-0twin", name="twin",
                               private_ip="10.0.1.20", public_ip=OTHER_IP)
    net = RegionNetwork(
        REGION, vpcs=(Vpc("vpc-1", REGION, ("10.0.0.0/16",)),),
        subnets=(Subnet("subnet-1", "vpc-1", REGION, "10.0.1.0/24",
                        map_public_ip_on_launch=True),),
        route_tables=(RouteTable("rtb-1", "vpc-1", REGION,
                                 (Route("0.0.0.0/0", "igw-1"),), ("subnet-1",)),),
        internet_gateways=(InternetGateway("igw-1", REGION, ("vpc-1",)),))
    data = source.snapshots[DATA]
    shared = Bucket("org-shared", region=REGION, policy=doc(
        {"Effect": "Allow", "Principal": "*", "Action": OBJECTS,
         "Resource": "arn:aws:s3:::org-shared/*",
         "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}, **(
             {"IpAddress": {"aws:SourceIp": f"{ALLOWED_IP}/32"}} if by_address else {})}}))
    snaps = dict(source.snapshots)
    snaps[WORK] = dataclasses.replace(work, instances=(placed, twin), network=(net,))
    snaps[DATA] = dataclasses.replace(
        data, buckets=tuple(shared if b.name == "org-shared" else b for b in data.buckets),
        network=())
    return dataclasses.replace(source, snapshots=snaps), placed, twin


def test_instances_of_one_route_get_their_own_answer_on_a_foreign_bucket() -> None:
    source, placed, twin = _org()
    g = analyse_account(source, build_index(source), WORK)
    role = g.snapshot.roles[0].arn
    assert g.network.route_class(placed, role) != g.network.route_class(twin, role)
    # As its own role (a chain through the unloaded account's role stays unknown for both):
    # the first instance's address is admitted, the second's is not (whichever is asked
    # first: the app counts per route class and must not hand one's answer to the other).
    for first, second in ((placed, twin), (twin, placed)):
        reach = _BucketSets(g)
        got = {i.instance_id: "org-shared" in reach._through_network(role, i, i)
               for i in (first, second)}
        assert got == {placed.instance_id: True, twin.instance_id: False}
