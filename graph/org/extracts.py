"""Other accounts as an account's analysis reads them, kept between analyses in one process.

Every account's analysis reads the accounts its chains reach (their roles, as callers) and the
accounts whose buckets admit it (their buckets, policies, organisation and KMS facts). In an
organisation where data accounts admit `aws:PrincipalOrgID`, that is every data account for
every other account: reading whole snapshots, the organisation's run read N x (data accounts)
files, and a medium data account's 10,000 instances were parsed again for each reader
(issue 28). An extract keeps what those reads use, without the instances, instance profiles,
networks, access points or load warnings, and one process keeps extracts up to a bound of
roles, buckets and policies, least recently used dropped first, so memory stays bounded
whatever the organisation's size.

An extract is reread when its account's file changes (its size or modification time).
"""

from __future__ import annotations

import dataclasses
import os
from collections import OrderedDict

from graph.model import AccountSnapshot
from graph.org.index import OrgSource

#: Roles, buckets and managed policies the extracts of one process hold together: about 20
#: small accounts' or 8 medium accounts' worth (each a few KiB parsed), whatever the
#: organisation's size.
EXTRACT_LIMIT = 20_000


def extract(snapshot: AccountSnapshot) -> AccountSnapshot:
    """What another account's analysis reads of `snapshot` (analysis.py: callers' roles and
    policies, SCPs, users, compute; owners' buckets, organisation and KMS keys)."""
    return dataclasses.replace(snapshot, instances=(), instance_profiles=(), network=None,
                               access_points=None, warnings=())


def _weight(snapshot: AccountSnapshot) -> int:
    return 1 + len(snapshot.roles) + len(snapshot.buckets) + len(snapshot.managed_policies)


class Extracts:
    """Extracts of `source`'s accounts, read on first use and kept up to `limit`."""

    def __init__(self, source: OrgSource, limit: int = EXTRACT_LIMIT) -> None:
        self.source = source
        self.limit = limit
        #: Account -> (its file's stamp, the extract, its weight), least recent first.
        self._kept: OrderedDict[str, tuple[object, AccountSnapshot, int]] = OrderedDict()
        self._held = 0
        #: Files read (a test's and a benchmark's measure of what the cache saves).
        self.reads = 0

    def _stamp(self, account: str) -> object:
        path = getattr(self.source, "snapshot_path", None)
        if path is None:
            return None  # a source without files (a test's): kept as read
        try:
            st = os.stat(path(account))
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def get(self, account: str) -> AccountSnapshot:
        stamp = self._stamp(account)
        found = self._kept.get(account)
        if found is not None and found[0] == stamp:
            self._kept.move_to_end(account)
            return found[1]
        if found is not None:
            self._drop(account)
        self.reads += 1
        kept = extract(self.source.load(account))
        weight = _weight(kept)
        self._kept[account] = (stamp, kept, weight)
        self._held += weight
        while self._held > self.limit and len(self._kept) > 1:
            self._drop(next(iter(self._kept)))
        return kept

    def _drop(self, account: str) -> None:
        self._held -= self._kept.pop(account)[2]
