"""`--accounts` / `--ous`: which of the organisation's accounts to load.

Both name what to include; given together, an account is loaded when either names it (the
union), as include lists of other multi-account tools do. An OU is named by id or by its
name (when no other OU has that name) and includes its sub-OUs. A name that matches nothing
is a SourceError: a typo must not quietly load nothing, or everything.
"""

from __future__ import annotations

from collections.abc import Sequence

from graph.errors import SourceError
from graph.model import LoadWarning
from graph.model_org import ACTIVE, OrgAccount, OrgTree

SKIP_OPERATION = "organizations:ListAccounts"


def select_accounts(tree: OrgTree, accounts: Sequence[str] = (),
                    ous: Sequence[str] = ()) -> tuple[tuple[OrgAccount, ...], list[LoadWarning]]:
    """The ACTIVE accounts to load, and a warning for each chosen account that is not ACTIVE
    (suspended, closing, pending: there is nothing in them to reach)."""
    chosen = _named(tree, accounts, ous) if accounts or ous else list(tree.accounts)
    active = tuple(a for a in chosen if a.status == ACTIVE)
    skipped = [LoadWarning(SKIP_OPERATION, a.account_id, f"account {a.name or a.account_id} is "
                           f"{a.status or 'of unknown status'}: not loaded")
               for a in chosen if a.status != ACTIVE]
    return active, skipped


def _named(tree: OrgTree, accounts: Sequence[str], ous: Sequence[str]) -> list[OrgAccount]:
    known = {a.account_id for a in tree.accounts}
    unknown = [a for a in accounts if a not in known]
    if unknown:
        raise SourceError(f"--accounts: {', '.join(unknown)}: not an account of organisation "
                          f"{tree.organization_id}")
    wanted = set(accounts)
    units = {_unit_id(tree, ou) for ou in ous}
    return [a for a in tree.accounts
            if a.account_id in wanted or units.intersection(tree.path_ids(a.account_id))]


def _unit_id(tree: OrgTree, name: str) -> str:
    if tree.unit(name) is not None:
        return name
    matches = [u.unit_id for u in tree.units if u.name == name]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise SourceError(f"--ous: {name}: several OUs have this name ({', '.join(matches)}); "
                          "name one by its id")
    raise SourceError(f"--ous: {name}: no OU with this id or name in organisation "
                      f"{tree.organization_id}")
