"""Each account's inputs key: when it is the one its stored results carry, they are current.

The key hashes what the account's results depend on: rolemap's results schema version, the
organisation file (tree, SCPs and RCPs, loaded and failed accounts), the account's snapshot
file, and the part of the index its analysis used: its plan (the foreign roles, hops and
buckets it pulls in) and the snapshot files of the accounts it reads them from. Stricter than
the index entries alone: a change to a pulled-in role's managed policy, which the index does
not hold, still reruns the accounts that reach it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from graph.org.index import OrgIndex
from graph.org.plan import Plan, plan_account
from graph.org.results.schema import SCHEMA_VERSION
from graph.sources.org.folder import ORG_FILE, OrgFolder


class FileHashes:
    """sha256 of each file, read once per run."""

    def __init__(self) -> None:
        self._seen: dict[Path, str] = {}

    def __call__(self, path: Path) -> str:
        found = self._seen.get(path)
        if found is None:
            h = hashlib.sha256()
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            found = self._seen[path] = h.hexdigest()
        return found


def plan_json(plan: Plan) -> str:
    """The plan in a canonical form (sorted), so equal plans hash alike."""
    return json.dumps({
        "pulled": {k: sorted(v) for k, v in sorted(plan.pulled.items())},
        "edges": sorted(plan.edges),
        "sides": sorted((list(k), sorted(v)) for k, v in plan.sides.items()),
        "failed_targets": {k: sorted(v) for k, v in sorted(plan.failed_targets.items())},
        "failed_buckets": {k: sorted(v) for k, v in sorted(plan.failed_buckets.items())},
    }, sort_keys=True)


def read_accounts(plan: Plan) -> set[str]:
    """The other accounts whose snapshots the account's analysis reads."""
    out = set(plan.pulled)
    out.update(owner for (_, owner) in plan.sides)
    out.update(plan.failed_buckets)
    out.discard(plan.account)
    return out


def inputs_key(folder: OrgFolder, index: OrgIndex, account: str, hashes: FileHashes,
               assumed: Mapping[str, str]) -> str:
    plan = plan_account(index, account)
    loaded = set(folder.loaded)
    h = hashlib.sha256()
    for part in (
        f"schema {SCHEMA_VERSION}",
        "org " + hashes(folder.path / ORG_FILE),
        "self " + hashes(folder.snapshot_path(account)),
        *(f"reads {a} " + hashes(folder.snapshot_path(a))
          for a in sorted(read_accounts(plan) & loaded)),
        "plan " + plan_json(plan),
        "assumed " + json.dumps(dict(assumed), sort_keys=True),
    ):
        h.update(part.encode())
        h.update(b"\n")
    return h.hexdigest()
