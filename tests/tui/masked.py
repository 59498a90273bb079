"""The demo account with the emulator's generated identifiers replaced by stable ones.

moto makes instance, VPC and subnet ids and IP addresses from its own random source, and
its releases change how (5.2.5 to 5.2.6 changed every instance id from the same seed). A
screen snapshot that shows them would turn red on an emulator upgrade with nothing of
rolemap's changed. So snapshot tests see the account with each generated value replaced by
one numbered in the order of the instances' names: the same on every moto release.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from graph.model import AccountSnapshot
from graph.sources import LoadedSource
from graph.sources.snapshot_file import snapshot_from_json, snapshot_to_json


def _numbered(values: list[str | None], make: Any) -> dict[str, str]:
    table: dict[str, str] = {}
    for value in values:
        if value and value not in table:
            table[value] = make(len(table) + 1)
    return table


def stable_ids(snapshot: AccountSnapshot) -> dict[str, str]:
    """Each emulator-made value of the account and the stable value that replaces it."""
    instances = sorted(snapshot.instances, key=lambda i: (i.name, i.region, i.instance_id))
    table: dict[str, str] = {}
    table |= _numbered([i.instance_id for i in instances], lambda n: f"i-{n:017x}")
    table |= _numbered([i.vpc_id for i in instances], lambda n: f"vpc-{n:017x}")
    table |= _numbered([i.subnet_id for i in instances], lambda n: f"subnet-{n:017x}")
    table |= _numbered([i.private_ip for i in instances], lambda n: f"10.0.0.{n}")
    # 203.0.113.0/24 is documentation space (RFC 5737): never anybody's real address.
    table |= _numbered([i.public_ip for i in instances], lambda n: f"203.0.113.{n}")
    # VPCs without instances and VPC endpoints (findings name them), in the order of what
    # the demo chose for them (CIDR, service), never of their generated ids.
    nets = snapshot.network or ()
    cidr = {v.vpc_id: (n.region, v.cidr_blocks) for n in nets for v in n.vpcs}
    vpcs = sorted(cidr, key=lambda v: (cidr[v], v))
    table |= _numbered([v for v in vpcs if v not in table], lambda n: f"vpc-{0xf00 + n:017x}")
    endpoints = sorted((e for n in nets for e in n.endpoints),
                       key=lambda e: (cidr.get(e.vpc_id, ()), e.service_name, e.endpoint_type))
    table |= _numbered([e.endpoint_id for e in endpoints], lambda n: f"vpce-{n:017x}")
    return table


def masked(loaded: LoadedSource) -> LoadedSource:
    """`loaded` with `stable_ids` applied everywhere they occur (ARNs, findings, tags)."""
    table = stable_ids(loaded.snapshot)
    if not table:
        return loaded
    pattern = re.compile("|".join(re.escape(v) for v in sorted(table, key=len, reverse=True)))
    text = pattern.sub(lambda m: table[m.group(0)], json.dumps(snapshot_to_json(loaded.snapshot)))
    return replace(loaded, snapshot=snapshot_from_json(json.loads(text)), connection=None)
