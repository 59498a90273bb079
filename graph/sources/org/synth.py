"""`rolemap snapshot synth DIR --org N`: a synthetic organisation, written account by account.

Each account is a realistic single account of its kind (graph.sources.synth, with the account's
own id and bucket prefix), generated into a scratch export folder, read back through the
ordinary loader, given its organisation traits (synth_traits) and written into the organisation
folder before the next one is made: memory holds one account at a time. The same seed writes
the same folder.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from graph.model import AccountSnapshot
from graph.sources.export_folder import load_export_folder
from graph.sources.org.events import LOADED, STARTED, AccountEvent, OrgProgress, counts, quiet
from graph.sources.org.folder import OrgFolder, save_org_folder
from graph.sources.org.synth_plan import (
    DATA,
    MANAGEMENT,
    SECURITY,
    SHARED,
    WORKLOAD,
    OrgPlan,
    PlannedAccount,
    plan_org,
)
from graph.sources.org.synth_traits import with_org_traits
from graph.sources.synth import DATE, DEFAULT, SIZES, Shape, default_policies, write_synthetic
from graph.sources.synth.world import World
from graph.temp_files import scratch_folder

#: The sizes an organisation's accounts are drawn at (a large one would be 100,000s of roles);
#: "mixed": small accounts with some medium ones among the workload and data accounts.
MIXED = "mixed"
ORG_SIZES = ("small", "medium", MIXED)
#: In a mixed organisation, the share of workload and data accounts drawn at medium size: most
#: member accounts of a real organisation are small (a team's sandbox, one service); a few
#: platform and data accounts hold most of its roles and buckets.
MEDIUM_SHARE = 0.1


@dataclass(frozen=True)
class Counts:
    roles: int
    instances: int
    buckets: int


def account_counts(kind: str, size: str) -> Counts:
    """An account's size by kind: workloads run the instances, data accounts hold the
    buckets, the management and security accounts hold few of either."""
    base = SIZES[size]
    r, i, b = base.roles, base.instances, base.buckets
    return {
        MANAGEMENT: Counts(max(3, r // 10), 0, max(2, b // 10)),
        WORKLOAD: Counts(r, i, max(2, b // 4)),
        DATA: Counts(max(5, r // 4), i // 20, b),
        SHARED: Counts(max(5, r // 2), i // 10, max(2, b // 4)),
        SECURITY: Counts(max(5, r // 5), 0, max(2, b // 8)),
    }[kind]


def _app_roles(size: str) -> tuple[int, int]:
    """Organisation app roles per workload account, lake buckets per data account (a mixed
    organisation's are the small accounts': the plan names them before sizes are drawn)."""
    return (6, 8) if size == "medium" else (3, 3)


def account_size(plan: OrgPlan, account: PlannedAccount, size: str) -> str:
    """The named size `account` is drawn at: `size`, or in a mixed organisation medium for
    about MEDIUM_SHARE of the workload and data accounts (the seed decides which)."""
    if size != MIXED:
        return size
    if account.kind not in (WORKLOAD, DATA):
        return "small"
    return "medium" if plan.rng(f"size:{account.index}").random() < MEDIUM_SHARE else "small"


def synthetic_accounts(plan: OrgPlan, size: str, shape: Shape = DEFAULT,
                       progress: OrgProgress = quiet) -> Iterator[AccountSnapshot]:
    """Each account of the plan, made when it is asked for."""
    total = len(plan.accounts)
    for account in plan.accounts:
        progress(AccountEvent(account.account_id, account.label, STARTED, account.index,
                              total))
        snapshot = _account(plan, account, size, shape)
        progress(AccountEvent(account.account_id, account.label, LOADED, account.index + 1,
                              total, counts(snapshot)))
        yield snapshot


def _account(plan: OrgPlan, account: PlannedAccount, size: str,
             shape: Shape) -> AccountSnapshot:
    sizes = account_counts(account.kind, account_size(plan, account, size))
    world = World(plan.seed * 100_003 + account.index, sizes.roles, sizes.buckets, shape,
                  account=account.account_id, org=account.prefix,
                  org_id=plan.tree.organization_id)
    with scratch_folder(Path(tempfile.gettempdir()), "rolemap-synth-org") as tmp:
        folder = write_synthetic(tmp / account.account_id, roles=sizes.roles,
                                 instances=sizes.instances, buckets=sizes.buckets,
                                 policies=default_policies(sizes.roles), world=world)
        snapshot = load_export_folder(folder)
    label = f"synthetic organisation seed {plan.seed}: {account.kind} account {account.label}"
    snapshot = dataclasses.replace(
        snapshot, account=dataclasses.replace(snapshot.account, alias=account.label),
        source=dataclasses.replace(snapshot.source, kind="synthetic", label=label),
        taken_at=DATE)
    return with_org_traits(snapshot, plan, account)


def write_synthetic_org(out: Path | str, accounts: int, *, size: str = "small", seed: int = 0,
                        shape: Shape = DEFAULT, progress: OrgProgress = quiet) -> OrgFolder:
    """Write an organisation of `accounts` accounts as an organisation folder at `out`."""
    if size not in ORG_SIZES:
        raise ValueError(f"size {size!r}: an organisation's accounts are "
                         f"{', '.join(ORG_SIZES)}")
    apps, lakes = _app_roles(size)
    plan = plan_org(accounts, seed, app_roles=apps, lake_buckets=lakes)
    return save_org_folder(out, plan.tree, synthetic_accounts(plan, size, shape, progress), (),
                           {})
