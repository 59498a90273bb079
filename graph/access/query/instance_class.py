"""What an instance's answers as one role depend on, beyond the role itself.

An export writes a row per instance and bucket, and a medium account's ten thousand
instances share a few dozen profiles and route tables: working the network gates out for
each instance again (every bucket's class, path and endpoint) was most of an
organisation's export. Instances whose answers cannot differ get one key, so their rows
are worked out once and only the instance's own columns change.

The key holds every fact of the instance the answers read (query/network_gate.py,
reach/build.py):
- the route class: its route table, whether it has or gets a public IP, whether it has an
  IPv6 address (what the path depends on);
- its own addresses only where a statement (the role's, or a bucket policy's on either
  side of an organisation) reads a network key whose value they are: `aws:VpcSourceIp`
  (the private IP, through an endpoint) and `aws:SourceIp` (the public or IPv6 address,
  out through an internet gateway) (decide/network.py `path_context`). `aws:SourceVpce`,
  `aws:SourceVpc` and a NAT's address are the path's, which the route class holds;
- when an instance-derived key is read (its ARN, VPC or private IP as credentials carry
  them) for the instance's own role, the instance is its own class (None).
"""

from __future__ import annotations

from graph.access.decide.network import route_key
from graph.access.query.across import views
from graph.access.reach.build import AccessData
from graph.model import Instance

InstanceClass = tuple[object, ...]

#: Network keys whose value is the instance's own address on some path (lower-case, as
#: BucketFacts and RoleFacts hold them).
ADDRESS_KEYS = frozenset({"aws:vpcsourceip", "aws:sourceip"})


class InstanceClasses:
    """Instance classes for one analysis (the bucket side's reads are looked up once)."""

    def __init__(self, data: AccessData) -> None:
        self.data = data
        self._bucket_keys: frozenset[str] | None = None
        self._roles: dict[tuple[str, bool], frozenset[str] | None | tuple[()]] = {}

    def _sides(self, role_arn: str) -> list[AccessData]:
        """Every analysis deciding the role on some bucket (reach/build.py `side`)."""
        data = self.data
        foreign = data.foreign
        out = []
        if foreign is None or role_arn in data.snapshot.role_by_arn \
                or role_arn in data.unread_by_arn:
            out.append(data)
        if foreign is not None:
            out.extend(foreign.role_views(role_arn))
        return out

    def _buckets_read(self) -> frozenset[str]:
        """The address keys any bucket policy of the analysis (and its views) reads."""
        if self._bucket_keys is None:
            self._bucket_keys = frozenset(k for d in (self.data, *views(self.data))
                                          for bf in d.buckets
                                          for k in bf.network_keys & ADDRESS_KEYS)
        return self._bucket_keys

    def _reads(self, role_arn: str, own: bool) -> frozenset[str] | None:
        """The address keys the role's answers read; None when they read the instance's
        identity (`own`: the role is the instance's own, whose instance keys count)."""
        found = self._roles.get((role_arn, own), ())
        if found == ():
            sides = self._sides(role_arn)
            found = None if own and any(s.reads_instance_keys(role_arn) for s in sides) \
                else self._buckets_read().union(*(s.facts_of(role_arn).network_keys
                                                  & ADDRESS_KEYS for s in sides))
            self._roles[(role_arn, own)] = found
        return found

    def key(self, inst: Instance, role_arn: str, own: bool) -> InstanceClass | None:
        """The instance's class as `role_arn` (`own`: the role is the instance's own, so its
        instance keys count); None when its answers may be its own alone."""
        reads = self._reads(role_arn, own)
        if reads is None:
            return None
        return (route_key(self.data.snapshot, inst),
                inst.private_ip if "aws:vpcsourceip" in reads else None,
                (inst.public_ip, inst.ipv6_address) if "aws:sourceip" in reads else None)
