"""SSE-KMS and Object Ownership, decided end to end on an account read through boto3 (moto):
the key policy (direct, or delegating to IAM), grants, kms:ViaService, the encryption
context with and without a Bucket Key, aws/s3, the anonymous public, and ACLs disabled by
BucketOwnerEnforced; every cell equal to the oracle's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import boto3
import pytest
from moto import mock_aws

from graph.access import AccessGraph, ActionAccess, build_access_graph
from graph.catalog import s3_actions
from graph.findings import find
from graph.model import AccountSnapshot
from graph.policy import Outcome
from graph.sources.connection import AwsConnection
from graph.sources.live import load_live
from graph.wizard import BucketGrant, RolePlan, render
from graph.wizard.documents import inline_policy
from graph.wizard.kms import with_kms
from graph.wizard.whatif import what_if

from .oracle import Oracle
from .test_oracle import _mismatches

REGION = "eu-west-1"
ACCOUNT = "123456789012"
OTHER = "210987654321"
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}
NAMES = ("kms-direct", "kms-delegated", "kms-grant", "kms-bucketkey", "kms-objectkey",
         "kms-viaec2", "kms-awsmanaged", "acl-enforced", "acl-writer")
#: Grants naming the buckets (a grant meant for them); WILD grants on "*".
S3_RW = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
    "Resource": [f"arn:aws:s3:::{b}{tail}" for b in NAMES for tail in ("", "/*")]}]}
WILD = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
KMS_USE = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*",
    "Condition": {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}}}]}
ADMIN = {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
         "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:Put*"], "Resource": "*"}
DELEGATE = {"Sid": "EnableIAM", "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*",
            "Resource": "*"}


def _role_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def _key_policy(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [ADMIN, *statements]})


def _use(role: str, condition: dict[str, object] | None = None) -> dict[str, object]:
    st: dict[str, object] = {"Sid": f"Use{role}", "Effect": "Allow",
                             "Principal": {"AWS": _role_arn(role)},
                             "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*"}
    if condition:
        st["Condition"] = condition
    return st


def _context(arn: str) -> dict[str, object]:
    return {"StringEquals": {"kms:EncryptionContext:aws:s3:arn": arn}}


@pytest.fixture(scope="module")
def account() -> Iterator[AccountSnapshot]:
    with mock_aws():
        session = boto3.Session(region_name=REGION, aws_access_key_id="testing",
                                aws_secret_access_key="testing")
        conn = AwsConnection(session, retry_mode="standard", max_attempts=1)
        iam = conn.client("iam", REGION)
        for name, extra in (("direct", None), ("iamonly", KMS_USE), ("nokms", None),
                            ("granted", None), ("wild", None)):
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
            iam.put_role_policy(RoleName=name, PolicyName="s3", PolicyDocument=json.dumps(
                WILD if name == "wild" else S3_RW))
            if extra is not None:
                iam.put_role_policy(RoleName=name, PolicyName="kms",
                                    PolicyDocument=json.dumps(extra))
        kms = conn.client("kms", REGION)
        s3 = conn.client("s3", REGION)
        keys = {
            # Names one role, no delegation: IAM policies grant no use of the key.
            "k-direct": _key_policy(_use("direct")),
            # Delegates to the account: the role's IAM policy counts.
            "k-delegated": _key_policy(DELEGATE),
            # Administration only: a grant is the one way in.
            "k-grant": _key_policy(),
            # The encryption context names the bucket: as a Bucket Key sends it.
            "k-bucketkey": _key_policy(_use("direct", _context("arn:aws:s3:::kms-bucketkey"))),
            "k-objectkey": _key_policy(_use("direct", _context("arn:aws:s3:::kms-objectkey"))),
            # Allows use only through EC2, never S3.
            "k-viaec2": _key_policy(_use("direct", {"StringEquals": {
                "kms:ViaService": f"ec2.{REGION}.amazonaws.com"}})),
            # Another account may decrypt: a finding.
            "k-shared": _key_policy({"Sid": "Partner", "Effect": "Allow",
                                     "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
                                     "Action": "kms:Decrypt", "Resource": "*"}),
            # Near miss: "*" confined to this account by kms:CallerAccount is no finding.
            "k-confined": _key_policy({"Sid": "Account", "Effect": "Allow",
                                       "Principal": {"AWS": "*"}, "Action": "kms:Decrypt",
                                       "Resource": "*", "Condition": {"StringEquals": {
                                           "kms:CallerAccount": ACCOUNT}}}),
        }
        arns = {}
        for name, policy in keys.items():
            meta = kms.create_key(Policy=policy)["KeyMetadata"]
            kms.create_alias(AliasName=f"alias/{name}", TargetKeyId=meta["KeyId"])
            arns[name] = meta["Arn"]
        kms.create_grant(KeyId=arns["k-grant"], GranteePrincipal=_role_arn("granted"),
                         Operations=["Decrypt"], Name="reports-read")
        buckets = {"kms-direct": ("alias/k-direct", False),
                   "kms-delegated": (arns["k-delegated"], False),
                   "kms-grant": ("alias/k-grant", False),
                   "kms-bucketkey": ("alias/k-bucketkey", True),
                   "kms-objectkey": ("alias/k-objectkey", False),
                   "kms-viaec2": ("alias/k-viaec2", False),
                   "kms-awsmanaged": (None, False)}
        for bucket, (key, bucket_key) in buckets.items():
            s3.create_bucket(Bucket=bucket,
                             CreateBucketConfiguration={"LocationConstraint": REGION})
            default: dict[str, str] = {"SSEAlgorithm": "aws:kms"}
            if key is not None:
                default["KMSMasterKeyID"] = key
            s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": default,
                           "BucketKeyEnabled": bucket_key}]})
        # Another account may read kms-awsmanaged: a grant aws/s3 cannot honour.
        s3.put_bucket_policy(Bucket="kms-awsmanaged", Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Sid": "PartnerReads", "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}, "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::kms-awsmanaged/*"}]}))
        for bucket, ownership in (("acl-enforced", "BucketOwnerEnforced"),
                                  ("acl-writer", "ObjectWriter")):
            s3.create_bucket(Bucket=bucket,
                             CreateBucketConfiguration={"LocationConstraint": REGION})
            s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
                "Rules": [{"ObjectOwnership": "ObjectWriter"}]})
            s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
                "BlockPublicAcls": False, "IgnorePublicAcls": False,
                "BlockPublicPolicy": False, "RestrictPublicBuckets": False})
            s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
            s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
                "Rules": [{"ObjectOwnership": ownership}]})
        yield load_live(conn, (REGION,))


@pytest.fixture(scope="module")
def graph(account: AccountSnapshot) -> AccessGraph:
    return build_access_graph(account)


def _cell(g: AccessGraph, role: str, bucket: str, action: str) -> ActionAccess | None:
    return g.role_bucket(_role_arn(role), bucket, None).get(action)


def _outcome(g: AccessGraph, role: str, bucket: str, action: str) -> Outcome:
    found = _cell(g, role, bucket, action)
    return found.outcome if found is not None else Outcome.DENIED


@pytest.mark.parametrize(("role", "bucket", "get", "put"), [
    # The key policy names the role: no IAM policy for KMS needed.
    ("direct", "kms-direct", Outcome.ALLOWED, Outcome.ALLOWED),
    # Near miss: an IAM allow without the key policy's delegation grants nothing.
    ("iamonly", "kms-direct", Outcome.DENIED, Outcome.DENIED),
    # Delegation to the account + an IAM allow (with kms:ViaService = S3).
    ("iamonly", "kms-delegated", Outcome.ALLOWED, Outcome.ALLOWED),
    # Delegation without an IAM allow for KMS.
    ("nokms", "kms-delegated", Outcome.DENIED, Outcome.DENIED),
    # A grant for Decrypt only: reads, but no GenerateDataKey for writes.
    ("granted", "kms-grant", Outcome.ALLOWED, Outcome.DENIED),
    ("nokms", "kms-grant", Outcome.DENIED, Outcome.DENIED),
    # Bucket Key: the context is the bucket's ARN; without one, the object's.
    ("direct", "kms-bucketkey", Outcome.ALLOWED, Outcome.ALLOWED),
    ("direct", "kms-objectkey", Outcome.DENIED, Outcome.DENIED),
    # kms:ViaService is S3's, not EC2's.
    ("direct", "kms-viaec2", Outcome.DENIED, Outcome.DENIED),
    # aws/s3 serves every principal of its own account (through S3).
    ("nokms", "kms-awsmanaged", Outcome.ALLOWED, Outcome.ALLOWED),
])
def test_sse_kms_reads_and_writes(graph: AccessGraph, role: str, bucket: str, get: Outcome,
                                  put: Outcome) -> None:
    assert _outcome(graph, role, bucket, "s3:GetObject") is get
    assert _outcome(graph, role, bucket, "s3:PutObject") is put
    # Actions that never touch object data do not ask KMS.
    assert _outcome(graph, role, bucket, "s3:ListBucket") is Outcome.ALLOWED


def test_denial_says_which_key_and_why(graph: AccessGraph) -> None:
    denied = _cell(graph, "iamonly", "kms-direct", "s3:GetObject")
    assert denied is not None and denied.outcome is Outcome.DENIED
    assert "per the bucket's default encryption" in denied.reasons[0]
    assert "alias/k-direct" in denied.reasons[0]
    assert "key policy does not grant kms:Decrypt" in denied.reasons[0]
    allowed = _cell(graph, "direct", "kms-direct", "s3:GetObject")
    assert allowed is not None
    assert any(e.label.startswith("key policy of key") and e.sid == "Usedirect"
               for e in allowed.evidence)


def test_a_grant_is_named_and_multipart_needs_decrypt(graph: AccessGraph) -> None:
    read = _cell(graph, "granted", "kms-grant", "s3:GetObject")
    assert read is not None and any("grant reports-read" in r for r in read.reasons)


def test_the_public_cannot_use_kms(account: AccountSnapshot) -> None:
    b = account.bucket_by_name["kms-direct"]
    opened = replace(b, policy={"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::kms-direct/*"}]}, public_access_block=None)
    snap = replace(account, buckets=tuple(opened if x is b else x for x in account.buckets))
    public = build_access_graph(snap).public_access("kms-direct")["s3:GetObject"]
    assert public.outcome is Outcome.DENIED
    assert "anonymous request cannot use a KMS key" in public.reasons[0]


def test_unread_key_is_unknown(account: AccountSnapshot) -> None:
    kms = account.kms_of(REGION)
    assert kms is not None
    snap = replace(account, kms=(replace(kms, keys=()),))
    cell = build_access_graph(snap).role_bucket(_role_arn("direct"), "kms-direct", None)
    assert cell["s3:GetObject"].outcome is Outcome.UNKNOWN
    assert "SSE-KMS per the bucket's default encryption" in cell["s3:GetObject"].reasons[0]
    assert cell["s3:ListBucket"].outcome is Outcome.ALLOWED


def test_ownership_enforced_makes_a_public_acl_grant_nothing(graph: AccessGraph) -> None:
    assert graph.public_access("acl-writer")["s3:ListBucket"].outcome is Outcome.ALLOWED
    assert "s3:ListBucket" not in graph.public_access("acl-enforced")


def test_unread_ownership_leaves_an_acl_grant_unknown(account: AccountSnapshot) -> None:
    b = account.bucket_by_name["acl-writer"]
    unread = replace(b, object_ownership=None, unknown=b.unknown | {"ownership"})
    snap = replace(account, buckets=tuple(unread if x is b else x for x in account.buckets))
    got = build_access_graph(snap).public_access("acl-writer")["s3:ListBucket"]
    assert got.outcome is Outcome.UNKNOWN and "Object Ownership could not be read" in \
        got.reasons[0]


def test_every_cell_equals_the_oracle(account: AccountSnapshot, graph: AccessGraph) -> None:
    bad = _mismatches(graph, Oracle(account), account)
    assert not bad, f"{len(bad)} cells differ, first: " + "\n".join(bad[:5])


def test_findings_a_shared_key_once_and_grants_that_cannot_work(graph: AccessGraph) -> None:
    found = find(graph)
    shared = [f for f in found if f.category == "kms-key-shared"]
    assert [f.title.split("(")[1].split(")")[0] for f in shared] == ["alias/k-shared"]
    assert shared[0].evidence[0].sid == "Partner" and OTHER in shared[0].detail[0]
    cannot = [f for f in found if f.category == "undecryptable-grant"]
    assert all(f.severity.value == "info" for f in cannot)
    # One finding per key (its policy is where they are fixed), each granting statement
    # its evidence. The partner account's read of an aws/s3 bucket:
    partner = [f for f in cannot if any(e.sid == "PartnerReads" for e in f.evidence)]
    assert len(partner) == 1 and "aws/s3 serves only its own account" in partner[0].title
    keys = [f.path[0].source for f in cannot]
    assert len(keys) == len(set(keys))
    # The role whose S3 grant the key policy does not match:
    causes = [(e.label, f.bucket) for f in cannot for e in f.evidence]
    assert ("identity policy iamonly/s3, statement 1", "kms-direct") in causes
    assert not any(f.bucket == "kms-direct" and "direct/s3" in e.label
                   for f in cannot for e in f.evidence)
    # A Deny quoted for its conditions is never "a grant that cannot work".
    assert all(e.effect == "Allow" for f in cannot for e in f.evidence)
    # Near miss: a wildcard grant (s3:* on "*") is not meant for the bucket: no finding.
    assert _outcome(graph, "wild", "kms-direct", "s3:GetObject") is Outcome.DENIED
    assert not any("wild/s3" in f.evidence[0].label for f in cannot)


def test_an_ownership_enforced_acl_is_not_a_public_bucket(graph: AccessGraph) -> None:
    public = {f.bucket for f in find(graph) if f.category == "public-bucket"}
    assert "acl-writer" in public and "acl-enforced" not in public


def _plan(bucket: str) -> RolePlan:
    return RolePlan(name="planned", trusted_services=("ec2.amazonaws.com",),
                    grants=(BucketGrant.parse(f"read,write:{bucket}"),))


def test_wizard_plan_adds_the_key_and_the_key_policy_statement(account: AccountSnapshot
                                                                ) -> None:
    plan = with_kms(_plan("kms-direct"), account)
    kms = [s for s in inline_policy(plan)["Statement"] if s["Sid"].startswith("SseKms")]
    assert len(kms) == 1 and kms[0]["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert kms[0]["Resource"].startswith(f"arn:aws:kms:{REGION}:{ACCOUNT}:key/")
    assert kms[0]["Condition"] == {"StringEquals": {
        "kms:ViaService": f"s3.{REGION}.amazonaws.com"}}
    added = json.loads(render(plan, "json"))["key_policy_statements"]
    assert [a["statement"]["Principal"] for a in added] == [{"AWS": _role_arn("planned")}]
    preview = what_if(plan, account)
    assert any("does not delegate to IAM" in line for line in preview.lines())


def test_wizard_plan_with_a_delegating_key_needs_only_the_role_policy(account: AccountSnapshot
                                                                      ) -> None:
    plan = with_kms(_plan("kms-delegated"), account)
    assert [n.delegates for n in plan.kms] == [True]
    assert json.loads(render(plan, "json"))["key_policy_statements"] == []
    assert not [line for line in what_if(plan, account).lines() if "warning" in line]
    # aws/s3 serves the account already: nothing to add at all.
    assert with_kms(_plan("kms-awsmanaged"), account).kms == ()


def test_unread_default_encryption_is_unknown_for_object_data_only(account: AccountSnapshot
                                                                   ) -> None:
    b = account.bucket_by_name["kms-direct"]
    unread = replace(b, encryption=None, unknown=b.unknown | {"encryption"})
    snap = replace(account, buckets=tuple(unread if x is b else x for x in account.buckets))
    cell = build_access_graph(snap).role_bucket(_role_arn("nokms"), "kms-direct", None)
    assert cell["s3:GetObject"].outcome is Outcome.UNKNOWN
    assert "default encryption could not be read" in cell["s3:GetObject"].reasons[0]
    assert cell["s3:ListBucket"].outcome is Outcome.ALLOWED


def test_key_answers_depend_on_the_roles_kms_statements_only() -> None:
    """Roles whose policies differ only in S3 statements share the key's answers (issue 24:
    the gate's key named every policy of the role); a statement that speaks of kms:Decrypt,
    by Action, wildcard or NotAction, makes a role's own."""
    from graph.access.classify.kms_facts import KmsFacts
    from graph.access.compile.policies import PolicyBook
    from graph.model import Account, InlinePolicy, Role

    def role(name: str, *docs: dict[str, object]) -> Role:
        return Role(_role_arn(name), name, TRUST, inline_policies=tuple(
            InlinePolicy(f"p{n}", d) for n, d in enumerate(docs)))

    wild_kms = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Action": "kms:*", "Resource": "*"}]}
    not_iam = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}
    roles = [role("a", S3_RW), role("b", WILD), role("c", S3_RW, KMS_USE),
             role("d", WILD, wild_kms), role("e", not_iam)]
    book = PolicyBook(AccountSnapshot(Account(ACCOUNT), roles=tuple(roles)))
    kf = KmsFacts(ref="k", region=REGION, bucket_key=False,
                  key_arn=f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k", key=None, policy=None,
                  aws_managed=False, unread=())
    sig = {r.name: kf.role_signature(book.role(r)) for r in roles}
    assert sig["a"] == sig["b"]
    assert len({sig[n] for n in "acde"}) == 4


