"""What makes a synthetic account part of its organisation: the cross-account roles and buckets.

Each account is first generated alone (graph.sources.synth: a realistic single account), then
given what the organisation's accounts name in each other (all names come from the plan):

- every member account: OrganizationAccountAccessRole (trusting the management account, as
  AWS creates it) and `security-audit` (trusting the security account's auditor);
- workload accounts: instance roles `org-app-N` (a share of the instances run as them) allowed
  to assume the data accounts' `data-reader` and the shared `artifact-reader`/`org-deployer`
  roles, and to read some lake buckets directly;
- data accounts: `data-reader` trusting the workload roles that use it, lake buckets whose
  policies admit the organisation (`aws:PrincipalOrgID`) or its workloads OU
  (`aws:PrincipalOrgPaths`);
- shared services: `org-deployer` trusted by the whole organisation (`aws:PrincipalOrgID`),
  `artifact-reader` trusted by named workload roles, artifact buckets read by the organisation;
- security: `security-auditor`, which may assume `security-audit` everywhere.

Outliers, as real organisations have: a shared artifact bucket that also admits an account
outside the organisation, and a shared role (`vendor-access`) trusting one.
"""

from __future__ import annotations

import dataclasses
import zlib
from typing import Any

from graph.model import (
    AccountSnapshot,
    AclGrant,
    BlockPublicAccess,
    Bucket,
    InlinePolicy,
    InstanceProfile,
    Role,
)
from graph.model_s3 import OWNERSHIP_ENFORCED, BucketEncryption
from graph.sources.org.synth_plan import (
    APP_ROLE,
    ARTIFACT_READER,
    AUDIT_ROLE,
    AUDITOR,
    DATA,
    DATA_READER,
    MANAGEMENT,
    MEMBER_ROLE,
    ORG_DEPLOYER,
    SECURITY,
    SHARED,
    WORKLOAD,
    OrgPlan,
    PlannedAccount,
)
from graph.sources.synth.world import zipf_index

Document = dict[str, Any]
#: Every how many instances of a workload account one runs as an organisation app role.
APP_INSTANCE_EVERY = 4
_READ = ["s3:GetObject", "s3:ListBucket"]
_AUDIT = ["s3:GetBucketPolicy", "s3:GetBucketAcl", "s3:GetBucketPublicAccessBlock",
          "s3:GetEncryptionConfiguration", "s3:ListAllMyBuckets", "s3:GetBucketLocation",
          "iam:GetAccountAuthorizationDetails", "ec2:DescribeInstances"]


def _doc(*statements: Document) -> Document:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(actions: list[str] | str, resources: list[str] | str, **extra: Any) -> Document:
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def _trust(principal: Any, condition: Document | None = None) -> Document:
    statement: Document = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return _doc(statement)


def _role(account: PlannedAccount, name: str, trust: Document, *inline: tuple[str, Document],
          ) -> Role:
    return Role(account.role_arn(name), name, trust,
                role_id=f"AROAORG{account.index:06d}{zlib.crc32(name.encode()):010d}",
                inline_policies=tuple(InlinePolicy(n, d) for n, d in inline),
                tags={"managed-by": "organisation"})


def _bucket(name: str, policy: Document, owner: str) -> Bucket:
    return Bucket(name, "us-east-1", policy=policy,
                  public_access_block=BlockPublicAccess(True, True, True, True),
                  acl_grants=(AclGrant("CanonicalUser", owner, "FULL_CONTROL"),),
                  owner_id=owner, encryption=BucketEncryption("AES256"),
                  object_ownership=OWNERSHIP_ENFORCED)


def _bucket_arns(names: list[str]) -> list[str]:
    return [arn for n in names for arn in (f"arn:aws:s3:::{n}", f"arn:aws:s3:::{n}/*")]


def links(plan: OrgPlan) -> dict[str, list[PlannedAccount]]:
    """App role ARN -> the data accounts it reads (1-2 each, the first data accounts most)."""
    data = plan.of_kind(DATA)
    rng = plan.rng("links")
    out: dict[str, list[PlannedAccount]] = {}
    for workload in plan.of_kind(WORKLOAD):
        for arn in plan.app_role_arns(workload):
            picked = {data[zipf_index(rng, len(data))].index for _ in range(rng.randint(1, 2))
                      } if data else set()
            out[arn] = [a for a in data if a.index in picked]
    return out


