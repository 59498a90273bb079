"""IAM: get-account-authorization-details (pages merged) -> roles, managed policies, profiles,
users and groups.

Pure: no boto3 here. moto omits `PolicyName`/`PolicyId` on managed policies, so names come from
the ARN. Real AWS lists only attached AWS managed policies; moto may list all of them, so only
the ones a role references (or that are attached somewhere) are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph.model import (
    Group,
    InlinePolicy,
    InstanceProfile,
    LoadWarning,
    ManagedPolicy,
    PolicyVersion,
    Role,
    User,
)
from graph.sources.documents import DocumentDecodeError, decode_document
from graph.sources.shapes import (
    RECORD_FAULTS,
    ShapeError,
    bad_shape,
    expect_list,
    expect_object,
    iam_arn,
    object_or_none,
    optional_string,
    string,
    tags_dict,
    text,
)

OPERATION = "iam:GetAccountAuthorizationDetails"


@dataclass(frozen=True)
class IamRecords:
    roles: tuple[Role, ...]
    managed_policies: tuple[ManagedPolicy, ...]
    instance_profiles: tuple[InstanceProfile, ...]
    warnings: tuple[LoadWarning, ...]
    #: A role record was skipped (live reads): its instance profiles are missing too, so
    #: instances holding them must read *unknown*, not "no role" (see graph.access.decide.unread).
    roles_skipped: bool = False
    #: None when the details hold no UserDetailList / GroupDetailList at all (not asked for).
    users: tuple[User, ...] | None = None
    groups: tuple[Group, ...] | None = None


class _Documents:
    """Decodes documents; strict sources fail on a bad one, live ones keep it and warn.

    A live account cannot be "fixed" by the reviewer, so one undecodable document must not stop
    the load: the raw string is kept and the engine reports it, by name, where it is used.
    """

    def __init__(self, where: str, strict: bool) -> None:
        self.where = where
        self.strict = strict
        self.warnings: list[LoadWarning] = []

    def decode(self, value: Any, path: str, target: str, *, lenient: bool = False) -> Any:
        """`lenient`: warn even for a strict source (a role's trust policy: one that cannot
        be read makes who may assume that role unknown, not the whole account unreadable)."""
        try:
            document = decode_document(value, f"{self.where}: {path}" if self.where else path)
        except DocumentDecodeError as exc:
            if self.strict and not lenient:
                raise
            self.warnings.append(LoadWarning(OPERATION, target, f"{path}: {exc.message}"))
            return value
        if lenient and not isinstance(document, dict):
            what = "null" if document is None else type(document).__name__
            self.warnings.append(LoadWarning(
                OPERATION, target, f"{path}: {what} instead of a policy document: who may "
                "assume this role is unknown"))
        return document

    def skip(self, where: str, path: str, exc: Exception) -> None:
        """A record that is not the documented shape: an error (strict) or skipped with a warning.

        One malformed role in a live account must not hide the other thousands; the warning
        names it, so the reviewer knows the map is missing something.
        """
        fault = bad_shape(f"{where}: {path}" if where else path, exc)
        if self.strict:
            raise fault from exc
        self.warnings.append(LoadWarning(OPERATION, path, f"record skipped: {fault}"))


def transform_authorization_details(
    details: Any, *, where: str = "", strict: bool = True
) -> IamRecords:
    """Turn one merged get-account-authorization-details response into model records."""
    prefix = f"{where}: " if where else ""
    details = expect_object(
        details, where or "authorization details", "get-account-authorization-details output",
        ("RoleDetailList", "Policies", "UserDetailList", "GroupDetailList"),
    )
    docs = _Documents(where, strict)
    roles_skipped = False
    roles: list[Role] = []
    profiles: dict[str, InstanceProfile] = {}
    for i, raw in enumerate(expect_list(details.get("RoleDetailList"), f"{prefix}RoleDetailList")):
        path = f"RoleDetailList[{i}]"
        try:
            role = _role(raw, path, docs)
            found = [_profile(prof, f"InstanceProfileList[{j}]")
                     for j, prof in enumerate(raw.get("InstanceProfileList") or ())]
        except RECORD_FAULTS as exc:
            docs.skip(where, path, exc)
            roles_skipped = True
            continue
        for profile in found:
            if profile.arn not in profiles or not profiles[profile.arn].role_arns:
                profiles[profile.arn] = profile
        roles.append(role)
    users, groups = _users_and_groups(details, prefix, where, docs)
    referenced = {a for r in roles for a in r.attached_policy_arns}
    referenced.update(r.permissions_boundary_arn for r in roles if r.permissions_boundary_arn)
    for principal in (*(users or ()), *(groups or ())):
        referenced.update(principal.attached_policy_arns)
    referenced.update(u.permissions_boundary_arn for u in users or ()
                      if u.permissions_boundary_arn)
    policies: list[ManagedPolicy] = []
    for i, raw in enumerate(expect_list(details.get("Policies"), f"{prefix}Policies")):
        path = f"Policies[{i}]"
        try:
            policy = _managed_policy(raw, path, docs)
        except RECORD_FAULTS as exc:
            docs.skip(where, path, exc)
            continue
        if policy.is_aws_managed and policy.arn not in referenced and not policy.attachment_count:
            continue
        policies.append(policy)
    return IamRecords(tuple(roles), tuple(policies), tuple(profiles.values()),
                      tuple(docs.warnings), roles_skipped, users, groups)


def _users_and_groups(details: Any, prefix: str, where: str, docs: _Documents
                      ) -> tuple[tuple[User, ...] | None, tuple[Group, ...] | None]:
    """Users and groups; (None, None) when the details do not list them (a filter without
    User and Group, as older export folders were captured): not read, never "none"."""
    if "UserDetailList" not in details and "GroupDetailList" not in details:
        return None, None
    users: list[User] = []
    for i, raw in enumerate(expect_list(details.get("UserDetailList"), f"{prefix}UserDetailList")):
        path = f"UserDetailList[{i}]"
        try:
            users.append(_user(raw, path, docs))
        except RECORD_FAULTS as exc:
            docs.skip(where, path, exc)
    groups: list[Group] = []
    for i, raw in enumerate(expect_list(details.get("GroupDetailList"),
                                        f"{prefix}GroupDetailList")):
        path = f"GroupDetailList[{i}]"
        try:
            groups.append(_group(raw, path, docs))
        except RECORD_FAULTS as exc:
            docs.skip(where, path, exc)
    return tuple(users), tuple(groups)


def _inline(raw: Any, key: str, path: str, arn: str, docs: _Documents) -> tuple[InlinePolicy, ...]:
    return tuple(
        InlinePolicy(
            string(p["PolicyName"], f"{key}[{j}].PolicyName"),
            docs.decode(p["PolicyDocument"], f"{path}.{key}[{j}].PolicyDocument", arn),
        )
        for j, p in enumerate(raw.get(key) or ())
    )


def _attached(raw: Any) -> tuple[str, ...]:
    return tuple(iam_arn(p["PolicyArn"], f"AttachedManagedPolicies[{j}].PolicyArn", "policy")
                 for j, p in enumerate(raw.get("AttachedManagedPolicies") or ()))


def _user(raw: Any, path: str, docs: _Documents) -> User:
    arn = iam_arn(raw["Arn"], "Arn", "user")
    boundary = object_or_none(raw.get("PermissionsBoundary"), "PermissionsBoundary") or {}
    boundary_arn = boundary.get("PermissionsBoundaryArn")
    return User(
        arn=arn,
        name=optional_string(raw.get("UserName"), "UserName") or arn.rsplit("/", 1)[-1],
        path=optional_string(raw.get("Path"), "Path", "/"),
        user_id=optional_string(raw.get("UserId"), "UserId"),
        inline_policies=_inline(raw, "UserPolicyList", path, arn, docs),
        attached_policy_arns=_attached(raw),
        group_names=tuple(string(g, f"GroupList[{j}]")
                          for j, g in enumerate(raw.get("GroupList") or ())),
        permissions_boundary_arn=None if boundary_arn is None else iam_arn(
            boundary_arn, "PermissionsBoundary.PermissionsBoundaryArn", "policy"),
        tags=tags_dict(raw.get("Tags")),
        create_date=text(raw.get("CreateDate")),
    )


def _group(raw: Any, path: str, docs: _Documents) -> Group:
    arn = iam_arn(raw["Arn"], "Arn", "group")
    return Group(
        arn=arn,
        name=optional_string(raw.get("GroupName"), "GroupName") or arn.rsplit("/", 1)[-1],
        path=optional_string(raw.get("Path"), "Path", "/"),
        group_id=optional_string(raw.get("GroupId"), "GroupId"),
        inline_policies=_inline(raw, "GroupPolicyList", path, arn, docs),
        attached_policy_arns=_attached(raw),
    )


def _role(raw: Any, path: str, docs: _Documents) -> Role:
    arn = iam_arn(raw["Arn"], "Arn", "role")
    inline = tuple(
        InlinePolicy(
            string(p["PolicyName"], f"RolePolicyList[{j}].PolicyName"),
            docs.decode(p["PolicyDocument"], f"{path}.RolePolicyList[{j}].PolicyDocument", arn),
        )
        for j, p in enumerate(raw.get("RolePolicyList") or ())
    )
    boundary = object_or_none(raw.get("PermissionsBoundary"), "PermissionsBoundary") or {}
    boundary_arn = boundary.get("PermissionsBoundaryArn")
    return Role(
        arn=arn,
        name=optional_string(raw.get("RoleName"), "RoleName") or arn.rsplit("/", 1)[-1],
        trust_policy=docs.decode(
            raw.get("AssumeRolePolicyDocument"), f"{path}.AssumeRolePolicyDocument", arn,
            lenient=True,
        ),
        path=optional_string(raw.get("Path"), "Path", "/"),
        role_id=optional_string(raw.get("RoleId"), "RoleId"),
        inline_policies=inline,
        attached_policy_arns=tuple(
            iam_arn(p["PolicyArn"], f"AttachedManagedPolicies[{j}].PolicyArn", "policy")
            for j, p in enumerate(raw.get("AttachedManagedPolicies") or ())
        ),
        permissions_boundary_arn=None if boundary_arn is None else iam_arn(
            boundary_arn, "PermissionsBoundary.PermissionsBoundaryArn", "policy"),
        tags=tags_dict(raw.get("Tags")),
        max_session_duration=_integer(raw.get("MaxSessionDuration", 3600), "MaxSessionDuration"),
        description=optional_string(raw.get("Description"), "Description"),
        create_date=text(raw.get("CreateDate")),
    )


def _integer(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ShapeError(field, "expected an integer")
    try:
        return int(value)
    except ValueError:
        raise ShapeError(field, "expected an integer") from None


def _profile(raw: Any, field: str) -> InstanceProfile:
    arn = iam_arn(raw["Arn"], f"{field}.Arn", "instance-profile")
    return InstanceProfile(
        arn=arn,
        name=optional_string(raw.get("InstanceProfileName"), f"{field}.InstanceProfileName")
        or arn.rsplit("/", 1)[-1],
        path=optional_string(raw.get("Path"), f"{field}.Path", "/"),
        role_arns=tuple(iam_arn(r["Arn"], f"{field}.Roles[{k}].Arn", "role")
                        for k, r in enumerate(raw.get("Roles") or ())),
    )


def _managed_policy(raw: Any, path: str, docs: _Documents) -> ManagedPolicy:
    arn = iam_arn(raw["Arn"], "Arn", "policy")
    default = raw.get("DefaultVersionId", "v1")
    versions = raw.get("PolicyVersionList") or ()
    chosen = next((v for v in versions if v.get("IsDefaultVersion")), None)
    if chosen is None:
        chosen = next((v for v in versions if v.get("VersionId") == default), None)
    if chosen is None:
        raise KeyError("PolicyVersionList (default version)")
    index = versions.index(chosen)
    others: tuple[PolicyVersion, ...] | None = None
    if ":iam::aws:policy/" not in arn:
        others = tuple(
            PolicyVersion(
                optional_string(v.get("VersionId"), f"PolicyVersionList[{k}].VersionId")
                or f"#{k + 1}",
                docs.decode(v.get("Document"), f"{path}.PolicyVersionList[{k}].Document", arn),
                text(v.get("CreateDate")))
            for k, v in enumerate(versions) if v is not chosen)
    return ManagedPolicy(
        arn=arn,
        name=optional_string(raw.get("PolicyName"), "PolicyName") or arn.rsplit("/", 1)[-1],
        document=docs.decode(
            chosen["Document"], f"{path}.PolicyVersionList[{index}].Document", arn
        ),
        path=optional_string(raw.get("Path"), "Path", "/"),
        default_version_id=optional_string(chosen.get("VersionId", default), "VersionId"),
        attachment_count=_integer(raw.get("AttachmentCount", 0), "AttachmentCount"),
        description=optional_string(raw.get("Description"), "Description"),
        other_versions=others,
    )
