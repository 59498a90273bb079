"""Reading the stored results: DuckDB views over the Parquet files (`rolemap query`), and
who-can and findings answered from them without analysing anything.

who-can from the results is the live `who_can_org` in the same order: accounts as the
folder lists them, each account's rows as its analysis found them, then the rows of
accounts that could not be loaded. With --action or --level, a principal reaching the bucket
through several role chains is answered live (which chain leads depends on the actions
kept), so `stored_who_can` returns None for it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from graph.access.model import ActionAccess, PrincipalAccess
from graph.catalog import normalize_level, require_action
from graph.errors import LookupFailed, RolemapError
from graph.findings.model import Severity
from graph.org.queries import AmbiguousName
from graph.org.results.schema import SCHEMAS, results_dir
from graph.policy import Outcome

VIEWS = (*SCHEMAS, "accounts")


class QueryError(RolemapError):
    """A query DuckDB refused (syntax, unknown column): its message, one line."""


#: principals keep each file's row order (who-can's order of a principal's actions).
_ROW = ", file_row_number=true"


def connect(folder: Path) -> Any:
    """An in-memory DuckDB with the views access, findings, principals, buckets, accounts
    over FOLDER/results (an empty view, typed, for a table no account has yet)."""
    try:
        import duckdb
    except ImportError:
        raise RolemapError("DuckDB is not installed: pip install 'rolemap[org]'") from None
    root = results_dir(folder)
    if not (root / "accounts.parquet").is_file():
        raise RolemapError(f"{folder}: no results (results/accounts.parquet); run `rolemap "
                           f"analyse {folder}` first")
    con = duckdb.connect(":memory:")
    for name, schema in SCHEMAS.items():
        files = sorted(root.glob(f"account=*/{name}.parquet"))
        if files:
            glob = str(root / f"account=*/{name}.parquet").replace("'", "''")
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{glob}', "
                        "hive_partitioning=true, hive_types={'account': 'VARCHAR'}"
                        f"{_ROW if name == 'principals' else ''})")
        else:
            extra = {"file_row_number": pa.array([], pa.int64())} if name == "principals" \
                else {}
            empty = pa.table({**{f.name: pa.array([], f.type) for f in schema},
                              "account": pa.array([], pa.string()), **extra})
            con.register(f"_{name}_empty", empty)
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM _{name}_empty")
    path = str(root / "accounts.parquet").replace("'", "''")
    con.execute(f"CREATE VIEW accounts AS SELECT * FROM read_parquet('{path}')")
    return con


def query(folder: Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """(column names, rows) of SQL over the views."""
    import duckdb

    con = connect(folder)
    try:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description or ()]
        return names, cur.fetchall()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise QueryError(f"query: {first}") from None
    finally:
        con.close()


@dataclass(frozen=True)
class StoredPrincipal:
    """A who-can row as stored: the principal, its account and its actions' details (the
    `access_json` shape)."""

    account: str
    kind: str
    id: str
    name: str
    membership: str
    via: tuple[str, ...]
    chains: tuple[tuple[str, ...], ...]
    details: tuple[dict[str, Any], ...]

    @property
    def principal(self) -> PrincipalAccess:
        """The row as who-can's text prints it (outcomes, prefixes, chains; the statements
        are in `details`)."""
        actions = {d["action"]: ActionAccess(d["action"], d["level"], "",
                                             Outcome(d["outcome"]), tuple(d["reasons"]),
                                             prefixes=tuple(d["prefixes"]))
                   for d in self.details}
        return PrincipalAccess(self.kind, self.id, self.name, actions, self.via, self.chains)

    @property
    def paths(self) -> tuple[tuple[str, ...], ...]:
        return self.chains or ((self.via,) if self.via else ())


def stored_bucket(folder: Path, key: str) -> tuple[str, str]:
    """(account, bucket) from the stored buckets, for a name, `ACCOUNT/name` or ARN."""
    if key.startswith("arn:aws:s3:::"):
        key = key[len("arn:aws:s3:::"):].split("/", 1)[0]
    head, sep, tail = key.partition("/")
    account, name = (head, tail) if sep and len(head) == 12 and head.isdigit() else (None, key)
    con = connect(folder)
    try:
        found = con.execute("SELECT account FROM buckets WHERE bucket = ?", [name]).fetchall()
    finally:
        con.close()
    owners = [a for (a,) in found if account is None or a == account]
    if not owners:
        where = f" in account {account}" if account else " in any loaded account"
        raise AmbiguousName(f"bucket {key!r}: none{where}")
    return owners[0], name


def _wanted(action: str | None, level: str | None) -> Any:
    if action is not None:
        name = require_action(action).name
        return lambda d: d["action"] == name
    if level is not None:
        try:
            want = normalize_level(level)
        except ValueError as exc:
            raise LookupFailed("access level", level) from exc
        return lambda d: d["level"] == want
    return None


_COLS = ("account", "part", "seq", "principal_kind", "principal_id", "principal_name",
         "membership", "via", "chains", "action", "level", "outcome", "prefixes",
         "conditions", "granted_by", "blocked_by", "reasons", "file_row_number")


def stored_who_can(folder: Path, loaded: Sequence[str], bucket: str,
                   action: str | None = None, level: str | None = None
                   ) -> list[StoredPrincipal] | None:
    """who-can of `bucket` from the results (None: a row needs the live answer)."""
    _, name = stored_bucket(folder, bucket)
    wanted = _wanted(action, level)
    con = connect(folder)
    try:
        found = con.execute(f"SELECT {', '.join(_COLS)} FROM principals WHERE bucket = ?",
                            [name]).fetchall()
    finally:
        con.close()
    order = {a: i for i, a in enumerate(loaded)}
    found.sort(key=lambda r: (r[1], order.get(r[0], len(order)), r[0], r[2], r[-1]))
    out: list[StoredPrincipal] = []
    group: list[dict[str, Any]] = []
    for i, r in enumerate(found):
        row = dict(zip(_COLS, r, strict=True))
        group.append(row)
        last = i + 1 == len(found) or found[i + 1][:3] != r[:3]
        if not last:
            continue
        first = group[0]
        details = tuple({"action": g["action"], "level": g["level"], "outcome": g["outcome"],
                         "prefixes": list(g["prefixes"]), "conditions": list(g["conditions"]),
                         "granted_by": list(g["granted_by"]), "blocked_by": g["blocked_by"],
                         "reasons": list(g["reasons"])} for g in group
                        if wanted is None or wanted(g))
        group = []
        if not details:
            continue
        chains = tuple(tuple(c) for c in first["chains"])
        if wanted is not None and chains:
            return None
        out.append(StoredPrincipal(first["account"], first["principal_kind"],
                                   first["principal_id"], first["principal_name"],
                                   first["membership"], tuple(first["via"]), chains, details))
    return out


@dataclass(frozen=True)
class StoredFinding:
    account: str
    severity: Severity
    json: dict[str, Any]
    detail: tuple[str, ...]
    text: str

    @property
    def rank(self) -> int:
        return self.severity.rank


def stored_findings(folder: Path, loaded: Sequence[str]) -> dict[str, list[StoredFinding]]:
    """Each loaded account's findings in `find`'s order."""
    con = connect(folder)
    try:
        found = con.execute("SELECT account, seq, severity, json, detail, text FROM findings "
                            "ORDER BY account, seq").fetchall()
    finally:
        con.close()
    out: dict[str, list[StoredFinding]] = {a: [] for a in loaded}
    for account, _, severity, text_json, detail, text in found:
        if account in out:
            out[account].append(StoredFinding(account, Severity(severity),
                                              json.loads(text_json), tuple(detail), text))
    return out


def counts_line(found: Sequence[StoredFinding]) -> str:
    """`N finding(s): 1 high, …` as graph/exports/findings.py says it."""
    parts = [f"{n} {s.value}" for s in Severity
             if (n := sum(1 for f in found if f.severity is s))]
    return f"{len(found)} finding(s)" + (f": {', '.join(parts)}" if parts else "")
