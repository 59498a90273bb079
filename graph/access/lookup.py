"""Finding instances and buckets by what people type, with close matches when it fails."""

from __future__ import annotations

import difflib

from graph.errors import LookupFailed
from graph.model import AccountSnapshot, Bucket, Instance, Role


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
    choices = [i.instance_id for i in snapshot.instances] + [
        i.name for i in snapshot.instances if i.name]
    raise LookupFailed("instance", key, difflib.get_close_matches(key, choices, n=5))


def find_bucket(snapshot: AccountSnapshot, name: str) -> Bucket:
    found = snapshot.bucket_by_name.get(name)
    if found is not None:
        return found
    raise LookupFailed("bucket", name, difflib.get_close_matches(
        name, list(snapshot.bucket_by_name), n=5))


def find_role(snapshot: AccountSnapshot, key: str) -> Role:
    """By ARN or by name."""
    found = snapshot.role_by_arn.get(key) or snapshot.role_by_name.get(key)
    if found is not None:
        return found
    raise LookupFailed("role", key, difflib.get_close_matches(
        key, list(snapshot.role_by_name) + list(snapshot.role_by_arn), n=5))
