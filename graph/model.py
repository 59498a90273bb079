"""The account snapshot: typed, frozen records of everything rolemap reads from an account.

Every source (live boto3, AWS CLI export folder, snapshot file, demo, synthetic) produces one
`AccountSnapshot`; everything downstream (policy engine, access graph, exports, app) reads only
this. Policy documents are kept as the JSON AWS stores (dicts), parsed by the engine, so a
malformed one is reported where it is used, with its name, instead of failing the whole load.

Unknown is not absent: a configuration the loader could not read is named in the record's
`unknown` set (e.g. a bucket whose policy could not be read), never silently treated as "none".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from graph.model_common import BlockPublicAccess as BlockPublicAccess
from graph.model_common import JsonDoc, Unread
from graph.model_compute import ComputeFacts
from graph.model_kms import RegionKms
from graph.model_network import RegionNetwork
from graph.model_org import Organization
from graph.model_s3 import AccessPoint, BucketEncryption

#: 2: the gates' facts (network, KMS, access points, bucket encryption and ownership,
#: organisation policies); a version-1 file loads with them unread.
SNAPSHOT_SCHEMA_VERSION = 2

#: Names used in `Bucket.unknown` / `Account.unknown` for configurations that could not be read.
UNKNOWN_POLICY = "policy"
UNKNOWN_PUBLIC_ACCESS_BLOCK = "public_access_block"
UNKNOWN_ACL = "acl"
UNKNOWN_LOCATION = "location"
#: Bucket facts of the gates (reasons in the load warnings; the fields are None then).
UNKNOWN_ENCRYPTION = "encryption"
UNKNOWN_OWNERSHIP = "ownership"


@dataclass(frozen=True)
class Account:
    """The account being analysed."""

    account_id: str
    partition: str = "aws"
    #: Account-level Block Public Access (s3control); None when none is configured.
    public_access_block: BlockPublicAccess | None = None
    #: Names of account-level configurations that could not be read (see UNKNOWN_*).
    unknown: frozenset[str] = frozenset()
    alias: str | None = None


@dataclass(frozen=True)
class ForeignAccount:
    """The account that owns the buckets of an analysis when it is not the snapshot's own:
    an organisation's analysis asks the roles of one account about the buckets of another.

    The bucket side of every request reads these facts (the resource account, Block Public
    Access, the RCPs on this account's organisation path, the KMS keys of SSE-KMS buckets);
    the caller side (identity policies, boundary, SCPs) stays the snapshot's own.
    """

    account: Account
    organization: Organization | None = None
    kms: tuple[RegionKms, ...] | None = None

    @property
    def account_id(self) -> str:
        return self.account.account_id

    def kms_of(self, region: str) -> RegionKms | None:
        """The region's KMS keys and aliases; None when they were not read."""
        return next((k for k in self.kms or () if k.region == region), None)


@dataclass(frozen=True)
class InlinePolicy:
    """An inline (embedded) policy of a role."""

    name: str
    document: JsonDoc


@dataclass(frozen=True)
class PolicyVersion:
    """A version of a managed policy that is not its default: not in force, but anyone allowed
    iam:SetDefaultPolicyVersion can put it in force."""

    version_id: str
    document: JsonDoc
    create_date: str = ""


@dataclass(frozen=True)
class ManagedPolicy:
    """A customer or AWS managed policy, with its default version's document."""

    arn: str
    name: str
    document: JsonDoc
    path: str = "/"
    default_version_id: str = "v1"
    attachment_count: int = 0
    description: str = ""
    #: The customer-managed policy's other versions; () when the default is its only one;
    #: None when they were not read (a snapshot written before rolemap kept them, or an AWS
    #: managed policy: no customer can change which of its versions is in force).
    other_versions: tuple[PolicyVersion, ...] | None = None

    @property
    def is_aws_managed(self) -> bool:
        return ":iam::aws:policy/" in self.arn


@dataclass(frozen=True)
class Role:
    """An IAM role: who may assume it (trust policy) and what it may do."""

    arn: str
    name: str
    trust_policy: JsonDoc
    path: str = "/"
    role_id: str = ""
    inline_policies: tuple[InlinePolicy, ...] = ()
    attached_policy_arns: tuple[str, ...] = ()
    permissions_boundary_arn: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    max_session_duration: int = 3600
    description: str = ""
    create_date: str = ""

    @property
    def account_id(self) -> str:
        return self.arn.split(":")[4]


@dataclass(frozen=True)
class Group:
    """An IAM group: the policies every member's requests carry (a group is no principal)."""

    arn: str
    name: str
    path: str = "/"
    group_id: str = ""
    inline_policies: tuple[InlinePolicy, ...] = ()
    attached_policy_arns: tuple[str, ...] = ()


@dataclass(frozen=True)
class User:
    """An IAM user: long-term credentials (access keys, a console password) and the policies
    of the user and of its groups; graph.model_users turns it into a caller the engine decides."""

    arn: str
    name: str
    path: str = "/"
    user_id: str = ""
    inline_policies: tuple[InlinePolicy, ...] = ()
    attached_policy_arns: tuple[str, ...] = ()
    #: Names of the groups it is a member of (GroupDetailList holds their policies).
    group_names: tuple[str, ...] = ()
    permissions_boundary_arn: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    create_date: str = ""

    @property
    def account_id(self) -> str:
        return self.arn.split(":")[4]


@dataclass(frozen=True)
class InstanceProfile:
    """An instance profile: the container that hands a role to an EC2 instance."""

    arn: str
    name: str
    path: str = "/"
    role_arns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Instance:
    """An EC2 instance, reduced to the fields rolemap uses (describe output is mostly noise)."""

    instance_id: str
    region: str
    state: str
    account_id: str
    name: str = ""
    vpc_id: str | None = None
    subnet_id: str | None = None
    private_ip: str | None = None
    instance_profile_arn: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    partition: str = "aws"
    #: Public IPv4 address, when the instance has one (reachable from the internet).
    public_ip: str | None = None
    #: Its (primary interface's first) IPv6 address: what S3 sees as aws:SourceIp over IPv6.
    ipv6_address: str | None = None
    #: MetadataOptions.HttpTokens: "required" (IMDSv2 only) or "optional" (IMDSv1 allowed);
    #: None when the source did not say (an older snapshot): never read as either.
    metadata_http_tokens: str | None = None
    #: MetadataOptions.HttpEndpoint: "enabled" or "disabled" (no metadata service at all).
    metadata_http_endpoint: str | None = None

    @property
    def imdsv1_allowed(self) -> bool | None:
        """Whether credentials can be read from the metadata service without a session token
        (what an SSRF needs); None when the loader did not see the metadata options."""
        if self.metadata_http_endpoint == "disabled":
            return False
        if self.metadata_http_tokens is None:
            return None
        return self.metadata_http_tokens == "optional"

    @property
    def arn(self) -> str:
        return (
            f"arn:{self.partition}:ec2:{self.region}:{self.account_id}"
            f":instance/{self.instance_id}"
        )

    @property
    def label(self) -> str:
        return f"{self.name} ({self.instance_id})" if self.name else self.instance_id


@dataclass(frozen=True)
class AclGrant:
    """One grant of a bucket ACL."""

    #: "CanonicalUser", "Group" or "AmazonCustomerByEmail".
    grantee_type: str
    #: Canonical id, group URI or e-mail address.
    grantee: str
    #: FULL_CONTROL, READ, WRITE, READ_ACP or WRITE_ACP.
    permission: str
    display_name: str = ""


ALL_USERS_URI = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS_URI = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"


@dataclass(frozen=True)
class Bucket:
    """An S3 bucket and the configurations that decide who can reach it."""

    name: str
    region: str = "us-east-1"
    #: The bucket policy document; None when there is none, or when it is unknown (see `unknown`).
    policy: JsonDoc | None = None
    #: Bucket-level Block Public Access; None when none is configured (or unknown).
    public_access_block: BlockPublicAccess | None = None
    acl_grants: tuple[AclGrant, ...] = ()
    owner_id: str = ""
    owner_name: str = ""
    #: Configurations that could not be read (UNKNOWN_POLICY, ...): "unknown", never "none".
    unknown: frozenset[str] = frozenset()
    creation_date: str = ""
    #: Default encryption; None when it was not read (UNKNOWN_ENCRYPTION, or a source or
    #: snapshot from before it was read), never "none configured" (that is algorithm "").
    encryption: BucketEncryption | None = None
    #: Object Ownership (graph.model_s3.OWNERSHIP_*); None when it was not read.
    object_ownership: str | None = None

    @property
    def arn(self) -> str:
        return f"arn:aws:s3:::{self.name}"

    @property
    def policy_unknown(self) -> bool:
        return UNKNOWN_POLICY in self.unknown


@dataclass(frozen=True)
class Scp:
    """A service control policy applying at one organization level."""

    name: str
    document: JsonDoc
    #: Organization level, outermost first: 0 = root, then OUs, then the account.
    level: int = 0
    target: str = ""


@dataclass(frozen=True)
class LoadWarning:
    """Something the loader could not read, and why; shown to the user, never swallowed."""

    #: The API operation or file, e.g. "s3:GetBucketPolicy".
    operation: str
    #: What it was about (bucket name, region, role ARN...), or "" for account-wide.
    target: str
    message: str
    #: The AWS error code when there is one (AccessDenied, Throttling...).
    code: str = ""

    def __str__(self) -> str:
        where = f" {self.target}" if self.target else ""
        code = f" [{self.code}]" if self.code else ""
        return f"{self.operation}{where}: {self.message}{code}"


@dataclass(frozen=True)
class SourceInfo:
    """Where a snapshot came from, for the header and for exports."""

    #: "demo", "profile", "snapshot", "export-folder" or "synthetic".
    kind: str
    label: str = ""
    regions: tuple[str, ...] = ()


@dataclass(frozen=True)
class AccountSnapshot:
    """Everything loaded from one account: the single input to analysis."""

    account: Account
    roles: tuple[Role, ...] = ()
    managed_policies: tuple[ManagedPolicy, ...] = ()
    instance_profiles: tuple[InstanceProfile, ...] = ()
    instances: tuple[Instance, ...] = ()
    buckets: tuple[Bucket, ...] = ()
    #: SCPs per organization level (outermost first); None when Organizations was not loaded.
    scps: tuple[tuple[Scp, ...], ...] | None = None
    warnings: tuple[LoadWarning, ...] = ()
    source: SourceInfo = SourceInfo("unknown")
    #: When the account was read (ISO 8601, UTC): the load time for live and demo sources,
    #: the newest file's modification time for an export folder; "" when not known.
    taken_at: str = ""
    #: The gates' facts (see graph.model_network, model_kms, model_s3, model_org). None: not
    #: read at all (an older snapshot or export folder), named in `unread_gates`; a part that
    #: could not be read is named in the record's own `unread`.
    network: tuple[RegionNetwork, ...] | None = None
    kms: tuple[RegionKms, ...] | None = None
    access_points: tuple[AccessPoint, ...] | None = None
    organization: Organization | None = None
    #: Gates whose facts this snapshot does not hold at all, and why.
    unread_gates: tuple[Unread, ...] = ()
    #: Lambda functions, stacks, projects, dev endpoints, notebooks and their roles
    #: (graph.model_compute); None: not read at all (an older snapshot or export folder).
    compute: ComputeFacts | None = None
    #: IAM users and groups; None when they were not read (an older snapshot or export
    #: folder): escalation through users is then unknown, never "none".
    users: tuple[User, ...] | None = None
    groups: tuple[Group, ...] | None = None

    @cached_property
    def role_by_arn(self) -> Mapping[str, Role]:
        return {r.arn: r for r in self.roles}

    @cached_property
    def role_by_name(self) -> Mapping[str, Role]:
        return {r.name: r for r in self.roles}

    @cached_property
    def user_by_arn(self) -> Mapping[str, User]:
        return {u.arn: u for u in self.users or ()}

    @cached_property
    def group_by_name(self) -> Mapping[str, Group]:
        return {g.name: g for g in self.groups or ()}

    @cached_property
    def policy_by_arn(self) -> Mapping[str, ManagedPolicy]:
        return {p.arn: p for p in self.managed_policies}

    @cached_property
    def profile_by_arn(self) -> Mapping[str, InstanceProfile]:
        return {p.arn: p for p in self.instance_profiles}

    @cached_property
    def bucket_by_name(self) -> Mapping[str, Bucket]:
        return {b.name: b for b in self.buckets}

    @cached_property
    def instance_by_id(self) -> Mapping[str, Instance]:
        return {i.instance_id: i for i in self.instances}

    @property
    def account_id(self) -> str:
        return self.account.account_id

    def network_of(self, region: str) -> RegionNetwork | None:
        """The region's network facts; None when they were not read."""
        return next((n for n in self.network or () if n.region == region), None)

    def kms_of(self, region: str) -> RegionKms | None:
        """The region's KMS keys and aliases; None when they were not read."""
        return next((k for k in self.kms or () if k.region == region), None)

    @property
    def as_owner(self) -> ForeignAccount:
        """This account's bucket-side facts (what `ForeignAccount` carries for another's)."""
        return ForeignAccount(self.account, self.organization, self.kms)
