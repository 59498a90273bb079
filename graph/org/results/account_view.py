"""What the app shows of an organisation from its stored results, without analysing an
account: each account's counts and worst finding (accounts.parquet), and one account's table
figures (access, principals, buckets and findings of its partition).

The figures are the ones the live tables compute, read back from the rows the analysis
stored: an instance or role reaches a bucket when it has an access row for it (rows are
written for answers that are not plainly denied, as the live count keeps them); a bucket's
"Who can" counts the distinct principals with an action not denied; "Public?" is the
public's best outcome. Whatever a stored row cannot say (a trace, who-can's evidence) the
app decides live for that one account.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from graph.findings.model import Severity
from graph.org.index import OrgIndex
from graph.org.overview import AccountRank, AccountSize
from graph.org.plan import plan_account
from graph.org.results.schema import account_dir, results_dir

_DONE = ("analysed", "current")
_RANK = {"allowed": 0, "conditional": 1, "unknown": 2}


def stored_overview(folder: Path) -> dict[str, tuple[AccountSize, AccountRank]]:
    """Each analysed account's size and worst finding, as the Accounts tab shows them."""
    table = pq.read_table(results_dir(folder) / "accounts.parquet").to_pylist()
    out: dict[str, tuple[AccountSize, AccountRank]] = {}
    for row in table:
        if row["status"] not in _DONE:
            continue
        worst = Severity(row["worst_severity"]) if row["worst_severity"] else None
        out[row["account"]] = (AccountSize(row["instances"], row["roles"], row["buckets"]),
                               AccountRank(worst, row["findings"]))
    return out


@dataclass(frozen=True)
class StoredFindingRow:
    """A finding as the Findings tab lists it, and the view its subject opens."""

    id: str
    severity: str
    category: str
    title: str
    view: tuple[str, str] | None


@dataclass(frozen=True)
class StoredBucket:
    """A bucket's "Public?" word and "Who can" count; `owner` for another account's."""

    name: str
    owner: str | None
    region: str
    public: str
    who: int
    #: Another account or an AWS service has an action not denied (the OTHER ACCOUNT mark).
    outside: bool = False


@dataclass(frozen=True)
class AccountView:
    """One account's table figures from its stored results."""

    account: str
    instance_buckets: Mapping[str, int] = field(default_factory=dict)
    role_buckets: Mapping[str, int] = field(default_factory=dict)
    buckets: Mapping[str, StoredBucket] = field(default_factory=dict)
    findings: tuple[StoredFindingRow, ...] = ()

    @property
    def foreign(self) -> list[StoredBucket]:
        """Other accounts' buckets the account's analysis reaches, by name."""
        return sorted((b for b in self.buckets.values() if b.owner != self.account),
                      key=lambda b: b.name)


def _read(where: Path, name: str, columns: list[str]) -> list[dict[str, object]]:
    return pq.read_table(where / f"{name}.parquet", columns=columns).to_pylist()


def _view_of(row: Mapping[str, object]) -> tuple[str, str] | None:
    for kind in ("instance", "role", "bucket"):
        value = row[kind]
        if isinstance(value, str) and value:
            return kind, value
    return None


def _public_word(outcomes: set[str], owner_unknown: bool) -> str:
    if "allowed" in outcomes:
        return "yes"
    if "conditional" in outcomes:
        return "conditional"
    return "unknown" if "unknown" in outcomes or owner_unknown else "no"


def account_view(folder: Path, index: OrgIndex, account: str) -> AccountView:
    """The account's table figures (see the module docstring); reads only its partition and
    the regions of the other accounts' buckets it reaches (which, the index says: those its
    analysis holds, as the live Buckets tab lists them)."""
    where = account_dir(folder, account)
    instance_sets: dict[str, set[str]] = {}
    role_sets: dict[str, set[str]] = {}
    for row in _read(where, "access", ["kind", "instance_id", "role", "bucket", "via"]):
        if row["kind"] == "instance":
            instance_sets.setdefault(str(row["instance_id"]), set()).add(str(row["bucket"]))
        else:  # a role's count follows its chains: rows whose chain starts at it
            via: Any = row["via"]
            start = via[0] if via else row["role"]
            role_sets.setdefault(str(start), set()).add(str(row["bucket"]))
    who: dict[str, set[tuple[str, str]]] = {}
    public: dict[str, set[str]] = {}
    outside: set[str] = set()
    owners: dict[str, str | None] = {name: entry.account for name in plan_account(
        index, account).touches if (entry := index.buckets.get(name)) is not None}
    for row in _read(where, "principals", ["bucket", "bucket_account", "part", "outcome",
                                           "principal_kind", "principal_id"]):
        name = str(row["bucket"])
        owners.setdefault(name, row["bucket_account"])  # type: ignore[arg-type]
        seen = who.setdefault(name, set())
        if row["part"] != 0 or row["outcome"] not in _RANK:
            continue
        seen.add((str(row["principal_kind"]), str(row["principal_id"])))
        if row["principal_kind"] == "public":
            public.setdefault(name, set()).add(str(row["outcome"]))
        elif row["principal_kind"] in ("account", "service"):
            outside.add(name)
    own = {str(r["bucket"]): str(r["region"])
           for r in _read(where, "buckets", ["bucket", "region"])}
    regions = dict(own)
    by_owner: dict[str, set[str]] = {}
    for name, owner in owners.items():
        if name not in own and owner:
            by_owner.setdefault(owner, set()).add(name)
    for owner, names in by_owner.items():
        if (account_dir(folder, owner) / "buckets.parquet").is_file():
            regions.update((str(r["bucket"]), str(r["region"]))
                           for r in _read(account_dir(folder, owner), "buckets",
                                          ["bucket", "region"]) if r["bucket"] in names)
    buckets = {name: StoredBucket(name, account if name in own else owners.get(name),
                                  regions.get(name, "-"),
                                  _public_word(public.get(name, set()), False),
                                  len(who.get(name, ())), name in outside)
               for name in (*own, *sorted(set(owners) - set(own)))}
    findings = tuple(
        StoredFindingRow(str(r["id"]), str(r["severity"]), str(r["category"]),
                         str(r["title"]), _view_of(r))
        for r in sorted(_read(where, "findings", ["seq", "id", "severity", "category",
                                                   "title", "instance", "role", "bucket"]),
                        key=lambda r: r["seq"]))  # type: ignore[arg-type, return-value]
    return AccountView(account, {k: len(v) for k, v in instance_sets.items()},
                       {k: len(v) for k, v in role_sets.items()}, buckets, findings)
