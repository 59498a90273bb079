"""One account's result tables, as column lists ready for pyarrow (schema.py).

Each table is what a command would print for the account, stored: the export's rows
(`access`), who-can's rows for every bucket the account's analysis holds (`principals`: the
account's own buckets with the public, outside accounts and services after its RCPs, and
the foreign buckets its chains reach, as `who_can_org` finds them), its findings as
`rolemap findings` makes them, and a line per bucket (`buckets`).
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from graph.access import build_access_graph
from graph.access.model import PrincipalAccess
from graph.access.query.graph import AccessGraph
from graph.exports.findings import finding_json, ref_json, write_text
from graph.exports.rows import rows
from graph.findings import find
from graph.findings.model import Finding
from graph.model import AccountSnapshot
from graph.org.findings import membership_lines
from graph.org.index import OrgIndex
from graph.org.plan import Plan
from graph.org.queries import OrgPrincipal, _after_rcps, _failed_rows, membership
from graph.org.results.schema import SCHEMAS

Columns = dict[str, list[Any]]


def empty(table: str) -> Columns:
    return {name: [] for name in SCHEMAS[table].names}


#: Rows a table's columns hold before `flush` takes them (a Parquet row group each): a
#: medium account in an organisation makes millions of who-can rows per part, and held whole
#: as Python lists they took gigabytes.
BATCH_ROWS = 100_000


def access_columns(g: AccessGraph, index: OrgIndex,
                   flush: Callable[[Columns], None] | None = None) -> Columns:
    """The export's default (instance) rows and by-role rows, with the bucket's account.
    With `flush`, every BATCH_ROWS rows are handed to it and dropped; the rest returned."""
    out = empty("access")
    for mode, kind in (("default", "instance"), ("by-role", "role")):
        for row in rows(g, mode):
            if flush is not None and len(out["kind"]) >= BATCH_ROWS:
                flush(out)
                out = empty("access")
            entry = index.buckets.get(row["bucket"])
            owner = entry.account if entry is not None else None
            out["kind"].append(kind)
            for col in ("instance_id", "instance_name", "region", "state", "instance_profile"):
                out[col].append(row.get(col))
            out["role"].append(row["role"])
            out["role_name"].append(row.get("role_name") or row["role"].rsplit("/", 1)[-1])
            out["instances"].append(list(row["instances"]) if kind == "role"
                                    else [row["instance_id"]])
            out["bucket"].append(row["bucket"])
            out["bucket_account"].append(owner)
            out["bucket_in_org"].append(owner is not None and index.in_organization(owner))
            for col in ("access_level", "outcome", "actions", "conditions", "granted_by",
                        "prefixes", "unknown_because", "via"):
                out[col].append(row[col])
    return out


def who_can_rows(g: AccessGraph, index: OrgIndex, account: str, plan: Plan,
                 assumed: Mapping[str, str], with_own: bool = True
                 ) -> Iterable[tuple[str, int, list[OrgPrincipal]]]:
    """(bucket, part, rows) for every bucket the account's analysis answers who-can on, as
    `who_can_org` takes them from this account (part 1: accounts that could not be loaded,
    listed by the bucket's own account); `with_own` False: the foreign buckets only."""
    own = [b.name for b in g.snapshot.buckets]
    for name in (*(own if with_own else ()), *sorted(plan.touches - set(own))):
        found: list[OrgPrincipal] = []
        for p in g.who_can(name):
            if p.kind == "account" and name in own:
                p = _after_rcps(g, index, name, p, assumed)
                if not any(a.granted for a in p.actions.values()):
                    continue
            found.append(OrgPrincipal(account, p, membership(index, p)))
        yield name, 0, found
        if name in own and name in index.buckets:
            yield name, 1, _failed_rows(index, account, name, None, None)


def principal_columns(g: AccessGraph, index: OrgIndex, account: str, plan: Plan,
                      assumed: Mapping[str, str], with_own: bool = True,
                      flush: Callable[[Columns], None] | None = None) -> Columns:
    """Who-can's rows (`flush`: as in `access_columns`)."""
    out = empty("principals")
    for name, part, found in who_can_rows(g, index, account, plan, assumed, with_own):
        entry = index.buckets.get(name)
        for seq, r in enumerate(found):
            if flush is not None and len(out["bucket"]) >= BATCH_ROWS:
                flush(out)
                out = empty("principals")
            _principal(out, name, entry.account if entry else None, part, seq, r)
    return out


def _principal(out: Columns, bucket: str, owner: str | None, part: int, seq: int,
               r: OrgPrincipal) -> None:
    p: PrincipalAccess = r.principal
    # What the principal's rows share is made once (the same lists for each action's row:
    # pyarrow reads them, nothing changes them).
    shared = (bucket, owner, part, seq, p.kind, p.id, p.name, r.membership, list(p.via),
              [list(c) for c in p.chains])
    names = ("bucket", "bucket_account", "part", "seq", "principal_kind", "principal_id",
             "principal_name", "membership", "via", "chains")
    actions = list(p.actions.values())
    for name, value in zip(names, shared, strict=True):
        out[name].extend([value] * len(actions))
    for a in actions:
        out["action"].append(a.action)
        out["level"].append(a.level)
        out["outcome"].append(a.outcome.value)
        out["prefixes"].append(list(a.prefixes))
        out["conditions"].append([str(c) for c in a.conditions])
        out["granted_by"].append([e.label for e in a.evidence])
        out["blocked_by"].append(a.blocked_by.value if a.blocked_by else None)
        out["reasons"].append(list(a.reasons))


def account_findings(snapshot: AccountSnapshot, index: OrgIndex,
                     assumed: Mapping[str, str]) -> tuple[Finding, ...]:
    """The account's findings as `org_findings` makes them (its own analysis, each other
    account named said inside or outside the organisation)."""
    g = build_access_graph(snapshot, assumed=dict(assumed))
    account = snapshot.account_id
    return tuple(dataclasses.replace(f, detail=f.detail + membership_lines(index, account, f))
                 for f in find(g))


def finding_columns(found: Iterable[Finding]) -> Columns:
    out = empty("findings")
    for seq, f in enumerate(found):
        text = io.StringIO()
        write_text(text, [f])
        block = text.getvalue()
        block = block[:block.rstrip("\n").rfind("\n") + 1]  # less the counts line
        fj = finding_json(f)
        values = {"seq": seq, "id": f.id, "severity": f.severity.value, "rank": f.rank,
                  "category": f.category, "title": f.title, "instance": f.instance,
                  "role": f.role, "bucket": f.bucket, "principal": f.principal,
                  "instances": list(f.instances), "buckets": list(f.buckets),
                  "actions": list(f.actions), "detail": list(f.detail),
                  "evidence": [ref_json(r)["label"] for r in f.evidence], "fix": f.fix,
                  "json": json.dumps(fj), "text": block}
        for k, v in values.items():
            out[k].append(v)
    return out


_GRANTED = ("allowed", "conditional")


class BucketTally:
    """A line per bucket of the account, from its who-can rows: public, and reached from
    outside the organisation (an outside account or the public) for reading or writing.
    Gathered a batch of rows at a time (they are written and dropped batch by batch), for
    the buckets named in `own` only."""

    def __init__(self, own: Iterable[str]) -> None:
        self.own = frozenset(own)
        #: Per bucket: public?, outside principals' names (first seen first), their levels,
        #: and the organisation's principals (kind, id).
        self._public: set[str] = set()
        self._outside: dict[str, dict[str, None]] = {}
        self._levels: dict[str, set[str]] = {}
        self._inside: dict[str, set[tuple[str, str]]] = {}

    def add(self, principals: Columns) -> None:
        kind, outcome = principals["principal_kind"], principals["outcome"]
        own = self.own
        for i, name in enumerate(principals["bucket"]):
            if name not in own or outcome[i] not in _GRANTED:
                continue
            if kind[i] == "public":
                self._public.add(name)
            if kind[i] == "public" or principals["membership"][i] == "outside":
                self._outside.setdefault(name, {})[principals["principal_name"][i]] = None
                self._levels.setdefault(name, set()).add(principals["level"][i])
            else:
                self._inside.setdefault(name, set()).add((kind[i], principals["principal_id"][i]))

    def columns(self, snapshot: AccountSnapshot) -> Columns:
        out = empty("buckets")
        for b in snapshot.buckets:
            levels = self._levels.get(b.name, set())
            out["bucket"].append(b.name)
            out["region"].append(b.region)
            out["public"].append(b.name in self._public)
            out["readable_outside_org"].append(bool(levels & {"Read", "List"}))
            out["writable_outside_org"].append(bool(levels & {"Write", "Permissions management"}))
            out["outside_principals"].append(list(self._outside.get(b.name, {})))
            out["org_principals"].append(len(self._inside.get(b.name, ())))
        return out
