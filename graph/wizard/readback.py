"""Reading back whether one of the wizard's writes is in the account.

A write that timed out, lost its connection, got a 5xx or a reply without its result may or
may not have happened at AWS. Retrying it blindly fails with "already exists" for a create and
loses the resource from the rollback; rolling back blindly may delete what someone else made.
So the account is asked: the role or profile exists *and* carries this apply's creation tag;
the inline policy has the document we sent; the boundary, the managed policy, the role in the
profile, the association are there. The same questions check, after a rollback, that nothing
is left. Reads are idempotent, so they keep the connection's ordinary retries.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any, Protocol

from botocore.exceptions import ClientError

from graph.wizard.calls import ASSOCIATE, CREATION_TAG, REPLACE, RESTORE, ApiCall, error_code


class ClientSource(Protocol):
    """What the wizard needs of graph.sources.AwsConnection."""

    def client(self, service: str, region: str | None = None) -> Any: ...

    def write_client(self, service: str, region: str | None = None) -> Any: ...


def carries_token(resource: dict[str, Any], token: str) -> bool:
    """True when a role or instance profile carries this apply's creation tag."""
    return any(t.get("Key") == CREATION_TAG and t.get("Value") == token
               for t in resource.get("Tags") or [])


def _get(call: Any, **params: Any) -> dict[str, Any] | None:
    """The reply, or None when IAM says the entity does not exist."""
    try:
        return dict(call(**params))
    except ClientError as exc:
        if error_code(exc) in ("NoSuchEntity", "NoSuchEntityException"):
            return None
        raise


def get_role(connection: ClientSource, name: str) -> dict[str, Any] | None:
    reply = _get(connection.client("iam").get_role, RoleName=name)
    return None if reply is None else dict(reply["Role"])


def get_instance_profile(connection: ClientSource, name: str) -> dict[str, Any] | None:
    reply = _get(connection.client("iam").get_instance_profile, InstanceProfileName=name)
    return None if reply is None else dict(reply["InstanceProfile"])


def current_associations(connection: ClientSource, instance_id: str,
                         region: str | None) -> list[dict[str, Any]]:
    """The instance's association, in the states that mean it has (or is getting) one."""
    ec2 = connection.client("ec2", region)
    return list(ec2.describe_iam_instance_profile_associations(Filters=[
        {"Name": "instance-id", "Values": [instance_id]},
        {"Name": "state", "Values": ["associating", "associated"]},
    ]).get("IamInstanceProfileAssociations", []))


def _profile_name(association: dict[str, Any]) -> str:
    return str(association.get("IamInstanceProfile", {}).get("Arn", "")).rsplit("/", 1)[-1]


def _document(value: Any) -> Any:
    if isinstance(value, str):
        return json.loads(urllib.parse.unquote(value))
    return value


def happened(connection: ClientSource, call: ApiCall, token: str,
             instance_id: str | None = None) -> dict[str, Any] | None:
    """What the write left in the account (a reply-like dict), or None when it is not there.

    Creates count only with this apply's creation tag. `instance_id` names the instance of a
    replace call (whose parameters carry only the association id). Raises when the account
    cannot be read: then nobody knows, and the caller must say so.
    """
    p = call.params
    op = call.operation
    if op == "create_role":
        role = get_role(connection, p["RoleName"])
        return {"Role": role} if role is not None and carries_token(role, token) else None
    if op == "create_instance_profile":
        profile = get_instance_profile(connection, p["InstanceProfileName"])
        if profile is None or not carries_token(profile, token):
            return None
        return {"InstanceProfile": profile}
    if op == "put_role_policy":
        reply = _get(connection.client("iam").get_role_policy, RoleName=p["RoleName"],
                     PolicyName=p["PolicyName"])
        if reply is None:
            return None
        same = _document(reply.get("PolicyDocument")) == _document(p["PolicyDocument"])
        return {} if same else None
    if op == "attach_role_policy":
        iam = connection.client("iam")
        try:
            pages = iam.get_paginator("list_attached_role_policies").paginate(
                RoleName=p["RoleName"])
            arns = {a["PolicyArn"] for page in pages for a in page["AttachedPolicies"]}
        except ClientError as exc:
            if error_code(exc) == "NoSuchEntity":
                return None
            raise
        return {} if p["PolicyArn"] in arns else None
    if op == "put_role_permissions_boundary":
        role = get_role(connection, p["RoleName"])
        arn = (role or {}).get("PermissionsBoundary", {}).get("PermissionsBoundaryArn")
        return {} if arn == p["PermissionsBoundary"] else None
    if op == "add_role_to_instance_profile":
        profile = get_instance_profile(connection, p["InstanceProfileName"])
        names = {r["RoleName"] for r in (profile or {}).get("Roles", [])}
        return {} if p["RoleName"] in names else None
    if op in (ASSOCIATE, REPLACE):
        instance = p.get("InstanceId") or instance_id
        if not instance:
            raise ValueError(f"{op}: which instance is unknown")
        wanted = p["IamInstanceProfile"]["Name"]
        ours = [a for a in current_associations(connection, instance, call.region)
                if _profile_name(a) == wanted]
        return {"IamInstanceProfileAssociation": ours[0]} if ours else None
    raise ValueError(f"no read-back known for {op}")


def undone(connection: ClientSource, done: ApiCall, undo: ApiCall, token: str) -> bool:
    """True when the account no longer shows `done` (and, for a replaced association, the
    instance has its previous profile back)."""
    instance = undo.params.get("InstanceId") if undo.operation == RESTORE else None
    if happened(connection, done, token, instance) is not None:
        return False
    previous = undo.params.get("PreviousArn") if undo.operation == RESTORE else None
    if previous:
        arns = {a["IamInstanceProfile"]["Arn"]
                for a in current_associations(connection, str(instance), undo.region)}
        return previous in arns
    return True
