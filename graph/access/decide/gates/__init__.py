"""The gates every request to a bucket passes, in the order it meets them (see ../gate.py
for the protocol and how to add one)."""

from __future__ import annotations

from graph.access.decide.gate import Gate
from graph.access.decide.gates.acl import AclGate
from graph.access.decide.gates.block_public import BlockPublicAccessGate
from graph.access.decide.gates.bucket_policy import BucketPolicyGate
from graph.access.decide.gates.identity import IdentityGate
from graph.access.decide.gates.kms import KmsGate
from graph.access.decide.gates.org_policies import ResourceControlGate
from graph.access.decide.gates.ownership import OwnershipGate

GATES: tuple[Gate, ...] = (
    IdentityGate(),
    BucketPolicyGate(),
    AclGate(),
    OwnershipGate(),
    BlockPublicAccessGate(),
    ResourceControlGate(),
    KmsGate(),
)
