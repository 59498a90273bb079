"""Finding instances, buckets and roles by what people type, with close matches when it fails."""

from __future__ import annotations

from graph.errors import LookupFailed, NotAnInstance
from graph.model import AccountSnapshot, Bucket, Instance, Role
from graph.suggest import near_names


def find_instance(snapshot: AccountSnapshot, key: str) -> Instance:
    """By instance id, or by Name tag when exactly one instance has it."""
    found = snapshot.instance_by_id.get(key)
    if found is not None:
        return found
    named = [i for i in snapshot.instances if i.name == key]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        raise LookupFailed("unique instance", key, [i.instance_id for i in named[:5]])
    role = snapshot.role_by_name.get(key) or snapshot.role_by_arn.get(key)
    if role is not None:
        # A role where an instance belongs: say what it is and which instances run as it.
        raise NotAnInstance(key, [i.label for i in instances_of_role(snapshot, role)])
    choices = [i.instance_id for i in snapshot.instances] + [
        i.name for i in snapshot.instances if i.name]
    raise LookupFailed("instance", key, near_names(key, choices))


def instances_of_role(snapshot: AccountSnapshot, role: Role) -> list[Instance]:
    """The instances whose instance profile holds `role`, in the account's order."""
    profiles = {p.arn for p in snapshot.instance_profiles if role.arn in p.role_arns}
    return [i for i in snapshot.instances if i.instance_profile_arn in profiles]


def find_bucket(snapshot: AccountSnapshot, name: str) -> Bucket:
    found = snapshot.bucket_by_name.get(name)
    if found is not None:
        return found
    raise LookupFailed("bucket", name, near_names(name, snapshot.bucket_by_name))


def find_role(snapshot: AccountSnapshot, key: str) -> Role:
    """By ARN or by name."""
    found = snapshot.role_by_arn.get(key) or snapshot.role_by_name.get(key)
    if found is not None:
        return found
    raise LookupFailed("role", key, near_names(
        key, list(snapshot.role_by_name) + list(snapshot.role_by_arn)))