def test_a_role_reading_the_encryption_context_is_decided_per_bucket() -> None:
    """Two buckets with the same key and no policy of their own look alike, but a role whose
    kms:Decrypt is limited to one bucket's encryption context (`aws:s3:arn`) can read that
    one only: a shared answer would say "allowed" on the other (a wrong allowed)."""
    from graph.model import Account, Bucket, InlinePolicy, Role
    from graph.model_kms import KmsKey, RegionKms
    from graph.model_s3 import BucketEncryption

    key_arn = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k1"
    key = KmsKey("k1", key_arn, REGION, key_manager="CUSTOMER",
                 policy={"Version": "2012-10-17", "Statement": [DELEGATE]})
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn, "Condition": {
            "StringLike": {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::bucket-a/*"}}}]}
    app = Role(_role_arn("app"), "app", TRUST, inline_policies=(InlinePolicy("p", policy),))
    enc = BucketEncryption("aws:kms", key_arn, False)
    for names in (("bucket-a", "bucket-b", "bucket-c"), ("bucket-c", "bucket-b", "bucket-a")):
        snap = AccountSnapshot(Account(ACCOUNT), roles=(app,), buckets=tuple(
            Bucket(n, region=REGION, encryption=enc) for n in names),
            kms=(RegionKms(REGION, (key,)),))
        g = build_access_graph(snap)
        outcomes = {b: g.role_bucket(app.arn, b)["s3:GetObject"].outcome for b in names}
        assert outcomes == {"bucket-a": Outcome.ALLOWED, "bucket-b": Outcome.DENIED,
                            "bucket-c": Outcome.DENIED}
        # The exports' walk (shared answers by bucket run) says the same, each bucket once.
        rows = {n: res["s3:GetObject"].outcome for res, ns in g.role_classes(app.arn)
                for n in ns if "s3:GetObject" in res}
        assert rows == outcomes
        oracle = Oracle(snap)
        for bucket in snap.buckets:
            want = oracle.role_cell(app, bucket, next(
                a for a in s3_actions() if a.name == "s3:GetObject"), None)
            assert want.outcome is outcomes[bucket.name]
