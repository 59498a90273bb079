"""A moto organisation for the organisation-load tests, built through boto3.

    root (FullAWSAccess, RCPFullAWSAccess)
    ├── management 123456789012   bucket mgmt-audit-logs
    ├── OU workloads  (SCP deny-leave-org)
    │   ├── work     role app (instance profile), one running instance
    │   └── closed   SUSPENDED (closed)
    └── OU data       (RCP data-perimeter)
        ├── data     bucket data-lake, role reader
        │   └── OU archive
        │       └── norole   its member role cannot be assumed (AWS refuses: AccessDenied)

moto keeps one backend per account (MOTO_ACCOUNT_ID must stay unset) and lets any role be
assumed, even a missing one; the refusal AWS gives for `norole` (whose role is deleted) is
injected with botocore's
before-send hook (tests/sources/sources_faults.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3
from sources_faults import inject_error

from graph.sources.connection import AwsConnection

MEMBER_ROLE = "OrganizationAccountAccessRole"
REGION = "us-east-1"
TRUST_EC2 = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
DENY_LEAVE = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}]}
PERIMETER = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
    "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-placeholder"}}}]}


@dataclass(frozen=True)
class OrgAccounts:
    management: str
    work: str
    data: str
    closed: str
    norole: str
    org_id: str
    root: str
    workloads: str
    data_ou: str
    archive: str


def _session(credentials: dict[str, Any] | None = None) -> boto3.Session:
    if credentials is None:
        return boto3.Session(region_name=REGION, aws_access_key_id="testing",
                             aws_secret_access_key="testing")
    return boto3.Session(region_name=REGION, aws_access_key_id=credentials["AccessKeyId"],
                         aws_secret_access_key=credentials["SecretAccessKey"],
                         aws_session_token=credentials["SessionToken"])


def _member(admin: boto3.Session, account_id: str) -> boto3.Session:
    arn = f"arn:aws:iam::{account_id}:role/{MEMBER_ROLE}"
    return _session(admin.client("sts").assume_role(RoleArn=arn, RoleSessionName="setup")[
        "Credentials"])


def build_org() -> OrgAccounts:
    """The organisation above (call inside mock_aws)."""
    admin = _session()
    org = admin.client("organizations")
    org_id = org.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    management = admin.client("sts").get_caller_identity()["Account"]
    root = org.list_roots()["Roots"][0]["Id"]

    def ou(name: str, parent: str) -> str:
        return str(org.create_organizational_unit(ParentId=parent, Name=name)[
            "OrganizationalUnit"]["Id"])

    def account(name: str, parent: str) -> str:
        account_id = str(org.create_account(Email=f"{name}@example.com", AccountName=name)[
            "CreateAccountStatus"]["AccountId"])
        org.move_account(AccountId=account_id, SourceParentId=root, DestinationParentId=parent)
        return account_id

    def policy(name: str, document: dict[str, Any], kind: str, target: str) -> None:
        pid = org.create_policy(Content=json.dumps(document), Description=name, Name=name,
                                Type=kind)["Policy"]["PolicySummary"]["Id"]
        org.attach_policy(PolicyId=pid, TargetId=target)

    workloads, data_ou = ou("workloads", root), ou("data", root)
    archive = ou("archive", data_ou)
    work, closed = account("work", workloads), account("closed", workloads)
    data, norole = account("data", data_ou), account("norole", archive)
    policy("deny-leave-org", DENY_LEAVE, "SERVICE_CONTROL_POLICY", workloads)
    perimeter = json.loads(json.dumps(PERIMETER).replace("o-placeholder", org_id))
    policy("data-perimeter", perimeter, "RESOURCE_CONTROL_POLICY", data_ou)
    org.close_account(AccountId=closed)

    admin.client("s3").create_bucket(Bucket="mgmt-audit-logs")
    _workload(_member(admin, work))
    data_session = _member(admin, data)
    data_session.client("s3").create_bucket(Bucket="data-lake")
    data_session.client("iam").create_role(RoleName="reader",
                                           AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    # norole's member role is deleted: AWS would refuse to assume it (moto does not).
    _member(admin, norole).client("iam").delete_role(RoleName=MEMBER_ROLE)
    return OrgAccounts(management, work, data, closed, norole, org_id, root, workloads,
                       data_ou, archive)


def _workload(session: boto3.Session) -> None:
    iam = session.client("iam")
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    iam.create_instance_profile(InstanceProfileName="app")
    iam.add_role_to_instance_profile(InstanceProfileName="app", RoleName="app")
    session.client("ec2").run_instances(
        ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t3.micro",
        IamInstanceProfile={"Name": "app"})


def management_connection(accounts: OrgAccounts | None = None) -> AwsConnection:
    """The management account's connection; with `accounts`, AWS's refusal to assume the
    member role of `norole` (its role does not exist there)."""
    conn = AwsConnection(_session(), max_attempts=1)
    if accounts is not None:
        role = f"{accounts.norole}%3Arole%2F"

        def names_norole(request: Any) -> bool:
            body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
            return role in body

        inject_error(conn, "before-send.sts.AssumeRole", status=403, code="AccessDenied",
                     message=f"User: arn:aws:iam::{accounts.management}:root is not authorized "
                             f"to perform: sts:AssumeRole on resource: arn:aws:iam::"
                             f"{accounts.norole}:role/{MEMBER_ROLE}",
                     protocol="query", when=names_norole)
    return conn
