"""IAM: get-account-authorization-details (pages merged) -> roles, managed policies, profiles.

Pure: no boto3 here. moto omits `PolicyName`/`PolicyId` on managed policies, so names come from
the ARN. Real AWS lists only attached AWS managed policies; moto may list all of them, so only
the ones a role references (or that are attached somewhere) are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph.model import InlinePolicy, InstanceProfile, LoadWarning, ManagedPolicy, Role
from graph.sources.documents import DocumentDecodeError, decode_document
from graph.sources.shapes import bad_shape, expect_list, expect_object, tags_dict, text

OPERATION = "iam:GetAccountAuthorizationDetails"


@dataclass(frozen=True)
class IamRecords:
    roles: tuple[Role, ...]
    managed_policies: tuple[ManagedPolicy, ...]
    instance_profiles: tuple[InstanceProfile, ...]
    warnings: tuple[LoadWarning, ...]


class _Documents:
    """Decodes documents; strict sources fail on a bad one, live ones keep it and warn.

    A live account cannot be "fixed" by the reviewer, so one undecodable document must not stop
    the load: the raw string is kept and the engine reports it, by name, where it is used.
    """

    def __init__(self, where: str, strict: bool) -> None:
        self.where = where
        self.strict = strict
        self.warnings: list[LoadWarning] = []

    def decode(self, value: Any, path: str, target: str) -> Any:
        try:
            return decode_document(value, f"{self.where}: {path}" if self.where else path)
        except DocumentDecodeError as exc:
            if self.strict:
                raise
            self.warnings.append(LoadWarning(OPERATION, target, f"{path}: {exc.message}"))
            return value


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
    roles: list[Role] = []
    profiles: dict[str, InstanceProfile] = {}
    for i, raw in enumerate(expect_list(details.get("RoleDetailList"), f"{prefix}RoleDetailList")):
        path = f"RoleDetailList[{i}]"
        try:
            role = _role(raw, path, docs)
            for prof in raw.get("InstanceProfileList") or ():
                profile = _profile(prof)
                if profile.arn not in profiles or not profiles[profile.arn].role_arns:
                    profiles[profile.arn] = profile
        except (KeyError, TypeError, AttributeError) as exc:
            raise bad_shape(f"{prefix}{path}", exc) from exc
        roles.append(role)
    referenced = {a for r in roles for a in r.attached_policy_arns}
    referenced.update(r.permissions_boundary_arn for r in roles if r.permissions_boundary_arn)
    policies: list[ManagedPolicy] = []
    for i, raw in enumerate(expect_list(details.get("Policies"), f"{prefix}Policies")):
        path = f"Policies[{i}]"
        try:
            policy = _managed_policy(raw, path, docs)
        except (KeyError, TypeError, AttributeError) as exc:
            raise bad_shape(f"{prefix}{path}", exc) from exc
        if policy.is_aws_managed and policy.arn not in referenced and not policy.attachment_count:
            continue
        policies.append(policy)
    return IamRecords(tuple(roles), tuple(policies), tuple(profiles.values()), tuple(docs.warnings))


def _role(raw: Any, path: str, docs: _Documents) -> Role:
    arn = raw["Arn"]
    inline = tuple(
        InlinePolicy(
            p["PolicyName"],
            docs.decode(p["PolicyDocument"], f"{path}.RolePolicyList[{j}].PolicyDocument", arn),
        )
        for j, p in enumerate(raw.get("RolePolicyList") or ())
    )
    boundary = raw.get("PermissionsBoundary") or {}
    return Role(
        arn=arn,
        name=raw.get("RoleName") or arn.rsplit("/", 1)[-1],
        trust_policy=docs.decode(
            raw.get("AssumeRolePolicyDocument"), f"{path}.AssumeRolePolicyDocument", arn
        ),
        path=raw.get("Path", "/"),
        role_id=raw.get("RoleId", ""),
        inline_policies=inline,
        attached_policy_arns=tuple(
            p["PolicyArn"] for p in raw.get("AttachedManagedPolicies") or ()
        ),
        permissions_boundary_arn=boundary.get("PermissionsBoundaryArn"),
        tags=tags_dict(raw.get("Tags")),
        max_session_duration=int(raw.get("MaxSessionDuration", 3600)),
        description=raw.get("Description", ""),
        create_date=text(raw.get("CreateDate")),
    )


def _profile(raw: Any) -> InstanceProfile:
    arn = raw["Arn"]
    return InstanceProfile(
        arn=arn,
        name=raw.get("InstanceProfileName") or arn.rsplit("/", 1)[-1],
        path=raw.get("Path", "/"),
        role_arns=tuple(r["Arn"] for r in raw.get("Roles") or ()),
    )


def _managed_policy(raw: Any, path: str, docs: _Documents) -> ManagedPolicy:
    arn = raw["Arn"]
    default = raw.get("DefaultVersionId", "v1")
    versions = raw.get("PolicyVersionList") or ()
    chosen = next((v for v in versions if v.get("IsDefaultVersion")), None)
    if chosen is None:
        chosen = next((v for v in versions if v.get("VersionId") == default), None)
    if chosen is None:
        raise KeyError("PolicyVersionList (default version)")
    index = versions.index(chosen)
    return ManagedPolicy(
        arn=arn,
        name=raw.get("PolicyName") or arn.rsplit("/", 1)[-1],
        document=docs.decode(
            chosen["Document"], f"{path}.PolicyVersionList[{index}].Document", arn
        ),
        path=raw.get("Path", "/"),
        default_version_id=chosen.get("VersionId", default),
        attachment_count=int(raw.get("AttachmentCount", 0)),
        description=raw.get("Description", ""),
    )
