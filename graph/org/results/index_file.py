"""The organisation's index stored beside its results (`results/index.json`), so a reader of
current results (the app) has it without reading every account's snapshot again.

The index is a function of the files `run.json` hashes (organization.json and each account's
snapshot): when the results are current (fresh.py), so is the index written with them. It is
JSON, not a pickle: a results folder may come from elsewhere, and reading it must not run
code. A file of another schema version, or one that does not parse, reads as None (the
caller builds the index from the snapshots instead).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from graph.org.index import BucketEntry, Grant, OrgIndex, RoleEntry
from graph.org.results.schema import SCHEMA_VERSION, results_dir
from graph.safe_files import write_text
from graph.sources.org.folder import OrgFolder

INDEX_FILE = "index.json"


def write_index(folder: Path, index: OrgIndex) -> None:
    data = {
        "schema_version": SCHEMA_VERSION,
        "loaded": list(index.loaded),
        "buckets": {name: [e.account, [[list(g.principals), sorted(g.actions)]
                                       for g in e.grants]]
                    for name, e in index.buckets.items()},
        "roles": {arn: [list(e.trusts), list(e.assumes), list(e.s3)]
                  for arn, e in index.roles.items()},
        "instances": {a: [list(i) for i in items] for a, items in index.instances.items()},
    }
    write_text(results_dir(folder) / INDEX_FILE, json.dumps(data, separators=(",", ":")))


def read_index(folder: OrgFolder) -> OrgIndex | None:
    """The stored index of the folder's loaded accounts (its tree and failures are the
    folder's own); None when absent, of another version or not the folder's accounts."""
    try:
        data: Any = json.loads((results_dir(folder.path) / INDEX_FILE).read_text())
        if data.get("schema_version") != SCHEMA_VERSION \
                or tuple(data["loaded"]) != tuple(folder.loaded):
            return None
        buckets = {name: BucketEntry(name, account, tuple(
            Grant(tuple(who), frozenset(actions)) for who, actions in grants))
            for name, (account, grants) in data["buckets"].items()}
        roles = {arn: RoleEntry(arn, tuple(t), tuple(a), tuple(s))
                 for arn, (t, a, s) in data["roles"].items()}
        instances = {a: tuple((i, n) for i, n in items)
                     for a, items in data["instances"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return OrgIndex(folder.tree, tuple(folder.loaded), dict(folder.failed), buckets, roles,
                    instances)
