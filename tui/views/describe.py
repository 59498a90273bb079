"""What `d` and `y` show about an instance, role or bucket: Markdown and raw JSON.

Everything that decides access is listed (trust policy, attached and inline policies,
boundary, bucket policy, Block Public Access, ACL), and configurations the loader could not
read are said to be unknown rather than left out.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from graph.access.decide.gates.ownership import ownership_note
from graph.glance import open_door
from graph.model import AccountSnapshot, Bucket, Instance, Role
from graph.risk import Risk
from tui.views.rows import role_name_of_instance, trusted_services


def _json_block(document: Any) -> str:
    return f"```json\n{json.dumps(document, indent=2, sort_keys=False, default=str)}\n```\n"


def _tags(tags: Any) -> str:
    if not tags:
        return "_none_\n"
    return "".join(f"- `{k}` = `{v}`\n" for k, v in sorted(dict(tags).items()))


def resource_of(snapshot: AccountSnapshot, kind: str, key: str) -> Instance | Role | Bucket:
    """The model object behind a table row (kind is the tab id: instances, roles, buckets)."""
    if kind == "instances":
        return snapshot.instance_by_id[key]
    if kind == "roles":
        return snapshot.role_by_arn[key]
    return snapshot.bucket_by_name[key]


def raw_json(snapshot: AccountSnapshot, kind: str, key: str) -> str:
    """The snapshot record as JSON: exactly what rolemap read, for checking and pasting."""
    record = dataclasses.asdict(resource_of(snapshot, kind, key))
    return json.dumps(record, indent=2, default=_jsonable)


def _jsonable(value: Any) -> Any:
    if isinstance(value, frozenset | set):
        return sorted(value)
    return str(value)


def describe(snapshot: AccountSnapshot, kind: str, key: str) -> str:
    resource = resource_of(snapshot, kind, key)
    if isinstance(resource, Instance):
        return describe_instance(snapshot, resource)
    if isinstance(resource, Role):
        return describe_role(snapshot, resource)
    return describe_bucket(snapshot, resource)


def describe_instance(snapshot: AccountSnapshot, instance: Instance) -> str:
    profile = snapshot.profile_by_arn.get(instance.instance_profile_arn or "")
    lines = [
        f"# Instance {instance.label}\n",
        f"- ARN: `{instance.arn}`",
        f"- Region: {instance.region}, state: {instance.state}",
        f"- VPC: {instance.vpc_id or '-'}, subnet: {instance.subnet_id or '-'}, "
        f"private IP: {instance.private_ip or '-'}",
        f"- Public IP: {instance.public_ip or 'none'}"
        + (" (reachable from the internet)" if instance.public_ip else ""),
        f"- Metadata service: {imds_words(instance)}",
        f"- Instance profile: `{instance.instance_profile_arn or 'none'}`"
        + ("" if profile or not instance.instance_profile_arn else " (not found in the account)"),
        f"- Role: {role_name_of_instance(snapshot, instance.instance_profile_arn)}\n",
        "## Tags\n",
        _tags(instance.tags),
    ]
    return "\n".join(lines)


def imds_words(instance: Instance) -> str:
    """The metadata options as a reviewer weighs them: can an SSRF read credentials?"""
    tokens = instance.metadata_http_tokens
    if instance.metadata_http_endpoint == "disabled":
        return "disabled (no credentials from the metadata service)"
    if tokens is None:
        return "not recorded in this snapshot (IMDSv1 may be allowed)"
    if tokens == "required":
        return "IMDSv2 required (HttpTokens required)"
    words = "IMDSv1 allowed (HttpTokens optional): a plain GET returns the role's credentials"
    if open_door(instance):
        words += f"; **[{Risk.PUBLIC_IMDSV1.value}]**: with the public IP, an SSRF can steal them"
    return words


def describe_role(snapshot: AccountSnapshot, role: Role) -> str:
    parts = [
        f"# Role {role.name}\n",
        f"- ARN: `{role.arn}`",
        f"- Trusted services: {', '.join(trusted_services(role)) or 'none'}",
        f"- Description: {role.description or '-'}\n",
        "## Trust policy\n",
        _json_block(role.trust_policy),
        "## Attached policies\n",
    ]
    if not role.attached_policy_arns:
        parts.append("_none_\n")
    for arn in role.attached_policy_arns:
        policy = snapshot.policy_by_arn.get(arn)
        parts.append(f"### {policy.name if policy else arn}\n\n`{arn}`\n")
        parts.append(_json_block(policy.document) if policy else "_document not loaded_\n")
    parts.append("## Inline policies\n")
    if not role.inline_policies:
        parts.append("_none_\n")
    for inline in role.inline_policies:
        parts.append(f"### {inline.name}\n")
        parts.append(_json_block(inline.document))
    parts.append("## Permissions boundary\n")
    boundary = role.permissions_boundary_arn
    if boundary is None:
        parts.append("_none_\n")
    else:
        policy = snapshot.policy_by_arn.get(boundary)
        parts.append(f"`{boundary}`\n")
        parts.append(_json_block(policy.document) if policy else "_document not loaded_\n")
    parts.append("## Tags\n")
    parts.append(_tags(role.tags))
    return "\n".join(parts)


def describe_bucket(snapshot: AccountSnapshot, bucket: Bucket) -> str:
    parts = [
        f"# Bucket {bucket.name}\n",
        f"- ARN: `{bucket.arn}`",
        f"- Region: {bucket.region}",
        f"- Owner: {bucket.owner_name or bucket.owner_id or '-'}\n",
        "## Bucket policy\n",
    ]
    if bucket.policy_unknown:
        parts.append("**unknown**: the policy could not be read.\n")
    elif bucket.policy is None:
        parts.append("_none_\n")
    else:
        parts.append(_json_block(bucket.policy))
    parts.append("## Block Public Access\n")
    account_bpa = snapshot.account.public_access_block
    if "public_access_block" in bucket.unknown:
        parts.append("Bucket setting: **unknown** (could not be read).\n")
    elif bucket.public_access_block is None:
        parts.append("Bucket setting: _none configured_.\n")
    else:
        parts.append("Bucket setting:\n")
        parts.append(_flags(bucket.public_access_block.to_api()))
    if account_bpa is not None:
        parts.append("Account setting:\n")
        parts.append(_flags(account_bpa.to_api()))
    elif "public_access_block" in snapshot.account.unknown:
        parts.append("Account setting: **unknown** (could not be read).\n")
    parts.append("## ACL\n")
    if "acl" in bucket.unknown:
        parts.append("**unknown**: the ACL could not be read.\n")
    elif not bucket.acl_grants:
        parts.append("_no grants_\n")
    for grant in bucket.acl_grants:
        who = grant.display_name or grant.grantee
        parts.append(f"- {grant.permission} to {grant.grantee_type} `{who}`")
    parts.append("\n## Object Ownership\n")
    if "ownership" in bucket.unknown:
        parts.append("**unknown**: the ownership controls could not be read.")
    else:
        parts.append(bucket.object_ownership or "_not read_")
    note = ownership_note(bucket)
    if note:
        parts.append(f"\n{note}.")
    parts.append("\n## Default encryption\n")
    parts.append(_encryption(bucket))
    return "\n".join(parts) + "\n"


def _encryption(bucket: Bucket) -> str:
    enc = bucket.encryption
    if "encryption" in bucket.unknown:
        return "**unknown**: the default encryption could not be read."
    if enc is None:
        return "_not read_"
    if not enc.uses_kms:
        return "SSE-S3 (AES256)" if enc.algorithm == "AES256" else (enc.algorithm or "_none_")
    key = enc.key_ref or ""
    bucket_key = ", Bucket Key on" if enc.bucket_key_enabled else ""
    return (f"SSE-KMS with key `{key}`{bucket_key}: reads need kms:Decrypt and writes "
            "kms:GenerateDataKey on it, through S3.")


def _flags(flags: dict[str, bool]) -> str:
    return "".join(f"- {name}: {'on' if on else 'off'}\n" for name, on in flags.items())
