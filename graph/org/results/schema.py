"""The results' layout and schema, versioned: readers check `SCHEMA_VERSION` before trusting
a file, and a rerun treats results of another version as stale (their inputs key includes it).

    FOLDER/results/SCHEMA.md                       this schema, for people
    FOLDER/results/accounts.parquet                one row per account of the organisation
    FOLDER/results/index.json                      the cross-account index (index_file.py)
    FOLDER/results/account=<id>/access.parquet     effective permissions (export rows)
    FOLDER/results/account=<id>/principals.parquet who-can rows of every bucket it reaches
    FOLDER/results/account=<id>/findings.parquet   the account's findings
    FOLDER/results/account=<id>/buckets.parquet    the account's buckets
    FOLDER/results/account=<id>/summary.json       inputs key and counts, written last

The `account=<id>` folders are Hive partitions: DuckDB and pyarrow read `account` from the path.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

SCHEMA_VERSION = 1
RESULTS = "results"
SUMMARY = "summary.json"
TABLES = ("access", "principals", "findings", "buckets")

_S = pa.string()
_L = pa.list_(pa.string())

#: Effective permissions: the export's instance rows (kind "instance") and by-role rows
#: (kind "role") in one table, with the accounts of the row and of its bucket.
ACCESS = pa.schema([
    ("kind", _S), ("instance_id", _S), ("instance_name", _S), ("region", _S), ("state", _S),
    ("instance_profile", _S), ("role", _S), ("role_name", _S), ("instances", _L),
    ("bucket", _S), ("bucket_account", _S), ("bucket_in_org", pa.bool_()),
    ("access_level", _S), ("outcome", _S), ("actions", _L), ("conditions", _L),
    ("granted_by", _L), ("prefixes", _L), ("unknown_because", _L), ("via", _L),
])

#: who-can rows, one per (principal, action): what `rolemap who-can` prints, stored.
#: `account` is the account whose analysis found the row; `part` 1 marks rows of accounts
#: that could not be loaded; `seq` keeps who-can's order within (bucket, account, part).
PRINCIPALS = pa.schema([
    ("bucket", _S), ("bucket_account", _S), ("part", pa.int8()), ("seq", pa.int32()),
    ("principal_kind", _S), ("principal_id", _S), ("principal_name", _S),
    ("membership", _S), ("via", _L), ("chains", pa.list_(_L)),
    ("action", _S), ("level", _S), ("outcome", _S), ("prefixes", _L), ("conditions", _L),
    ("granted_by", _L), ("blocked_by", _S), ("reasons", _L),
])

FINDINGS = pa.schema([
    ("seq", pa.int32()), ("id", _S), ("severity", _S), ("rank", pa.int8()),
    ("category", _S), ("title", _S), ("instance", _S), ("role", _S), ("bucket", _S),
    ("principal", _S), ("instances", _L), ("buckets", _L), ("actions", _L), ("detail", _L),
    ("evidence", _L), ("fix", _S), ("json", _S), ("text", _S),
])

BUCKETS = pa.schema([
    ("bucket", _S), ("region", _S), ("public", pa.bool_()),
    ("readable_outside_org", pa.bool_()), ("writable_outside_org", pa.bool_()),
    ("outside_principals", _L), ("org_principals", pa.int32()),
])

ACCOUNTS = pa.schema([
    ("account", _S), ("name", _S), ("org_path", _S), ("status", _S), ("error", _S),
    ("inputs_key", _S), ("instances", pa.int32()), ("roles", pa.int32()),
    ("buckets", pa.int32()), ("access_rows", pa.int64()), ("principal_rows", pa.int64()),
    ("findings", pa.int32()), ("worst_severity", _S), ("seconds", pa.float64()),
])

SCHEMAS: dict[str, pa.Schema] = {"access": ACCESS, "principals": PRINCIPALS,
                                 "findings": FINDINGS, "buckets": BUCKETS}


def results_dir(folder: Path) -> Path:
    return folder / RESULTS


def account_dir(folder: Path, account: str) -> Path:
    return results_dir(folder) / f"account={account}"


def schema_markdown() -> str:
    """SCHEMA.md: the tables and their columns, from the schemas themselves."""
    lines = [f"# rolemap organisation results, schema version {SCHEMA_VERSION}", "",
             "Written by `rolemap analyse`; read with `rolemap query FOLDER \"SQL\"` (DuckDB "
             "views of the same names) or any Parquet reader. Per-account tables live in "
             "`account=<id>/` (a Hive partition: the `account` column comes from the path). "
             "`index.json` beside them is the cross-account index the run used (who names "
             "whom), read by the app.", ""]
    for name, schema in (*SCHEMAS.items(), ("accounts", ACCOUNTS)):
        lines += [f"## {name}", "", "| column | type |", "|---|---|"]
        lines += [f"| {f.name} | {f.type} |" for f in schema]
        lines.append("")
    return "\n".join(lines)
