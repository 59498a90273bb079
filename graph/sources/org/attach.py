"""An account's snapshot with the organisation facts of the whole tree put in.

Each member account is read with its own (assumed) credentials, which usually cannot read the
SCPs and RCPs on its path (only the management account or a delegated administrator can):
its own `organizations:` reads are refused or partial. The tree read once by the management
account is the authority, so every account of one organisation agrees on it; the member's
own refusals are then superseded and dropped from its warnings.
"""

from __future__ import annotations

import dataclasses

from graph.model import AccountSnapshot
from graph.model_common import GATE_ORGANIZATION
from graph.model_org import OrgTree
from graph.sources.transform_org import scps_of


def with_tree_organization(snapshot: AccountSnapshot, tree: OrgTree) -> AccountSnapshot:
    """`snapshot` whose `organization` and `scps` come from `tree`."""
    organization = tree.organization_for(snapshot.account_id)
    kept = tuple(w for w in snapshot.warnings if not w.operation.startswith("organizations:"))
    return dataclasses.replace(
        snapshot, organization=organization, scps=scps_of(organization, snapshot.account_id),
        unread_gates=tuple(u for u in snapshot.unread_gates if u.gate != GATE_ORGANIZATION),
        warnings=kept)
