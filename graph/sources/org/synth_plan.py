"""The plan of a synthetic organisation: its accounts and their kinds, the OU tree, the SCPs and
RCPs and where they attach (REALISTIC-ACCOUNTS.md, "Organisations").

Drawn before any account is generated, because the accounts name each other (a data account's
reader role trusts workload roles; workload roles may assume it, read its lake buckets): the
cross-account names live here, the accounts are then built one at a time from the plan.

Kinds, in the order the first accounts get them: the management account (at the root, few
workloads), a workload account, a data account, shared services, security; then workload and
data accounts three to one. OUs by function and environment: workloads/{prod,nonprod},
data (data/restricted nested in it), shared, security. FullAWSAccess and RCPFullAWSAccess are
attached to the root, every OU and every account, as AWS does; guardrail SCPs are shared with a
Zipf skew (deny-leave-org nearly everywhere, the S3 denies on a few OUs); RCPs on the data OU
(a perimeter: no principal outside the organisation) and the root (TLS only).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from graph.model_org import (
    ACTIVE,
    RCP,
    ROOT,
    SCP,
    UNIT,
    OrgAccount,
    OrgAttachment,
    OrgPolicy,
    OrgTree,
    OrgUnit,
)
from graph.sources.org import synth_guardrails as guard
from graph.sources.synth.world import PARTNERS, zipf_index

MANAGEMENT, WORKLOAD, DATA, SHARED, SECURITY = ("management", "workload", "data",
                                                "shared-services", "security")
_FIRST_KINDS = (MANAGEMENT, WORKLOAD, DATA, SHARED, SECURITY)
#: Roles named across accounts (graph.sources.org.synth_traits builds them).
DATA_READER = "data-reader"
ORG_DEPLOYER = "org-deployer"
ARTIFACT_READER = "artifact-reader"
AUDITOR = "security-auditor"
AUDIT_ROLE = "security-audit"
MEMBER_ROLE = "OrganizationAccountAccessRole"
#: The organisation's instance roles in each workload account: `org-app-0`, `org-app-1`, ...
APP_ROLE = "org-app"


@dataclass(frozen=True)
class PlannedAccount:
    index: int
    account_id: str
    kind: str
    #: Short name: the account's name and its bucket-name prefix (`acme-data1-...`).
    label: str
    parent_id: str

    @property
    def prefix(self) -> str:
        return f"acme-{self.label}"

    def role_arn(self, name: str) -> str:
        return f"arn:aws:iam::{self.account_id}:role/{name}"


@dataclass(frozen=True)
class OrgPlan:
    seed: int
    tree: OrgTree
    accounts: tuple[PlannedAccount, ...]
    #: Instance roles per workload account, and lake buckets per data account.
    app_roles: int
    lake_buckets: int

    def of_kind(self, kind: str) -> tuple[PlannedAccount, ...]:
        return tuple(a for a in self.accounts if a.kind == kind)

    def one(self, kind: str) -> PlannedAccount | None:
        return next(iter(self.of_kind(kind)), None)

    def app_role_arns(self, account: PlannedAccount) -> list[str]:
        return [account.role_arn(f"{APP_ROLE}-{j}") for j in range(self.app_roles)]

    def lake_names(self, account: PlannedAccount) -> list[str]:
        return [f"{account.prefix}-lake-{m:02d}" for m in range(self.lake_buckets)]

    def rng(self, part: str) -> random.Random:
        return random.Random(f"org:{self.seed}:{part}")

    @property
    def outside(self) -> tuple[str, ...]:
        """Accounts outside the organisation that outliers name."""
        return PARTNERS


def _kind(index: int) -> str:
    if index < len(_FIRST_KINDS):
        return _FIRST_KINDS[index]
    return DATA if (index - len(_FIRST_KINDS)) % 4 == 3 else WORKLOAD


def _ids(rng: random.Random, n: int) -> list[str]:
    taken = set(PARTNERS) | {"111122223333"}
    out: list[str] = []
    while len(out) < n:
        candidate = str(rng.randrange(10**11, 10**12))
        if candidate not in taken:
            taken.add(candidate)
            out.append(candidate)
    return out


def plan_org(n: int, seed: int, *, app_roles: int = 3, lake_buckets: int = 3) -> OrgPlan:
    """The organisation of `n` accounts for `seed` (the same plan for the same arguments)."""
    if n < 1:
        raise ValueError("an organisation has at least one account (its management account)")
    rng = random.Random(f"org:{seed}:plan")
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    org_id = "o-" + "".join(rng.choices(alphabet, k=10))
    root_id = "r-" + "".join(rng.choices(alphabet, k=4))

    def ou_id() -> str:
        return f"ou-{root_id[2:]}-" + "".join(rng.choices(alphabet, k=8))

    units = [OrgUnit(root_id, "Root", ROOT)]
    named: dict[str, str] = {}
    for name, parent in (("workloads", ""), ("prod", "workloads"), ("nonprod", "workloads"),
                         ("data", ""), ("restricted", "data"), ("shared", ""),
                         ("security", "")):
        unit = OrgUnit(ou_id(), name, UNIT, named[parent] if parent else root_id)
        units.append(unit)
        named[name] = unit.unit_id
    ids = _ids(rng, n)
    counts: dict[str, int] = {}
    accounts: list[PlannedAccount] = []
    for index, account_id in enumerate(ids):
        kind = _kind(index)
        k = counts[kind] = counts.get(kind, 0) + 1
        label = {MANAGEMENT: "mgmt", WORKLOAD: f"wl{k}", DATA: f"data{k}", SHARED: "shared",
                 SECURITY: "sec"}[kind]
        parent = {MANAGEMENT: root_id, SHARED: named["shared"], SECURITY: named["security"],
                  WORKLOAD: named["prod" if k % 2 else "nonprod"],
                  DATA: named["restricted" if k % 3 == 0 else "data"]}[kind]
        accounts.append(PlannedAccount(index, account_id, kind, label, parent))
    policies, attachments = _policies(rng, org_id, units, named, accounts)
    tree = OrgTree(org_id, ids[0], tuple(units),
                   tuple(OrgAccount(a.account_id, a.label, f"aws+{a.label}@acme.example",
                                    ACTIVE, a.parent_id) for a in accounts),
                   tuple(policies), tuple(attachments))
    return OrgPlan(seed, tree, tuple(accounts), app_roles, lake_buckets)


def _policies(rng: random.Random, org_id: str, units: list[OrgUnit], named: dict[str, str],
              accounts: list[PlannedAccount]) -> tuple[list[OrgPolicy], list[OrgAttachment]]:
    full = OrgPolicy("p-FullAWSAccess", "FullAWSAccess", guard.FULL_ACCESS,
                     "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
                     True)
    rcp_full = OrgPolicy("p-RCPFullAWSAccess", "RCPFullAWSAccess", guard.RCP_FULL_ACCESS,
                         "arn:aws:organizations::aws:policy/resource_control_policy/"
                         "p-RCPFullAWSAccess", True)
    scps = [OrgPolicy(f"p-{rng.randrange(16**8):08x}", name, doc)
            for name, doc in guard.scp_pool(org_id)]
    rcps = [OrgPolicy(f"p-{rng.randrange(16**8):08x}", name, doc)
            for name, doc in guard.rcp_pool(org_id)]
    attachments: list[OrgAttachment] = []

    def attach(policy: OrgPolicy, target: str, kind: str) -> None:
        attachments.append(OrgAttachment(policy.policy_id, target, kind))

    for target in [u.unit_id for u in units] + [a.account_id for a in accounts]:
        attach(full, target, SCP)
        attach(rcp_full, target, RCP)
    root = units[0].unit_id
    attach(scps[0], root, SCP)  # deny leaving the organisation: at the root, as advised
    for unit in units[1:]:  # 1-2 more guardrails per OU, the popular ones on most
        drawn = {1 + zipf_index(rng, len(scps) - 1) for _ in range(rng.randint(1, 2))}
        for k in sorted(drawn):
            attach(scps[k], unit.unit_id, SCP)
    attach(rcps[0], named["data"], RCP)  # the data perimeter
    attach(rcps[1], root, RCP)  # TLS only, everywhere
    workloads = [a for a in accounts if a.kind == WORKLOAD]
    if workloads:  # an outlier: one account with a guardrail of its own
        attach(scps[-1], workloads[-1].account_id, SCP)
    return [full, rcp_full, *scps, *rcps], attachments
