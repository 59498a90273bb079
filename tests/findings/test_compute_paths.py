"""Changing existing compute that runs as a stronger role (Lambda, CloudFormation, CodeBuild,
Glue dev endpoints, SageMaker notebooks): one planted account per route, and the near misses
(the action scoped to another resource, a Deny, a role that reaches nothing more, a role that
does not trust the service, a stack that cannot be updated) that must not be reported."""

from __future__ import annotations

import dataclasses

import pytest

from graph.access import AccessGraph, build_access_graph
from graph.exports.diagram import node_label, to_mermaid
from graph.findings import escalation_json, escalations, find
from graph.findings.compute_paths import NOUNS, ROUTES, ComputeRoute
from graph.findings.exposure import ExposureSummary, severity_for
from graph.model_common import Unread
from graph.model_compute import (
    CLOUDFORMATION_STACK,
    GATE_COMPUTE,
    LAMBDA_FUNCTION,
    SAGEMAKER_NOTEBOOK,
    SERVICE_PRINCIPALS,
    ComputeFacts,
    ComputeResource,
)

from .escalation_account import (
    ACCT,
    DATA_ALL,
    REGION,
    allow,
    build,
    deny,
    role,
    role_arn,
    trusts,
)

RUNNER = role_arn("runner")
APP = role_arn("app")
ARNS = {
    LAMBDA_FUNCTION: f"arn:aws:lambda:{REGION}:{ACCT}:function:etl",
    CLOUDFORMATION_STACK: f"arn:aws:cloudformation:{REGION}:{ACCT}:stack/etl/0f1e2d3c",
    "codebuild project": f"arn:aws:codebuild:{REGION}:{ACCT}:project/etl",
    "glue dev endpoint": f"arn:aws:glue:{REGION}:{ACCT}:devEndpoint/etl",
    SAGEMAKER_NOTEBOOK: f"arn:aws:sagemaker:{REGION}:{ACCT}:notebook-instance/etl",
}
STATUS = {LAMBDA_FUNCTION: "Active", CLOUDFORMATION_STACK: "UPDATE_COMPLETE",
          "codebuild project": "", "glue dev endpoint": "READY", SAGEMAKER_NOTEBOOK: "InService"}


def _resource(kind: str, *, name: str = "etl", role_name: str = "runner", status: str | None = None,
              tags: dict[str, str] | None = None) -> ComputeResource:
    arn = ARNS[kind].replace(":etl", f":{name}").replace("/etl", f"/{name}")
    return ComputeResource(kind, name, arn, REGION, role_arn(role_name),
                           STATUS[kind] if status is None else status, tags or {},
                           tags_read=tags is not None)


def _graph(statements: list[dict], resources: tuple[ComputeResource, ...], *,
           trusted: str | None = None, runner_statements: tuple[dict, ...] = (DATA_ALL,),
           unread: tuple[Unread, ...] = ()) -> AccessGraph:
    service = trusted or SERVICE_PRINCIPALS[resources[0].kind] if resources else "x"
    runner = role("runner", trusts(service), *runner_statements)
    plain = build(statements, [runner]).snapshot
    return build_access_graph(dataclasses.replace(plain, compute=ComputeFacts(resources,
                                                                              unread)))


def _paths(graph: AccessGraph, kind: str):
    return [e for e in escalations(graph) if e.kind == kind and e.role == APP]


def _first_route(kind: str) -> ComputeRoute:
    return next(r for r in ROUTES if r.kind == kind)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.kind}-{'+'.join(r.actions)}")
