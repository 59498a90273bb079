"""The issue's three-account organisation, built in code: management, workload and data
accounts, an account that could not be loaded, and an account outside the organisation.

- i-web (workload) runs as web-role, which may assume data-reader (data): trust and
  permission on each hop; data-reader reads and writes data-lake (data).
- org-shared (data) admits any principal of the organisation (aws:PrincipalOrgID); web-role
  asks it directly (cross-account: its identity policy and the bucket policy both allow).
- The SCP NoDelete on the workloads OU denies s3:DeleteObject to workload principals.
- The RCP OrgOnly on the data OU denies requests from outside the organisation: partner-drop
  (data) admits the outside account, which stays denied; mgmt-logs (management) admits it
  too, and RCPs do not apply to the management account's buckets.
- web-role may also assume lost-role in 444444444444, which failed to load.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from graph.model import (
    Account,
    AccountSnapshot,
    Bucket,
    InlinePolicy,
    Instance,
    InstanceProfile,
    Role,
    SourceInfo,
)
from graph.model_org import (
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
from graph.sources.org.attach import with_tree_organization

ORG = "o-scenario1"
MGMT, WORK, DATA, LOST, OUTSIDE = ("111111111111", "222222222222", "333333333333",
                                   "444444444444", "999999999999")
WEB_ROLE = f"arn:aws:iam::{WORK}:role/web-role"
READER = f"arn:aws:iam::{DATA}:role/data-reader"
LOST_ROLE = f"arn:aws:iam::{LOST}:role/lost-role"


def doc(*statements: dict[str, object]) -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


FULL = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
NO_DELETE = doc({"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"})
RCP_FULL = doc({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})
ORG_ONLY = doc({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
                "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG},
                              "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}})


def tree() -> OrgTree:
    levels = ("r-root", "ou-work", "ou-data", MGMT, WORK, DATA, LOST)
    return OrgTree(
        ORG, MGMT,
        units=(OrgUnit("r-root", "Root", ROOT), OrgUnit("ou-work", "workloads", UNIT, "r-root"),
               OrgUnit("ou-data", "data", UNIT, "r-root")),
        accounts=(OrgAccount(MGMT, "management", parent_id="r-root"),
                  OrgAccount(WORK, "workload", parent_id="ou-work"),
                  OrgAccount(DATA, "data", parent_id="ou-data"),
                  OrgAccount(LOST, "lost", parent_id="ou-work")),
        policies=(OrgPolicy("p-full", "FullAWSAccess", FULL, aws_managed=True),
                  OrgPolicy("p-nodelete", "NoDelete", NO_DELETE),
                  OrgPolicy("p-rcpfull", "RCPFullAWSAccess", RCP_FULL, aws_managed=True),
                  OrgPolicy("p-orgonly", "OrgOnly", ORG_ONLY)),
        attachments=(*(OrgAttachment("p-full", t, SCP) for t in levels),
                     *(OrgAttachment("p-rcpfull", t, RCP) for t in levels),
                     OrgAttachment("p-nodelete", "ou-work", SCP),
                     OrgAttachment("p-orgonly", "ou-data", RCP)))


def _role(account: str, name: str, trust: dict[str, object], *policy: dict[str, object]
          ) -> Role:
    return Role(f"arn:aws:iam::{account}:role/{name}", name, trust,
                inline_policies=tuple(InlinePolicy(f"p{n}", doc(s)) for n, s in enumerate(policy)))


EC2_TRUST = doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                 "Action": "sts:AssumeRole"})
OBJECTS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]


def workload() -> AccountSnapshot:
    web = _role(WORK, "web-role", EC2_TRUST,
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": [READER, LOST_ROLE]},
                {"Effect": "Allow", "Action": OBJECTS + ["s3:ListBucket"],
                 "Resource": ["arn:aws:s3:::org-shared/*", "arn:aws:s3:::mgmt-logs/*",
                              "arn:aws:s3:::partner-drop/*", "arn:aws:s3:::work-tmp/*"]})
    profile = InstanceProfile(f"arn:aws:iam::{WORK}:instance-profile/web", "web",
                              role_arns=(web.arn,))
    instance = Instance("i-0web", "us-east-1", "running", WORK, name="web",
                        instance_profile_arn=profile.arn)
    return AccountSnapshot(Account(WORK), roles=(web,), instance_profiles=(profile,),
                           instances=(instance,), buckets=(Bucket("work-tmp"),),
                           source=SourceInfo("synthetic"))


def data() -> AccountSnapshot:
    reader = _role(DATA, "data-reader",
                   doc({"Effect": "Allow", "Principal": {"AWS": WEB_ROLE},
                        "Action": "sts:AssumeRole"}),
                   {"Effect": "Allow", "Action": OBJECTS, "Resource": "arn:aws:s3:::data-lake/*"})
    shared = Bucket("org-shared", policy=doc(
        {"Effect": "Allow", "Principal": "*", "Action": OBJECTS,
         "Resource": "arn:aws:s3:::org-shared/*",
         "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}}}))
    partner = Bucket("partner-drop", policy=doc(
        {"Effect": "Allow", "Principal": {"AWS": [f"arn:aws:iam::{OUTSIDE}:root",
                                                  f"arn:aws:iam::{WORK}:root"]},
         "Action": "s3:GetObject", "Resource": "arn:aws:s3:::partner-drop/*"}))
    return AccountSnapshot(Account(DATA), roles=(reader,),
                           buckets=(Bucket("data-lake"), shared, partner),
                           source=SourceInfo("synthetic"))


def management() -> AccountSnapshot:
    logs = Bucket("mgmt-logs", policy=doc(
        {"Effect": "Allow", "Principal": {"AWS": [f"arn:aws:iam::{OUTSIDE}:root",
                                                  f"arn:aws:iam::{WORK}:root"]},
         "Action": ["s3:GetObject", "s3:DeleteObject"], "Resource": "arn:aws:s3:::mgmt-logs/*"}))
    return AccountSnapshot(Account(MGMT), buckets=(logs,), source=SourceInfo("synthetic"))


@dataclass
class MemoryOrg:
    """An organisation held in memory, read like a folder (graph.org.index.OrgSource)."""

    tree: OrgTree
    snapshots: Mapping[str, AccountSnapshot]
    failed: Mapping[str, str] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)

    @property
    def loaded(self) -> tuple[str, ...]:
        return tuple(sorted(self.snapshots))

    def load(self, account_id: str) -> AccountSnapshot:
        self.reads.append(account_id)
        return self.snapshots[account_id]


def scenario() -> MemoryOrg:
    t = tree()
    snaps = {s.account_id: with_tree_organization(s, t) for s in (management(), workload(),
                                                                   data())}
    return MemoryOrg(t, snaps, {LOST: "sts:AssumeRole into OrganizationAccountAccessRole: "
                                      "AccessDenied"})
