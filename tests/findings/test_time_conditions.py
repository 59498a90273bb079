"""Time conditions (aws:CurrentTime, aws:EpochTime, aws:TokenIssueTime) are decided at the
analysis time, said so in the evidence, and moved with --assume: for access answers and for
escalation paths alike. A grant that expired, or admits only sessions issued in the past, is
no path."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from graph.access import build_access_graph
from graph.findings import escalations, find
from graph.findings.service_paths import SERVICES
from graph.policy import Outcome
from graph.sources.snapshot_file import save_snapshot
from tui.cli import main

from .escalation_account import DATA_ALL, allow, build, role, role_arn, trusts

PAST = "2001-01-01T00:00:00Z"
FUTURE = "2099-01-01T00:00:00Z"
AT = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
LAMBDA = next(s for s in SERVICES if s.kind == "passrole-lambda")


def _read_graph(condition: dict, **kwargs):
    """`app` may read `data` only under `condition`."""
    grant = allow("s3:GetObject", "arn:aws:s3:::data/*", Condition=condition)
    graph = build([grant], [])
    if kwargs:
        graph = build_access_graph(graph.snapshot, **kwargs)
    return graph


def _read(graph) -> Outcome:
    return graph.role_bucket(role_arn("app"), "data")["s3:GetObject"].outcome


@pytest.mark.parametrize(("condition", "outcome"), [
    ({"DateLessThan": {"aws:CurrentTime": FUTURE}}, Outcome.ALLOWED),
    ({"DateLessThan": {"aws:CurrentTime": PAST}}, Outcome.DENIED),
    ({"DateGreaterThan": {"aws:EpochTime": "978307200"}}, Outcome.ALLOWED),  # 2001
    ({"NumericLessThan": {"aws:EpochTime": "978307200"}}, Outcome.DENIED),
    ({"DateLessThan": {"aws:TokenIssueTime": PAST}}, Outcome.DENIED),
])
def test_access_answers_decide_time_keys_at_the_analysis_time(condition: dict,
                                                             outcome: Outcome) -> None:
    # Before time keys were decided, each of these was "conditional".
    assert _read(_read_graph(condition)) is outcome


def test_assume_moves_the_analysis_time_and_every_time_key_with_it() -> None:
    expires = {"DateLessThan": {"aws:CurrentTime": "2026-06-01T00:00:00Z"}}
    assert _read(_read_graph(expires, at=AT)) is Outcome.DENIED
    earlier = _read_graph(expires, assumed={"aws:CurrentTime": "2026-01-01T00:00:00Z"})
    assert _read(earlier) is Outcome.ALLOWED
    assert earlier.decided_at == datetime(2026, 1, 1, tzinfo=UTC)
    # The token of a session started at the assumed time was issued then.
    token = {"DateLessThan": {"aws:TokenIssueTime": "2026-06-01T00:00:00Z"}}
    assert _read(_read_graph(token, assumed={"aws:EpochTime": "1767225600"})) \
        is Outcome.ALLOWED
    # A key assumed by name keeps the value given.
    mixed = _read_graph(token, assumed={"aws:CurrentTime": "2026-01-01T00:00:00Z",
                                        "aws:TokenIssueTime": "2026-07-01T00:00:00Z"})
    assert _read(mixed) is Outcome.DENIED


def _passrole_graph(condition: dict):
    runner = role("runner", trusts(LAMBDA.principal), DATA_ALL)
    grant = allow("iam:PassRole", role_arn("runner"), Condition=condition)
    return build([grant, allow(list(LAMBDA.routes[0]))], [runner])


def test_a_token_time_condition_in_the_past_is_no_path() -> None:
    graph = _passrole_graph({"DateLessThan": {"aws:TokenIssueTime": PAST}})
    assert not [e for e in escalations(graph) if e.kind == LAMBDA.kind]


def test_a_time_condition_that_holds_is_a_path_whose_evidence_says_when() -> None:
    graph = _passrole_graph({"DateGreaterThan": {"aws:TokenIssueTime": PAST}})
    [path] = [e for e in escalations(graph) if e.kind == LAMBDA.kind]
    assert path.outcome is Outcome.ALLOWED  # decided, not "conditional"
    [finding] = [f for f in find(graph) if f.category == "privilege-escalation"]
    stamp = graph.decided_at.strftime("%Y-%m-%dT%H:%MZ")
    assert f"  aws:TokenIssueTime decided at {stamp}: identity policy app/app-policy, " \
        "statement 1" in finding.detail


def test_trace_states_the_time_a_condition_was_decided_at(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    graph = _read_graph({"DateLessThan": {"aws:CurrentTime": FUTURE}})
    path = tmp_path / "snap.json"
    save_snapshot(graph.snapshot, path)
    argv = ["--snapshot", str(path), "trace", "i-app1", "data", "--action", "s3:GetObject"]
    assert main([*argv, "--assume", "aws:CurrentTime=2026-12-07T15:00:00Z"]) == 0
    out = capsys.readouterr().out
    assert "aws:CurrentTime taken as 2026-12-07T15:00:00Z (--assume): identity policy " \
        "app/app-policy, statement 1" in out
    assert main([*argv, "--format", "json"]) == 0
    access = json.loads(capsys.readouterr().out)["access"]
    assert access["outcome"] == "allowed"
    assert access["time_decided"][0].startswith("aws:CurrentTime decided at ")
    assert main([*argv, "--assume", "aws:CurrentTime=2100-01-01T00:00:00Z"]) == 1
    capsys.readouterr()


def test_a_malformed_assumed_time_is_one_line(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    graph = _read_graph({"DateLessThan": {"aws:CurrentTime": FUTURE}})
    path = tmp_path / "snap.json"
    save_snapshot(graph.snapshot, path)
    code = main(["--snapshot", str(path), "trace", "i-app1", "data",
                 "--assume", "aws:CurrentTime=tomorrow"])
    err = capsys.readouterr().err
    assert code == 2 and "aws:CurrentTime=tomorrow: expected a date" in err
    assert "Traceback" not in err


def test_the_apps_evidence_panel_lists_how_time_conditions_were_decided() -> None:
    from rich.console import Console

    from graph.policy.clock import time_notes
    from tui.widgets.evidence import Selection, render_evidence

    graph = _read_graph({"DateLessThan": {"aws:CurrentTime": FUTURE}}, at=AT)
    access = graph.role_bucket(role_arn("app"), "data")["s3:GetObject"]
    notes = tuple(time_notes(access.evidence, graph.decided_at, graph.assumed))
    console = Console(width=200, record=True)
    console.print(render_evidence(Selection("role app", "data", access, notes)))
    shown = console.export_text()
    assert "aws:CurrentTime decided at 2026-12-07T15:00Z: identity policy app/app-policy, " \
        "statement 1" in shown


def test_the_apps_context_panel_refuses_a_time_that_is_not_a_date() -> None:
    from tui.screens.context import ContextSyntaxError, parse_context

    assert parse_context("aws:CurrentTime=2027-01-01T00:00:00Z") == {
        "aws:CurrentTime": "2027-01-01T00:00:00Z"}
    with pytest.raises(ContextSyntaxError, match="line 2: aws:TokenIssueTime=soon: expected"):
        parse_context("aws:SecureTransport=true\naws:TokenIssueTime=soon")
