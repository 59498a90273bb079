"""Compute responses (live or an export folder) -> `ComputeFacts` (pure, no I/O).

Every kind's listing is read in the shape boto3 returns and the AWS CLI prints. An entry with
no role (a stack without a service role runs as its caller: nothing to escalate to) is left
out; an entry whose role is not an IAM role ARN is a fault naming the file (or, live, a load
warning naming the resource).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graph.errors import SourceError
from graph.model import LoadWarning
from graph.model_common import Unread
from graph.model_compute import (
    CLOUDFORMATION_STACK,
    CODEBUILD_PROJECT,
    GLUE_DEV_ENDPOINT,
    LAMBDA_FUNCTION,
    SAGEMAKER_NOTEBOOK,
    ComputeFacts,
    ComputeResource,
)
from graph.sources.shapes import ShapeError, expect_list, iam_arn, optional_string, string

#: Where a kind's listing is in its response, and the fields of one entry:
#: (list key, name, arn, role, status, tags) — "" when the response has no such field.
FIELDS: Mapping[str, tuple[str, str, str, str, str, str]] = {
    LAMBDA_FUNCTION: ("Functions", "FunctionName", "FunctionArn", "Role", "State", ""),
    CLOUDFORMATION_STACK: ("Stacks", "StackName", "StackId", "RoleARN", "StackStatus", "Tags"),
    CODEBUILD_PROJECT: ("projects", "name", "arn", "serviceRole", "", "tags"),
    GLUE_DEV_ENDPOINT: ("DevEndpoints", "EndpointName", "", "RoleArn", "Status", ""),
    SAGEMAKER_NOTEBOOK: ("NotebookInstances", "NotebookInstanceName", "NotebookInstanceArn",
                         "RoleArn", "NotebookInstanceStatus", ""),
}

WhereFn = Callable[[str, str], str]


def _tags(value: Any, field: str) -> dict[str, str]:
    """Tag lists as CloudFormation ([{"Key", "Value"}]) and CodeBuild ([{"key", "value"}])
    return them."""
    out: dict[str, str] = {}
    if not isinstance(value or [], list):
        raise ShapeError(field, "expected a list")
    for i, tag in enumerate(value or []):
        if not isinstance(tag, Mapping):
            raise ShapeError(f"{field}[{i}]", "expected an object")
        key = tag.get("Key", tag.get("key"))
        out[string(key, f"{field}[{i}].Key")] = optional_string(
            tag.get("Value", tag.get("value")), f"{field}[{i}].Value")
    return out


def _resource(kind: str, entry: Any, region: str, account_id: str, partition: str
              ) -> ComputeResource | None:
    _, name_f, arn_f, role_f, status_f, tags_f = FIELDS[kind]
    if not isinstance(entry, Mapping):
        raise ShapeError(name_f, "expected an object for the entry")
    role = entry.get(role_f)
    if role is None or role == "":
        return None
    name = string(entry.get(name_f), name_f)
    arn = (string(entry.get(arn_f), arn_f) if arn_f
           else f"arn:{partition}:glue:{region}:{account_id}:devEndpoint/{name}")
    return ComputeResource(
        kind, name, arn, region, iam_arn(role, role_f, "role"),
        status=optional_string(entry.get(status_f), status_f) if status_f else "",
        tags=_tags(entry.get(tags_f), tags_f) if tags_f else {},
        tags_read=bool(tags_f))


def transform_compute(raw: Mapping[str, Mapping[str, Any]], unread: Mapping[str, Unread],
                      account_id: str, partition: str, *, where: WhereFn,
                      strict: bool, warnings: list[LoadWarning]) -> ComputeFacts:
    """{region: {kind: response}} and the unread kinds -> the model, sorted by kind and name."""
    out: list[ComputeResource] = []
    for region in sorted(raw):
        for kind, response in sorted(raw[region].items()):
            if kind not in FIELDS:
                continue
            place = where("compute", f"{region}/{kind}") or f"{kind}s in {region}"
            key = FIELDS[kind][0]
            if not isinstance(response, Mapping):
                raise SourceError(f"{place}: expected an object with {key!r}")
            for i, entry in enumerate(expect_list(response.get(key) or [], f"{place}: {key}")):
                try:
                    found = _resource(kind, entry, region, account_id, partition)
                except ShapeError as exc:
                    message = f"{place}: {key}[{i}].{exc.field}: {exc.message}"
                    if strict:
                        raise SourceError(message) from None
                    warnings.append(LoadWarning(kind, region, f"entry left out: {message}"))
                    continue
                if found is not None:
                    out.append(found)
    out.sort(key=lambda r: (r.kind, r.region, r.name))
    gone = tuple(u for k, u in sorted(unread.items()) if k.startswith("compute:"))
    return ComputeFacts(tuple(out), gone)
