"""Live reads of existing compute and the roles it runs as (get): Lambda functions,
CloudFormation stacks, CodeBuild projects, Glue dev endpoints, SageMaker notebook instances.

Only List/Get/Describe/BatchGet calls. A read that fails (AccessDenied, a service not offered
in a region, a timeout) is a load warning naming the service and the escalation it leaves
unknown, and an Unread in the raw account, so escalation through that service in that region
is "unknown", never "none". Responses are kept as boto3 returns them ({region: {kind:
response}}); `transform_compute` turns them into the model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from graph.model import LoadWarning
from graph.model_common import Unread
from graph.model_compute import (
    CLOUDFORMATION_STACK,
    CODEBUILD_PROJECT,
    GATE_COMPUTE,
    GLUE_DEV_ENDPOINT,
    LAMBDA_FUNCTION,
    SAGEMAKER_NOTEBOOK,
)
from graph.sources.aws_errors import describe_error
from graph.sources.calls import CallWatch
from graph.sources.connection import AwsConnection
from graph.sources.live_gates import FAILURES, Collector, _pages
from graph.sources.raw import fact_key

#: BatchGetProjects takes at most 100 names.
BATCH = 100

Reader = Callable[[AwsConnection, str, CallWatch], dict[str, Any]]


class _Failed(Exception):
    """A read that failed at `operation` (the first call of a kind that needs two)."""

    def __init__(self, operation: str, cause: Exception) -> None:
        super().__init__(operation)
        self.operation = operation
        self.cause = cause


def _call(operation: str, watch: CallWatch, region: str, fn: Callable[[], Any]) -> Any:
    try:
        with watch.call(operation, region):
            return fn()
    except FAILURES as exc:
        raise _Failed(operation, exc) from exc


def _listed(client: Any, method: str, key: str, watch: CallWatch, operation: str,
            region: str) -> list[Any]:
    try:
        return list(_pages(client, method, key, watch, operation, region)[key])
    except FAILURES as exc:
        raise _Failed(operation, exc) from exc


def _functions(conn: AwsConnection, region: str, watch: CallWatch) -> dict[str, Any]:
    client = conn.client("lambda", region)
    return {"Functions": _listed(client, "list_functions", "Functions", watch,
                                 "lambda:ListFunctions", region)}


def _stacks(conn: AwsConnection, region: str, watch: CallWatch) -> dict[str, Any]:
    client = conn.client("cloudformation", region)
    return {"Stacks": _listed(client, "describe_stacks", "Stacks", watch,
                              "cloudformation:DescribeStacks", region)}


def _projects(conn: AwsConnection, region: str, watch: CallWatch) -> dict[str, Any]:
    client = conn.client("codebuild", region)
    names = _listed(client, "list_projects", "projects", watch, "codebuild:ListProjects",
                    region)
    projects: list[Any] = []
    for start in range(0, len(names), BATCH):
        chunk = names[start:start + BATCH]
        found = _call("codebuild:BatchGetProjects", watch, region,
                      lambda chunk=chunk: client.batch_get_projects(names=chunk))
        projects.extend(found.get("projects") or ())
    return {"projects": projects}


def _dev_endpoints(conn: AwsConnection, region: str, watch: CallWatch) -> dict[str, Any]:
    client = conn.client("glue", region)
    return {"DevEndpoints": _listed(client, "get_dev_endpoints", "DevEndpoints", watch,
                                    "glue:GetDevEndpoints", region)}


def _notebooks(conn: AwsConnection, region: str, watch: CallWatch) -> dict[str, Any]:
    """ListNotebookInstances has no role: each notebook is described (RoleArn)."""
    client = conn.client("sagemaker", region)
    listed = _listed(client, "list_notebook_instances", "NotebookInstances", watch,
                     "sagemaker:ListNotebookInstances", region)
    described = []
    for entry in listed:
        name = entry.get("NotebookInstanceName", "")
        described.append(_call(
            "sagemaker:DescribeNotebookInstance", watch, region,
            lambda name=name: client.describe_notebook_instance(NotebookInstanceName=name)))
    return {"NotebookInstances": described}


#: (kind, reader, the escalation actions left unknown when the read fails).
READERS: tuple[tuple[str, Reader, str], ...] = (
    (LAMBDA_FUNCTION, _functions, "lambda:UpdateFunctionCode / UpdateFunctionConfiguration"),
    (CLOUDFORMATION_STACK, _stacks, "cloudformation:UpdateStack / ExecuteChangeSet"),
    (CODEBUILD_PROJECT, _projects, "codebuild:StartBuild"),
    (GLUE_DEV_ENDPOINT, _dev_endpoints, "glue:UpdateDevEndpoint"),
    (SAGEMAKER_NOTEBOOK, _notebooks, "sagemaker:CreatePresignedNotebookInstanceUrl"),
)


def unread_message(kind: str, region: str, actions: str) -> str:
    """What a failed read leaves unknown, said in the warning and the unread fact."""
    return f"escalation through {kind}s in {region} ({actions}) unknown"


def read_compute(conn: AwsConnection, pool: ThreadPoolExecutor, regions: Iterable[str],
                 out: Collector, unread: dict[str, Unread]) -> dict[str, dict[str, Any]]:
    """{region: {kind: response}} for every kind read; a kind missing from a region failed
    (its warning in `out`, its Unread under fact_key("compute", region, kind))."""
    jobs: dict[tuple[str, str, str], Future[dict[str, Any]]] = {}
    for region in sorted(set(regions)):
        for kind, reader, actions in READERS:
            jobs[(region, kind, actions)] = pool.submit(reader, conn, region, out.watch)
    result: dict[str, dict[str, Any]] = {}
    for (region, kind, actions), future in jobs.items():
        result.setdefault(region, {})
        try:
            result[region][kind] = future.result()
        except _Failed as failed:
            code, message = describe_error(failed.cause)
            what = unread_message(kind, region, actions)
            out.warnings.append(LoadWarning(failed.operation, region, f"{message} ({what})",
                                            code))
            reason = f"{failed.operation}: {f'[{code}] ' if code else ''}{message}"
            unread[fact_key("compute", region, kind)] = Unread(
                GATE_COMPUTE, f"{kind} in {region}", reason)
    return result