def test_changing_compute_that_runs_as_a_stronger_role_is_a_path(route: ComputeRoute) -> None:
    status = "Stopped" if route.states and "Stopped" in route.states else None
    resource = _resource(route.resource_kind, status=status)
    graph = _graph([allow(list(route.actions), resource.arn)], (resource,))
    [path] = _paths(graph, route.kind)
    assert path.target == RUNNER and path.through == (resource.arn,)
    assert path.through_kind == route.resource_kind
    assert [s.action for s in path.steps] == list(route.actions)
    assert all(s.resource == resource.arn and s.evidence for s in path.steps)
    assert "iam:PassRole" not in {s.action for s in path.steps}
    assert path.via.startswith(f"{route.actions[0]}")
    assert f"→ {NOUNS[route.resource_kind]} etl" in path.via
    assert set(path.gains["data"]) >= {"s3:GetObject", "s3:PutObject"}
    finding = next(f for f in find(graph) if f.category == "privilege-escalation"
                   and f.principal == RUNNER and path.via in f.title)
    assert f"could gain via {path.via} → role runner" in finding.title
    assert finding.severity == severity_for(ExposureSummary.of(path.gains))
    assert (f"acts on {route.resource_kind}(s) running as role runner: {resource.arn}"
            in finding.detail)
    drawn = [(p.source, p.target) for p in finding.path]
    assert ("role:" + APP, "compute:" + resource.arn) in drawn
    assert ("compute:" + resource.arn, "role:" + RUNNER) in drawn
    exported = escalation_json(path)
    assert exported["through"] == [resource.arn]
    assert exported["through_kind"] == route.resource_kind


def test_lambda_with_invoke_runs_now_and_without_waits_for_a_trigger() -> None:
    fn = _resource(LAMBDA_FUNCTION)
    graph = _graph([allow(["lambda:UpdateFunctionCode", "lambda:InvokeFunction"], fn.arn)],
                   (fn,))
    [path] = _paths(graph, "compute-lambda")
    assert [s.action for s in path.steps] == ["lambda:UpdateFunctionCode",
                                              "lambda:InvokeFunction"]
    assert path.via == "lambda:UpdateFunctionCode + InvokeFunction → function etl"
    graph = _graph([allow("lambda:UpdateFunctionCode", fn.arn)], (fn,))
    [path] = _paths(graph, "compute-lambda")
    assert path.via == "lambda:UpdateFunctionCode → function etl (runs at its next invocation)"


def test_one_path_per_target_lists_every_resource() -> None:
    first, second = _resource(LAMBDA_FUNCTION), _resource(LAMBDA_FUNCTION, name="load")
    graph = _graph([allow("lambda:UpdateFunctionCode")], (first, second))
    [path] = _paths(graph, "compute-lambda")
    assert path.through == (first.arn, second.arn)
    assert "function etl, load" in path.via
    [finding] = [f for f in find(graph) if f.category == "privilege-escalation"]
    assert f"{first.arn}, {second.arn}" in "\n".join(finding.detail)


def test_update_scoped_to_another_function_is_no_path() -> None:
    fn = _resource(LAMBDA_FUNCTION)
    other = ARNS[LAMBDA_FUNCTION].replace(":etl", ":other")
    graph = _graph([allow(["lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration"],
                          other)], (fn,))
    assert not _paths(graph, "compute-lambda")


def test_a_deny_on_the_function_is_no_path() -> None:
    fn = _resource(LAMBDA_FUNCTION)
    graph = _graph([allow("lambda:UpdateFunctionCode"),
                    deny("lambda:UpdateFunctionCode", fn.arn)], (fn,))
    assert not _paths(graph, "compute-lambda")


def test_a_function_whose_role_reaches_nothing_more_is_no_path() -> None:
    fn = _resource(LAMBDA_FUNCTION)
    graph = _graph([allow("lambda:UpdateFunctionCode"), DATA_ALL], (fn,))
    assert not _paths(graph, "compute-lambda")
    graph = _graph([allow("lambda:UpdateFunctionCode")], (fn,), runner_statements=())
    assert not _paths(graph, "compute-lambda")


def test_a_role_that_does_not_trust_the_service_is_no_path() -> None:
    fn = _resource(LAMBDA_FUNCTION)
    graph = _graph([allow("lambda:UpdateFunctionCode")], (fn,), trusted="ec2.amazonaws.com")
    assert not _paths(graph, "compute-lambda")


