"""KMS keys an S3 request may need (SSE-KMS): each key's policy, grants and aliases, per region.

An S3 request on an SSE-KMS object also asks KMS (Decrypt, GenerateDataKey); the key policy
must allow it, directly or by delegating to the account's IAM policies, or a grant must. The
gate resolves the bucket's configured key (id, key ARN, alias name or alias ARN) with
`RegionKms.resolve`. What could not be read is in `unread` (the gate answers unknown there).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from graph.model_common import JsonDoc, Unread

KEY_MANAGER_AWS = "AWS"
KEY_MANAGER_CUSTOMER = "CUSTOMER"


@dataclass(frozen=True)
class KmsGrant:
    grant_id: str
    grantee_principal: str
    #: e.g. ("Decrypt", "GenerateDataKey").
    operations: tuple[str, ...] = ()
    name: str = ""
    retiring_principal: str = ""
    issuing_account: str = ""
    #: The grant's constraints ({"EncryptionContextSubset": {...}} or Equals), None if none.
    constraints: JsonDoc | None = None


@dataclass(frozen=True)
class KmsKey:
    key_id: str
    arn: str
    region: str
    #: "AWS" (an AWS managed key such as aws/s3) or "CUSTOMER"; "" when DescribeKey was
    #: not read (see `unread`).
    key_manager: str = ""
    key_state: str = "Enabled"
    enabled: bool = True
    #: Alias names ("alias/aws/s3", "alias/data").
    aliases: tuple[str, ...] = ()
    #: The key policy ("default"); None only when it could not be read (see `unread`).
    policy: JsonDoc | None = None
    grants: tuple[KmsGrant, ...] = ()
    #: Parts that could not be read: description, key policy, grants.
    unread: tuple[Unread, ...] = ()

    @property
    def account_id(self) -> str:
        return self.arn.split(":")[4] if self.arn.count(":") >= 5 else ""

    @property
    def aws_managed(self) -> bool:
        return self.key_manager == KEY_MANAGER_AWS


@dataclass(frozen=True)
class KmsAlias:
    name: str
    region: str
    #: The key it points to; "" for an alias AWS reserved but has not created a key for yet.
    target_key_id: str = ""
    arn: str = ""


@dataclass(frozen=True)
class RegionKms:
    """A region's keys and aliases as read; `unread` names what could not be listed."""

    region: str
    keys: tuple[KmsKey, ...] = ()
    aliases: tuple[KmsAlias, ...] = ()
    unread: tuple[Unread, ...] = ()

    @cached_property
    def key_by_id(self) -> dict[str, KmsKey]:
        return {k.key_id: k for k in self.keys}

    @cached_property
    def alias_by_name(self) -> dict[str, KmsAlias]:
        return {a.name: a for a in self.aliases}

    def key_id_of(self, ref: str) -> str | None:
        """The key id a bucket's KMSMasterKeyID names: a key id, a key ARN, an alias name
        ("alias/x") or an alias ARN; None when an alias is not known."""
        if ref.startswith("arn:"):
            resource = ref.split(":", 5)[-1]
            if resource.startswith("key/"):
                return resource[len("key/"):]
            ref = resource  # "alias/x"
        if ref.startswith("alias/"):
            alias = self.alias_by_name.get(ref)
            return alias.target_key_id or None if alias is not None else None
        return ref

    def resolve(self, ref: str) -> KmsKey | None:
        """The key `ref` names (see `key_id_of`), when it was read."""
        key_id = self.key_id_of(ref)
        return self.key_by_id.get(key_id) if key_id else None
