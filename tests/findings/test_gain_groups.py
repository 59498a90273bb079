""""Could gain" paths read as one entry per (role, target role), the ways under it."""

from __future__ import annotations

from graph.findings.escalation_model import Escalation
from graph.findings.gain_groups import by_target

ROLE = "arn:aws:iam::123456789012:role/ci"
ADMIN = "arn:aws:iam::123456789012:role/admin"
OTHER = "arn:aws:iam::123456789012:role/other"


def _path(via: str, target: str, instances: tuple[str, ...],
          gains: dict[str, frozenset[str]]) -> Escalation:
    return Escalation(ROLE, "passrole-ec2", via, target, (), gains, instances=instances)


def test_ways_to_one_target_are_one_entry() -> None:
    paths = [
        _path("PassRole + RunInstances", ADMIN, ("i-1", "i-2"), {"a": frozenset({"s3:GetObject"})}),
        _path("PassRole + AssociateIamInstanceProfile", ADMIN, ("i-2", "i-3"),
              {"a": frozenset({"s3:PutObject"}), "b": frozenset({"s3:GetObject"})}),
        _path("PassRole + RunInstances", OTHER, ("i-1",), {"c": frozenset({"s3:GetObject"})}),
    ]
    groups = by_target(paths)
    assert [(g.role, g.target, len(g.ways)) for g in groups] == [(ROLE, ADMIN, 2),
                                                                 (ROLE, OTHER, 1)]
    admin = groups[0]
    assert admin.label == ("could gain role admin via PassRole + RunInstances, "
                           "PassRole + AssociateIamInstanceProfile")
    assert admin.instances == ("i-1", "i-2", "i-3")
    assert admin.gains == {"a": frozenset({"s3:GetObject", "s3:PutObject"}),
                           "b": frozenset({"s3:GetObject"})}
