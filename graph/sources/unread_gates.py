"""An account read without the gates' facts (an older snapshot or export folder): one warning.

Such a snapshot holds no network, KMS, access point, Object Ownership or organisation facts.
They are *unread*, not absent: every gate answers unknown, and the user sees one load warning
naming the gates that were not checked (not one per bucket or region).
"""

from __future__ import annotations

import dataclasses

from graph.model import AccountSnapshot, Bucket, LoadWarning
from graph.model_common import ALL_GATES, Unread

#: The warning's operation (what was read).
OPERATION = "gate facts"


def gates_not_checked_message(origin: str, gates: tuple[str, ...] = ALL_GATES) -> str:
    return (f"{origin} predates them: not checked: {', '.join(gates)} "
            "(answers are decided without them; load the account again to check them)")


def without_gate_facts(snapshot: AccountSnapshot, origin: str) -> AccountSnapshot:
    """`snapshot` with every gate fact marked unread because of `origin`, and one warning."""
    reason = f"{origin} predates them"
    unread = tuple(Unread(gate, "facts", reason) for gate in ALL_GATES)
    buckets = tuple(_unread_bucket(b) for b in snapshot.buckets)
    warning = LoadWarning(OPERATION, "", gates_not_checked_message(origin), "NotInSnapshot")
    return dataclasses.replace(
        snapshot, network=None, kms=None, access_points=None, organization=None,
        buckets=buckets, unread_gates=unread, warnings=(*snapshot.warnings, warning))


def _unread_bucket(bucket: Bucket) -> Bucket:
    if bucket.encryption is None and bucket.object_ownership is None:
        return bucket
    return dataclasses.replace(bucket, encryption=None, object_ownership=None)