def test_a_resource_tag_condition_is_decided_on_the_resource_tags() -> None:
    scoped = allow("cloudformation:UpdateStack",
                   Condition={"StringEquals": {"aws:ResourceTag/team": "data"}})
    ours = _resource(CLOUDFORMATION_STACK, tags={"team": "data"})
    theirs = _resource(CLOUDFORMATION_STACK, tags={"team": "web"})
    assert _paths(_graph([scoped], (ours,)), "compute-cloudformation")
    assert not _paths(_graph([scoped], (theirs,)), "compute-cloudformation")


def test_a_stack_that_cannot_be_updated_and_a_stopped_notebook_need_more() -> None:
    stack = _resource(CLOUDFORMATION_STACK, status="ROLLBACK_COMPLETE")
    assert not _paths(_graph([allow("cloudformation:UpdateStack")], (stack,)),
                      "compute-cloudformation")
    stopped = _resource(SAGEMAKER_NOTEBOOK, status="Stopped")
    url = allow("sagemaker:CreatePresignedNotebookInstanceUrl")
    assert not _paths(_graph([url], (stopped,)), "compute-sagemaker")
    [path] = _paths(_graph([url, allow("sagemaker:StartNotebookInstance")], (stopped,)),
                    "compute-sagemaker")
    assert [s.action for s in path.steps] == ["sagemaker:StartNotebookInstance",
                                              "sagemaker:CreatePresignedNotebookInstanceUrl"]


def test_writing_the_policies_of_the_function_role_is_a_path_through_it() -> None:
    fn = _resource(LAMBDA_FUNCTION)
    graph = _graph([allow("lambda:UpdateFunctionCode", fn.arn),
                    allow("iam:PutRolePolicy", RUNNER)], (fn,))
    written = [e for e in escalations(graph) if e.kind == "write-policy" and e.target == RUNNER]
    assert written and written[0].steps[0].action == "lambda:UpdateFunctionCode"


def _unknown(graph: AccessGraph):
    return [f for f in find(graph) if f.category == "privilege-escalation"
            and "unknown: they were not read" in f.title]


def test_compute_not_read_is_unknown_escalation_never_none() -> None:
    refused = Unread(GATE_COMPUTE, f"{LAMBDA_FUNCTION} in {REGION}",
                     "lambda:ListFunctions: [AccessDenied] not authorized")
    graph = _graph([allow("lambda:UpdateFunctionCode")], (), unread=(refused,))
    [finding] = _unknown(graph)
    assert finding.title.startswith(
        "app-1 (i-app1): escalation via lambda:UpdateFunctionCode → lambda functions in "
        f"{REGION} unknown")
    assert "AccessDenied" in finding.title and finding.evidence
    # Read and empty: no function, no path, nothing unknown.
    assert not _unknown(_graph([allow("lambda:UpdateFunctionCode")], ()))
    # Not read at all (an older snapshot): unknown in every region.
    plain = build([allow("lambda:UpdateFunctionCode")], [])
    [finding] = _unknown(plain)
    assert "lambda functions unknown" in finding.title
    # Scoped to one function: what rolemap cannot see is not reached by it.
    scoped = allow("lambda:UpdateFunctionCode", ARNS[LAMBDA_FUNCTION])
    assert not _unknown(_graph([scoped], (), unread=(refused,)))


def test_a_drawn_path_names_the_function() -> None:
    fn = _resource(LAMBDA_FUNCTION)
    graph = _graph([allow("lambda:UpdateFunctionCode", fn.arn)], (fn,))
    [finding] = [f for f in find(graph) if f.category == "privilege-escalation"]
    drawn = to_mermaid(finding.path, graph)
    assert "lambda function etl" in drawn and "role runner" in drawn
    assert node_label(f"compute:{fn.arn}", graph) == "lambda function etl"
