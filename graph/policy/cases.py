"""Decision cases in the shared format (../shared/cases/README.md): load, run, compare.

A case file is input a person hands to `rolemap simulate`, so every fault is reported as a
`RolemapError` naming the case and the field, never as a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.errors import PolicyParseError, RolemapError, SourceError
from graph.policy.decision import Decision, PolicyKind
from graph.policy.document import Policy, parse_policy
from graph.policy.evaluate import PrincipalPolicies, evaluate
from graph.policy.request import Request
from graph.safe_files import read_json

SUPPORTED_SCHEMA = 1
EXPECTED_VALUES = ("allow", "explicit_deny", "implicit_deny")


class CaseError(RolemapError):
    """A case file or one of its cases is malformed."""


@dataclass(frozen=True)
class Case:
    """One compiled case: the request, the policies, and the expected verdict if given."""

    id: str
    request: Request
    principal: PrincipalPolicies
    resource_policy: Policy | None
    expected: str | None
    about: str = ""


def _field(obj: Mapping[str, Any], key: str, where: str, kind: type | tuple[type, ...]) -> Any:
    if key not in obj:
        raise CaseError(f"{where}: missing {key!r}")
    value = obj[key]
    if not isinstance(value, kind):
        raise CaseError(f"{where}.{key}: wrong type {type(value).__name__}")
    return value


def _tags(obj: Mapping[str, Any], where: str) -> dict[str, str]:
    tags = obj.get("tags") or {}
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise CaseError(f"{where}.tags: must be an object of strings")
    return dict(tags)


def _context(raw: Any, where: str) -> dict[str, str | tuple[str, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise CaseError(f"{where}.context: must be an object")
    out: dict[str, str | tuple[str, ...]] = {}
    for key, value in raw.items():
        if isinstance(value, str):
            out[key] = value
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            out[key] = tuple(value)
        else:
            raise CaseError(f"{where}.context.{key}: must be a string or a list of strings")
    return out


def compile_case(raw: Any, position: int) -> Case:
    where = f"cases[{position}]"
    if not isinstance(raw, dict):
        raise CaseError(f"{where}: a case must be an object")
    case_id = str(raw.get("id", position))
    where = f"case {case_id!r}"
    principal = _field(raw, "principal", where, dict)
    resource = _field(raw, "resource", where, dict)
    try:
        identity = tuple(
            parse_policy(doc, f"{case_id}/identity[{i}]", PolicyKind.IDENTITY)
            for i, doc in enumerate(_field(principal, "identity_policies", where, list))
        )
        boundary_doc = principal.get("permissions_boundary")
        boundary = (
            parse_policy(boundary_doc, f"{case_id}/boundary", PolicyKind.BOUNDARY)
            if boundary_doc is not None else None
        )
        scps = None
        if raw.get("scps") is not None:
            scps = tuple(
                (parse_policy(doc, f"{case_id}/scp[{i}]", PolicyKind.SCP),)
                for i, doc in enumerate(_field(raw, "scps", where, list))
            )
        policy_doc = resource.get("policy")
        resource_policy = (
            parse_policy(policy_doc, f"{case_id}/resource", PolicyKind.RESOURCE)
            if policy_doc is not None else None
        )
    except PolicyParseError as exc:
        raise CaseError(f"{where}: {exc}") from None
    expected = raw.get("expected")
    if expected is not None and expected not in EXPECTED_VALUES:
        raise CaseError(f"{where}.expected: must be one of {', '.join(EXPECTED_VALUES)}")
    request = Request(
        principal_arn=_field(principal, "arn", f"{where}.principal", str),
        action=_field(raw, "action", where, str),
        resource_arn=_field(resource, "arn", f"{where}.resource", str),
        resource_account=resource.get("account"),
        context=_context(raw.get("context"), where),
        principal_tags=_tags(principal, f"{where}.principal"),
        resource_tags=_tags(resource, f"{where}.resource"),
    )
    return Case(case_id, request, PrincipalPolicies(identity, boundary, scps), resource_policy,
                expected, str(raw.get("about", "")))


def load_cases(path: str | Path) -> list[Case]:
    """Read and compile a case file; raises CaseError naming the file and the fault."""
    p = Path(path)
    try:
        # The read helper refuses a FIFO, /dev/zero or a directory at once instead of
        # waiting on it (or reading forever), and names the file in one line.
        data = read_json(p)
    except SourceError as exc:
        raise CaseError(str(exc)) from None
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise CaseError(f"{p}: expected an object with a \"cases\" list")
    if data.get("schema", SUPPORTED_SCHEMA) != SUPPORTED_SCHEMA:
        raise CaseError(f"{p}: unsupported schema {data.get('schema')!r}")
    try:
        return [compile_case(raw, i) for i, raw in enumerate(data["cases"])]
    except CaseError as exc:
        raise CaseError(f"{p}: {exc}") from None


def run_case(case: Case) -> Decision:
    return evaluate(case.request, case.principal, case.resource_policy)