def with_org_traits(snapshot: AccountSnapshot, plan: OrgPlan,
                    account: PlannedAccount) -> AccountSnapshot:
    """`snapshot` (the account generated alone) with its organisation roles and buckets."""
    roles: list[Role] = []
    buckets: list[Bucket] = []
    profiles: list[InstanceProfile] = []
    management, security = plan.one(MANAGEMENT), plan.one(SECURITY)
    if account.kind != MANAGEMENT and management is not None:
        roles.append(_role(account, MEMBER_ROLE, _trust(
            {"AWS": f"arn:aws:iam::{management.account_id}:root"}),
            ("AdministratorAccess", _doc(_allow("*", "*")))))
    if account.kind != SECURITY and security is not None:
        roles.append(_role(account, AUDIT_ROLE, _trust({"AWS": security.role_arn(AUDITOR)}),
                           ("audit", _doc(_allow(_AUDIT, "*")))))
    owner = snapshot.buckets[0].owner_id if snapshot.buckets else ""
    build = {WORKLOAD: _workload, DATA: _data, SHARED: _shared, SECURITY: _security}.get(
        account.kind)
    if build is not None:
        build(plan, account, roles, buckets, profiles, owner)
    instances = snapshot.instances
    if profiles and instances:
        arns = [p.arn for p in profiles]
        instances = tuple(
            dataclasses.replace(i, instance_profile_arn=arns[(k // APP_INSTANCE_EVERY)
                                                             % len(arns)])
            if k % APP_INSTANCE_EVERY == 0 else i for k, i in enumerate(instances))
    return dataclasses.replace(
        snapshot, roles=(*snapshot.roles, *roles), buckets=(*snapshot.buckets, *buckets),
        instance_profiles=(*snapshot.instance_profiles, *profiles), instances=instances)


def _workload(plan: OrgPlan, account: PlannedAccount, roles: list[Role], buckets: list[Bucket],
              profiles: list[InstanceProfile], owner: str) -> None:
    shared = plan.one(SHARED)
    linked = links(plan)
    for j, arn in enumerate(plan.app_role_arns(account)):
        name = f"{APP_ROLE}-{j}"
        data = linked.get(arn, [])
        assume = [d.role_arn(DATA_READER) for d in data]
        if shared is not None:
            assume.append(shared.role_arn(ARTIFACT_READER if j % 2 else ORG_DEPLOYER))
        statements = [_allow(_READ, _bucket_arns(plan.lake_names(d)[:1])) for d in data[:1]]
        if assume:
            statements.append(_allow("sts:AssumeRole", assume))
        inline = [("cross-account", _doc(*statements))] if statements else []
        roles.append(_role(account, name, _trust({"Service": "ec2.amazonaws.com"}), *inline))
        profiles.append(InstanceProfile(
            f"arn:aws:iam::{account.account_id}:instance-profile/{name}", name,
            role_arns=(arn,)))


def _data(plan: OrgPlan, account: PlannedAccount, roles: list[Role], buckets: list[Bucket],
          profiles: list[InstanceProfile], owner: str) -> None:
    readers = sorted(arn for arn, data in links(plan).items() if account in data)
    names = plan.lake_names(account)
    if readers:
        roles.append(_role(account, DATA_READER, _trust(
            {"AWS": readers[0] if len(readers) == 1 else readers}),
            ("read-lake", _doc(_allow(_READ, _bucket_arns(names))))))
    workloads = next((u.unit_id for u in plan.tree.units if u.name == "workloads"), "")
    for m, name in enumerate(names):
        resources = [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"]
        if m % 2 == 0:
            condition: Document = {"StringEquals": {
                "aws:PrincipalOrgID": plan.tree.organization_id}}
        else:
            paths = f"{plan.tree.organization_id}/{plan.tree.units[0].unit_id}/{workloads}/*"
            condition = {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": [paths]}}
        buckets.append(_bucket(name, _doc(
            {"Sid": "OrgRead", "Effect": "Allow", "Principal": "*", "Action": _READ,
             "Resource": resources, "Condition": condition},
            {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
             "Action": "s3:*", "Resource": resources,
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}}), owner))


def _shared(plan: OrgPlan, account: PlannedAccount, roles: list[Role], buckets: list[Bucket],
            profiles: list[InstanceProfile], owner: str) -> None:
    org_id = plan.tree.organization_id
    names = [f"{account.prefix}-artifacts-{m:02d}" for m in range(2)]
    apps = sorted(arn for w in plan.of_kind(WORKLOAD) for j, arn in
                  enumerate(plan.app_role_arns(w)) if j % 2)
    roles.append(_role(account, ORG_DEPLOYER, _trust(
        {"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": org_id}}),
        ("artifacts", _doc(_allow(["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
                                  _bucket_arns(names))))))
    if apps:
        roles.append(_role(account, ARTIFACT_READER, _trust(
            {"AWS": apps[0] if len(apps) == 1 else apps}),
            ("artifacts", _doc(_allow(_READ, _bucket_arns(names))))))
    outside = plan.outside
    roles.append(_role(account, "vendor-access", _trust(  # outlier: no external id
        {"AWS": f"arn:aws:iam::{outside[1]}:root"}),
        ("artifacts", _doc(_allow(_READ, _bucket_arns(names[:1]))))))
    for m, name in enumerate(names):
        resources = [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"]
        statements: list[Document] = [
            {"Sid": "OrgRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
             "Resource": resources[1],
             "Condition": {"StringEquals": {"aws:PrincipalOrgID": org_id}}}]
        if m == 1:  # outlier: an account outside the organisation reads it too
            statements.append({"Sid": "Partner", "Effect": "Allow",
                               "Principal": {"AWS": f"arn:aws:iam::{outside[0]}:root"},
                               "Action": _READ, "Resource": resources})
        buckets.append(_bucket(name, _doc(*statements), owner))


def _security(plan: OrgPlan, account: PlannedAccount, roles: list[Role], buckets: list[Bucket],
              profiles: list[InstanceProfile], owner: str) -> None:
    roles.append(_role(account, AUDITOR, _trust(
        {"AWS": f"arn:aws:iam::{account.account_id}:root"}),
        ("audit", _doc(_allow("sts:AssumeRole", f"arn:aws:iam::*:role/{AUDIT_ROLE}"),
                       _allow(_AUDIT, "*")))))
