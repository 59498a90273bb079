"""KMS list-keys / list-aliases / describe-key / get-key-policy / list-grants -> RegionKms.

What could not be read arrives as an Unread (keyed by `fact_key`) and is kept on the key or
region it concerns; a part that is simply missing without one is unread too ("no answer"),
never "no policy" or "no grants".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph.errors import SourceError
from graph.model import LoadWarning
from graph.model_common import GATE_KMS, Unread
from graph.model_kms import KmsAlias, KmsGrant, KmsKey, RegionKms
from graph.sources.documents import DocumentDecodeError, decode_document
from graph.sources.raw import fact_key
from graph.sources.shapes import RECORD_FAULTS, bad_shape, expect_list, expect_object, string

_PARTS = (("describe", "description", "kms:DescribeKey"),
          ("policies", "key policy", "kms:GetKeyPolicy"),
          ("grants", "grants", "kms:ListGrants"))
_UNREAD_PART = {"describe": "describe", "policies": "policy", "grants": "grants"}


def transform_kms(region: str, responses: Mapping[str, Any], unread: Mapping[str, Unread], *,
                  where: str = "", strict: bool = True,
                  warnings: list[LoadWarning] | None = None) -> RegionKms:
    """One region's keys and aliases; `where` names the region's folder for error messages."""
    w = where or f"kms {region}"
    region_unread = [unread[k] for k in (fact_key("kms", region, "keys"),
                                         fact_key("kms", region, "aliases")) if k in unread]
    try:
        aliases = _aliases(responses.get("aliases"), region, f"{w}: list-aliases")
        entries = _key_entries(responses.get("keys"), f"{w}: list-keys")
    except SourceError as exc:
        if strict:
            raise
        if warnings is not None:
            warnings.append(LoadWarning("kms:ListKeys", region, f"not used: {exc}"))
        return RegionKms(region, unread=(*region_unread,
                                         Unread(GATE_KMS, f"keys in {region}", str(exc))))
    names: dict[str, list[str]] = {}
    for alias in aliases:
        if alias.target_key_id:
            names.setdefault(alias.target_key_id, []).append(alias.name)
    keys = []
    for key_id, arn in entries:
        try:
            keys.append(_key(region, key_id, arn, responses, unread, tuple(names.get(key_id, ())),
                             f"{w}: key {key_id}"))
        except SourceError as exc:
            if strict:
                raise
            if warnings is not None:
                warnings.append(LoadWarning("kms:DescribeKey", key_id, f"not used: {exc}"))
            keys.append(KmsKey(key_id, arn, region, aliases=tuple(names.get(key_id, ())),
                               unread=(Unread(GATE_KMS, f"key {key_id}", str(exc)),)))
    return RegionKms(region, tuple(keys), aliases, tuple(region_unread))


def _key_entries(response: Any, where: str) -> list[tuple[str, str]]:
    if response is None:
        return []
    items = expect_list(expect_object(response, where, "list-keys output", ("Keys",))["Keys"],
                        f"{where}: Keys")
    try:
        return [(string(k["KeyId"], "KeyId"), string(k.get("KeyArn") or "", "KeyArn"))
                for k in items]
    except RECORD_FAULTS as exc:
        raise bad_shape(f"{where}: Keys", exc) from exc


def _aliases(response: Any, region: str, where: str) -> tuple[KmsAlias, ...]:
    if response is None:
        return ()
    items = expect_list(expect_object(response, where, "list-aliases output",
                                      ("Aliases",))["Aliases"], f"{where}: Aliases")
    try:
        return tuple(KmsAlias(string(a["AliasName"], "AliasName"), region,
                              str(a.get("TargetKeyId") or ""), str(a.get("AliasArn") or ""))
                     for a in items)
    except RECORD_FAULTS as exc:
        raise bad_shape(f"{where}: Aliases", exc) from exc


def _key(region: str, key_id: str, arn: str, responses: Mapping[str, Any],
         unread: Mapping[str, Unread], aliases: tuple[str, ...], where: str) -> KmsKey:
    problems: list[Unread] = []
    got: dict[str, Any] = {}
    for part, fact, operation in _PARTS:
        response = (responses.get(part) or {}).get(key_id)
        missing = unread.get(fact_key("kms", region, key_id, _UNREAD_PART[part]))
        if missing is not None:
            problems.append(missing)
        elif response is None:
            problems.append(Unread(GATE_KMS, f"{fact} of key {key_id}", f"{operation}: no answer"))
        else:
            got[part] = response
    fields: dict[str, Any] = {}
    if "describe" in got:
        meta = expect_object(got["describe"], f"{where} describe-key", "describe-key output",
                             ("KeyMetadata",))["KeyMetadata"]
        try:
            fields = {"key_manager": string(meta.get("KeyManager") or "", "KeyManager"),
                      "key_state": str(meta.get("KeyState") or ""),
                      "enabled": meta.get("Enabled") is not False}
            arn = string(meta.get("Arn") or arn, "Arn")
        except RECORD_FAULTS as exc:
            raise bad_shape(f"{where} describe-key: KeyMetadata", exc) from exc
    policy = None
    if "policies" in got:
        doc = expect_object(got["policies"], f"{where} get-key-policy", "get-key-policy output",
                            ("Policy",))["Policy"]
        try:
            policy = decode_document(doc, f"{where} get-key-policy: Policy")
        except DocumentDecodeError as exc:
            problems.append(Unread(GATE_KMS, f"key policy of {key_id}", exc.message))
    grants: tuple[KmsGrant, ...] = ()
    if "grants" in got:
        items = expect_list(expect_object(got["grants"], f"{where} list-grants",
                                          "list-grants output", ("Grants",))["Grants"],
                            f"{where} list-grants: Grants")
        try:
            grants = tuple(_grant(g) for g in items)
        except RECORD_FAULTS as exc:
            raise bad_shape(f"{where} list-grants: Grants", exc) from exc
    return KmsKey(key_id=key_id, arn=arn, region=region, aliases=aliases, policy=policy,
                  grants=grants, unread=tuple(problems), **fields)


def _grant(raw: Any) -> KmsGrant:
    return KmsGrant(
        grant_id=string(raw["GrantId"], "GrantId"),
        grantee_principal=str(raw.get("GranteePrincipal") or ""),
        operations=tuple(string(o, "Operations") for o in raw.get("Operations") or ()),
        name=str(raw.get("Name") or ""),
        retiring_principal=str(raw.get("RetiringPrincipal") or ""),
        issuing_account=str(raw.get("IssuingAccount") or ""),
        constraints=raw.get("Constraints") or None)
