"""The small promises of trace and who-can (issue 21, items 7, 8 and 13): the context they
assumed is said, exit codes tell allowed / not allowed / undecided apart, near names get
"did you mean", a role where an instance belongs is named as such, and an instance without
a role is told so."""

from __future__ import annotations

import json

import pytest

from tui.cli import main
from tui.commands.trace import EXIT_CODES

from .helpers import LAYERS

SRC = ["--snapshot", str(LAYERS)]
TLS = ["--assume", "aws:SecureTransport=true"]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*argv, *SRC])
    out, err = capsys.readouterr()
    return code, out, err


# --- said context ------------------------------------------------------------------------------

def test_trace_text_says_the_assumed_context_first(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "trace", "reader-1", "secure", *TLS, "--assume", "aws:a=b")
    assert code == 0
    assert out.splitlines()[0] == "assumed: aws:SecureTransport=true, aws:a=b"
    code, out, _ = _run(capsys, "trace", "reader-1", "secure", "--action", "s3:GetObject", *TLS)
    assert out.splitlines()[0] == "assumed: aws:SecureTransport=true"
    # Nothing assumed: no header, the answer starts at once.
    code, out, _ = _run(capsys, "trace", "app-1", "data")
    assert not out.startswith("assumed") and out.startswith("app-1 (i-")


def test_trace_json_has_assumed_context(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "trace", "app-1", "data", "--format", "json")
    assert json.loads(out)["assumed_context"] == {}
    _, out, _ = _run(capsys, "trace", "app-1", "data", "--format", "json", *TLS)
    assert json.loads(out)["assumed_context"] == {"aws:SecureTransport": "true"}


def test_who_can_says_the_assumed_context(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "who-can", "secure", *TLS)
    assert code == 0 and out.splitlines()[0] == "assumed: aws:SecureTransport=true"
    assert "reader-1" in out
    _, out, _ = _run(capsys, "who-can", "secure", "--format", "json", *TLS)
    assert json.loads(out)["assumed_context"] == {"aws:SecureTransport": "true"}
    _, out, _ = _run(capsys, "who-can", "secure", "--format", "json")
    assert json.loads(out)["assumed_context"] == {}
    _, out, _ = _run(capsys, "who-can", "secure")
    assert "assumed" not in out.splitlines()[0]


# --- exit codes ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("argv", "expected"), [
    (["app-1", "data"], 0),  # allowed
    (["app-1", "data", "--action", "s3:PutObject"], 0),
    (["app-1", "data", "--action", "s3:DeleteBucket"], 1),  # nothing grants it
    (["app-1", "secure"], 1),
    (["reader-1", "secure"], 3),  # only conditional: depends on TLS
    (["reader-1", "secure", "--format", "mermaid"], 3),  # the same answer whatever the format
    (["reader-1", "secure", "--format", "json"], 3),
    (["reader-1", "secure", *TLS], 0),  # the condition assumed: decided
    (["reader-1", "secure", "--format", "dot", *TLS], 0),
    (["no-profile-1", "data"], 1),
])
def test_trace_exit_code_tells_allowed_denied_and_undecided_apart(
        argv: list[str], expected: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "trace", *argv)[0] == expected


def test_trace_help_documents_every_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["trace", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "exit codes:" in text
    for code in (0, 1, 2, 3):
        assert f" {code} {EXIT_CODES[code].split(':')[0]}" in text
    assert "conditional" in EXIT_CODES[3] and "unknown" in EXIT_CODES[3]


# --- did you mean -------------------------------------------------------------------------------

@pytest.mark.parametrize(("argv", "suggested"), [
    (["trace", "APP-1", "data"], "did you mean: app-1"),  # case
    (["trace", "app-l", "data"], "did you mean: app-1"),  # typo
    (["trace", "app-1", "DATA"], "did you mean: data"),
    (["trace", "app-1", "data", "--action", "s3:GetObjct"], "did you mean: s3:GetObject"),
    (["trace", "app-1", "data", "--action", "GetObjct"], "did you mean: s3:GetObject"),
    (["who-can", "data", "--action", "s3:PutObjekt"], "did you mean: s3:PutObject"),
    (["export", "--role", "BOUNDED"], "did you mean: bounded"),
    (["export", "--role", "bounde"], "did you mean: bounded"),
])
def test_near_names_get_did_you_mean(argv: list[str], suggested: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, *argv)
    assert code == 2
    assert err.count("\n") == 1 and suggested in err, err


def test_a_role_where_an_instance_belongs_names_its_instances(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "trace", "app", "data")
    assert code == 2 and out == ""
    assert err == ("rolemap: error: 'app' is a role, not an instance; instances running as it: "
                   "app-1 (i-0000000000000a001)\n")
    arn = "arn:aws:iam::111111111111:role/vpc-only"
    code, _, err = _run(capsys, "trace", arn, "data")
    assert code == 2 and "is a role, not an instance" in err
    assert "vpc-a-1 (i-0000000000000a003), vpc-b-1 (i-0000000000000a004)" in err
    # A role no instance runs as says that too.
    code, _, err = _run(capsys, "trace", "target", "data")
    assert code == 2 and "'target' is a role, not an instance; no instance runs as it" in err


# --- an instance without a role ---------------------------------------------------------------

NO_ROLE = ("instance no-profile-1 (i-0000000000000a009) has no instance profile (no role): it can "
           "reach nothing through IAM")


def test_an_instance_without_a_profile_is_told_so(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "trace", "no-profile-1", "data")
    assert out == NO_ROLE + "\n"
    _, out, _ = _run(capsys, "trace", "no-profile-1", "data", "--action", "s3:GetObject")
    assert out == NO_ROLE + "\n"
    for extra in ([], ["--action", "s3:GetObject"]):
        _, out, _ = _run(capsys, "trace", "no-profile-1", "data", "--format", "json", *extra)
        assert json.loads(out)["no_path_because"] == NO_ROLE
    # An instance with a role that cannot reach a bucket keeps the policies' reason.
    _, out, _ = _run(capsys, "trace", "app-1", "secure", "--format", "json")
    assert json.loads(out)["no_path_because"] is None
