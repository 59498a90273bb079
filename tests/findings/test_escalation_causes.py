"""One escalation finding per cause: the ways one statement grants are one finding listing
them all (and everything they expose); ways through other statements stay findings of their
own."""

from __future__ import annotations

from graph.findings import escalations, find
from graph.findings.instance_paths import ROUTES
from graph.findings.model import Finding
from graph.findings.service_paths import SERVICES

from .escalation_account import DATA_ALL, allow, build, role, role_arn, trusts

DEPLOYER = role_arn("deployer")
BUILD = ("i-build7", "deployer", "running", {"Name": "build-7"})
#: Every action of the five ways of acting on an instance (SendCommand's document is "*").
ACT = sorted({a for r in ROUTES for a in r.actions})


def _escalation_findings(graph) -> list[Finding]:
    return [f for f in find(graph) if f.category == "privilege-escalation"
            and f.role == role_arn("app")]


def _instance_graph(statements: list[dict]):
    deployer = role("deployer", trusts("ec2.amazonaws.com"), DATA_ALL)
    return build(statements, [deployer], [BUILD])


def test_one_statement_granting_five_ways_on_an_instance_is_one_finding() -> None:
    graph = _instance_graph([allow(ACT)])
    paths = [e for e in escalations(graph) if e.role == role_arn("app")]
    assert len({e.kind for e in paths}) == 5  # five paths: trace and who-can list each
    [finding] = _escalation_findings(graph)
    for method in ("SendCommand", "StartSession", "SendSSHPublicKey",
                   "SendSerialConsoleSSHPublicKey", "ModifyInstanceAttribute (user data)"):
        assert method in finding.title, finding.title
        assert f"way {method}" in "\n".join(finding.detail)
    assert "5 way(s) to 1 role(s), all through identity policy app/app-policy, statement 1:" \
        in finding.detail
    assert "role deployer by acting on i-build7: where it does not reach: " \
        "changes permissions on 1 bucket" in finding.detail
    # Every action the ways take is in the fix of the one statement, named once.
    for action in ACT:
        assert finding.fix.count(action) == 1, (action, finding.fix)
    assert finding.principal == DEPLOYER and finding.bucket == "data"


def test_ways_through_different_statements_are_different_findings() -> None:
    command = next(r for r in ROUTES if r.kind == "instance-ssm-command")
    session = next(r for r in ROUTES if r.kind == "instance-ssm-session")
    graph = _instance_graph([allow(list(command.actions)), allow(list(session.actions))])
    found = _escalation_findings(graph)
    assert len(found) == 2
    assert {f.evidence[0].number for f in found} == {1, 2}
    assert len({f.id for f in found}) == 2
    assert sorted("SendCommand" in f.title for f in found) == [False, True]


def test_passrole_to_two_services_by_one_statement_is_one_finding() -> None:
    lam, glue = (next(s for s in SERVICES if s.kind == k)
                 for k in ("passrole-lambda", "passrole-glue"))
    runner = role("runner", trusts(lam.principal, glue.principal), DATA_ALL)
    grant = allow(["iam:PassRole", *lam.routes[0], *glue.routes[0]])
    graph = build([grant], [runner])
    kinds = {e.kind for e in escalations(graph) if e.role == role_arn("app")}
    assert kinds == {"passrole-lambda", "passrole-glue"}
    [finding] = _escalation_findings(graph)
    assert "PassRole + CreateFunction + InvokeFunction" in finding.title
    assert "PassRole + CreateDevEndpoint" in finding.title
    # Two statements (the PassRole apart from the services' actions): still one cause, the
    # pair; Glue's actions in a third statement make a second cause.
    split = build([allow("iam:PassRole"), allow(list(lam.routes[0])),
                   allow(list(glue.routes[0]))], [runner])
    assert len(_escalation_findings(split)) == 2


def test_a_role_reached_two_ways_by_two_targets_lists_every_role() -> None:
    other = role("other", trusts("ec2.amazonaws.com"),
                 allow("s3:GetObject", "arn:aws:s3:::data/*"))
    deployer = role("deployer", trusts("ec2.amazonaws.com"), DATA_ALL)
    graph = build([allow(ACT)], [deployer, other],
                  [BUILD, ("i-other", "other", "running", {"Name": "other-1"})])
    [finding] = _escalation_findings(graph)
    assert "could gain role deployer and 1 more role(s) via" in finding.title
    assert any(line.startswith("role other by acting on i-other") for line in finding.detail)
