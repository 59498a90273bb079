"""Malformed policy documents: one PolicyParseError naming the policy and the JSON path.

AWS IAM User Guide, "IAM JSON policy element reference" and "Grammar of the IAM JSON policy
language": Effect is Allow or Deny; a statement has exactly one of Action/NotAction and (in
identity policies) one of Resource/NotResource; Principal and NotPrincipal are exclusive and one
is required in resource-based policies; Version is 2012-10-17 or 2008-10-17; Condition maps
operators to maps of keys to values.
"""

from __future__ import annotations

from typing import Any

import pytest

from graph.errors import PolicyParseError, RolemapError
from graph.policy import PolicyKind, parse_policy

GOOD = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}


def parse_error(document: Any, kind: PolicyKind = PolicyKind.IDENTITY) -> PolicyParseError:
    with pytest.raises(PolicyParseError) as info:
        parse_policy(document, name="AppRead", kind=kind)
    err = info.value
    assert isinstance(err, RolemapError)
    assert err.policy_name == "AppRead"
    assert "AppRead" in str(err)
    assert "\n" not in str(err)
    return err


def statements(*items: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(items)}


def test_bad_effect_names_statement_and_field() -> None:
    err = parse_error(statements(GOOD, {**GOOD, "Effect": "Permit"}))
    assert err.path == "Statement[1].Effect"
    assert "Statement[1].Effect" in str(err)


def test_missing_effect() -> None:
    bad = {k: v for k, v in GOOD.items() if k != "Effect"}
    assert parse_error(statements(GOOD, bad)).path.startswith("Statement[1]")


def test_effect_is_case_sensitive() -> None:
    assert parse_error(statements({**GOOD, "Effect": "allow"})).path == "Statement[0].Effect"


def test_action_and_not_action_together() -> None:
    err = parse_error(statements({**GOOD, "NotAction": "s3:PutObject"}))
    assert err.path.startswith("Statement[0]")


def test_neither_action_nor_not_action() -> None:
    bad = {"Effect": "Allow", "Resource": "*"}
    assert parse_error(statements(bad)).path.startswith("Statement[0]")


def test_action_of_wrong_type() -> None:
    assert parse_error(statements({**GOOD, "Action": 5})).path.startswith("Statement[0].Action")


def test_action_list_with_non_string() -> None:
    err = parse_error(statements({**GOOD, "Action": ["s3:GetObject", {"x": 1}]}))
    assert err.path.startswith("Statement[0].Action")


def test_resource_and_not_resource_together() -> None:
    err = parse_error(statements({**GOOD, "NotResource": "arn:aws:s3:::b"}))
    assert err.path.startswith("Statement[0]")


def test_resource_of_wrong_type() -> None:
    err = parse_error(statements({**GOOD, "Resource": {"arn": "x"}}))
    assert err.path.startswith("Statement[0].Resource")


def test_missing_statement() -> None:
    err = parse_error({"Version": "2012-10-17"})
    assert "Statement" in err.path


def test_statement_of_wrong_type() -> None:
    assert parse_error({"Version": "2012-10-17", "Statement": "Allow all"}).path.startswith(
        "Statement")


def test_statement_entry_not_an_object() -> None:
    assert parse_error(statements(GOOD, "oops")).path.startswith("Statement[1]")


def test_unknown_version() -> None:
    err = parse_error({"Version": "2020-01-01", "Statement": [GOOD]})
    assert err.path == "Version"


def test_document_not_an_object() -> None:
    parse_error([GOOD])
    parse_error(42)


def test_invalid_json_text() -> None:
    parse_error('{"Version": "2012-10-17", "Statement": [')


def test_condition_not_an_object() -> None:
    err = parse_error(statements({**GOOD, "Condition": ["StringEquals"]}))
    assert err.path.startswith("Statement[0].Condition")


def test_condition_operator_body_not_an_object() -> None:
    err = parse_error(statements({**GOOD, "Condition": {"StringEquals": "aws:SourceVpce"}}))
    assert err.path.startswith("Statement[0].Condition")


def test_unknown_condition_operator() -> None:
    err = parse_error(statements(GOOD, {**GOOD, "Condition": {
        "StringEqualz": {"aws:SourceVpce": "vpce-1"}}}))
    assert err.path.startswith("Statement[1].Condition")
    assert "StringEqualz" in str(err)


def test_condition_value_of_wrong_type() -> None:
    err = parse_error(statements({**GOOD, "Condition": {
        "StringEquals": {"aws:SourceVpce": {"nested": "x"}}}}))
    assert err.path.startswith("Statement[0].Condition")


def test_principal_and_not_principal_together() -> None:
    bad = {**GOOD, "Principal": "*", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}}
    err = parse_error(statements(bad), kind=PolicyKind.RESOURCE)
    assert err.path.startswith("Statement[0]")


def test_resource_policy_statement_without_principal() -> None:
    err = parse_error(statements(GOOD), kind=PolicyKind.RESOURCE)
    assert err.path.startswith("Statement[0]")


def test_principal_of_wrong_type() -> None:
    err = parse_error(statements({**GOOD, "Principal": 7}), kind=PolicyKind.RESOURCE)
    assert err.path.startswith("Statement[0].Principal")


def test_principal_with_unknown_type_key() -> None:
    err = parse_error(statements({**GOOD, "Principal": {"Robot": "r2d2"}}),
                      kind=PolicyKind.RESOURCE)
    assert err.path.startswith("Statement[0].Principal")
