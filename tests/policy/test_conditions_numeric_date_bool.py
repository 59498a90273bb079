"""Numeric, Date, Bool and Binary condition operators.

AWS IAM User Guide, "IAM JSON policy elements: Condition operators": Numeric condition operators
(integers and decimals compared as numbers), Date condition operators (W3C ISO 8601 dates or
epoch time), Boolean condition operators, Binary condition operators (base64 values), and the
...IfExists rule for each.
"""

from __future__ import annotations

import base64

import pytest

from .helpers import condition_holds

AGE = "aws:MultiFactorAuthAge"
NOW = "aws:CurrentTime"


@pytest.mark.parametrize(
    ("operator", "policy_value", "request_value", "expected"),
    [
        ("NumericEquals", "10", "10", True),
        ("NumericEquals", "10", "10.0", True),
        ("NumericEquals", "10", "11", False),
        ("NumericNotEquals", "10", "11", True),
        ("NumericNotEquals", "10", "10", False),
        ("NumericLessThan", "3600", "100", True),
        ("NumericLessThan", "3600", "3600", False),
        ("NumericLessThanEquals", "3600", "3600", True),
        ("NumericGreaterThan", "9", "100", True),  # numbers, not strings: "100" < "9" as text
        ("NumericGreaterThanEquals", "100", "100", True),
        ("NumericGreaterThanEquals", "100", "99.5", False),
        ("NumericLessThan", "1.5", "1.25", True),
        ("NumericGreaterThan", "1.5", "1.25", False),
        ("NumericLessThan", "0", "-1", True),
    ],
)
def test_numeric_operators(operator: str, policy_value: str, request_value: str,
                           expected: bool) -> None:
    assert condition_holds({operator: {AGE: policy_value}}, {AGE: request_value}) is expected


def test_numeric_policy_value_may_be_a_json_number() -> None:
    assert condition_holds({"NumericLessThan": {AGE: 3600}}, {AGE: "120"})


def test_numeric_missing_key() -> None:
    assert not condition_holds({"NumericLessThan": {AGE: "3600"}})
    assert not condition_holds({"NumericEquals": {AGE: "0"}})
    assert condition_holds({"NumericNotEquals": {AGE: "3600"}})
    assert condition_holds({"NumericLessThanIfExists": {AGE: "3600"}})


def test_numeric_if_exists_present_key_is_compared() -> None:
    assert not condition_holds({"NumericLessThanIfExists": {AGE: "3600"}}, {AGE: "7200"})


def test_numeric_non_number_request_value_does_not_match() -> None:
    assert not condition_holds({"NumericLessThan": {AGE: "3600"}}, {AGE: "soon"})


@pytest.mark.parametrize(
    ("operator", "policy_value", "request_value", "expected"),
    [
        ("DateLessThan", "2026-01-01T00:00:00Z", "2025-06-01T12:00:00Z", True),
        ("DateLessThan", "2026-01-01T00:00:00Z", "2026-06-01T12:00:00Z", False),
        ("DateGreaterThan", "2025-01-01T00:00:00Z", "2025-06-01T12:00:00Z", True),
        ("DateLessThanEquals", "2025-06-01T12:00:00Z", "2025-06-01T12:00:00Z", True),
        ("DateGreaterThanEquals", "2025-06-01T12:00:01Z", "2025-06-01T12:00:00Z", False),
        ("DateEquals", "2025-06-01T12:00:00Z", "2025-06-01T12:00:00Z", True),
        ("DateNotEquals", "2025-06-01T12:00:00Z", "2025-06-01T12:00:01Z", True),
        ("DateEquals", "2025-06-01T12:00:00.000Z", "2025-06-01T12:00:00Z", True),
        # Epoch seconds in the policy: 1767225600 is 2026-01-01T00:00:00Z.
        ("DateLessThan", "1767225600", "2025-12-31T23:59:59Z", True),
        ("DateLessThan", "1767225600", "2026-01-01T00:00:01Z", False),
        ("DateEquals", "1767225600", "2026-01-01T00:00:00Z", True),
        # Epoch in the request, ISO in the policy.
        ("DateGreaterThan", "2025-12-31T00:00:00Z", "1767225600", True),
        # Offsets are honoured: 12:00+02:00 is 10:00Z.
        ("DateEquals", "2025-06-01T12:00:00+02:00", "2025-06-01T10:00:00Z", True),
        # A date without time is midnight UTC of that day.
        ("DateGreaterThan", "2025-01-01", "2025-06-01T00:00:00Z", True),
        ("DateLessThan", "2025-01-01", "2025-06-01T00:00:00Z", False),
    ],
)
def test_date_operators(operator: str, policy_value: str, request_value: str,
                        expected: bool) -> None:
    assert condition_holds({operator: {NOW: policy_value}}, {NOW: request_value}) is expected


def test_date_missing_key() -> None:
    assert not condition_holds({"DateLessThan": {NOW: "2026-01-01T00:00:00Z"}})
    assert condition_holds({"DateNotEquals": {NOW: "2026-01-01T00:00:00Z"}})
    assert condition_holds({"DateLessThanIfExists": {NOW: "2026-01-01T00:00:00Z"}})


def test_date_unparseable_request_value_does_not_match() -> None:
    assert not condition_holds({"DateLessThan": {NOW: "2026-01-01T00:00:00Z"}},
                               {NOW: "next tuesday"})


def test_bool_true_and_false() -> None:
    cond = {"Bool": {"aws:SecureTransport": "true"}}
    assert condition_holds(cond, {"aws:SecureTransport": "true"})
    assert not condition_holds(cond, {"aws:SecureTransport": "false"})


def test_bool_policy_value_may_be_a_json_boolean() -> None:
    assert condition_holds({"Bool": {"aws:SecureTransport": True}},
                           {"aws:SecureTransport": "true"})


def test_bool_missing_key_is_false_and_if_exists_true() -> None:
    assert not condition_holds({"Bool": {"aws:SecureTransport": "true"}})
    assert not condition_holds({"Bool": {"aws:SecureTransport": "false"}})
    assert condition_holds({"BoolIfExists": {"aws:SecureTransport": "false"}})


def test_bool_if_exists_present_key_is_compared() -> None:
    assert not condition_holds({"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}},
                               {"aws:MultiFactorAuthPresent": "false"})


def test_binary_equals_compares_base64_values() -> None:
    value = base64.b64encode(b"BinaryValueInBase64").decode()
    cond = {"BinaryEquals": {"key": value}}
    assert condition_holds(cond, {"key": value})
    assert not condition_holds(cond, {"key": base64.b64encode(b"SomethingElse").decode()})


def test_binary_equals_missing_key_is_false_if_exists_true() -> None:
    value = base64.b64encode(b"x").decode()
    assert not condition_holds({"BinaryEquals": {"key": value}})
    assert condition_holds({"BinaryEqualsIfExists": {"key": value}})
