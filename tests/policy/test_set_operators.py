"""ForAnyValue / ForAllValues on multivalued keys.

AWS IAM User Guide, "Condition with multiple context keys or values" and "Set operators for
multivalued context keys": ForAnyValue is true when at least one request value matches one
policy value (false when the key is missing or empty); ForAllValues is true when every request
value matches some policy value (true when the key is missing or the set is empty, which is why
the docs pair it with a Null check). A single-valued key is treated as a one-element set.
"""

from __future__ import annotations

from .helpers import condition_holds

TAGS = "aws:TagKeys"


def test_for_any_value_one_match_is_enough() -> None:
    cond = {"ForAnyValue:StringEquals": {TAGS: ["environment", "cost-center"]}}
    assert condition_holds(cond, {TAGS: ["environment", "owner"]})


def test_for_any_value_no_match() -> None:
    cond = {"ForAnyValue:StringEquals": {TAGS: ["environment", "cost-center"]}}
    assert not condition_holds(cond, {TAGS: ["owner", "project"]})


def test_for_any_value_missing_or_empty_is_false() -> None:
    cond = {"ForAnyValue:StringEquals": {TAGS: ["environment"]}}
    assert not condition_holds(cond)
    assert not condition_holds(cond, {TAGS: []})


def test_for_all_values_subset_is_true() -> None:
    cond = {"ForAllValues:StringEquals": {TAGS: ["environment", "cost-center"]}}
    assert condition_holds(cond, {TAGS: ["environment"]})
    assert condition_holds(cond, {TAGS: ["cost-center", "environment"]})


def test_for_all_values_one_outsider_is_false() -> None:
    cond = {"ForAllValues:StringEquals": {TAGS: ["environment", "cost-center"]}}
    assert not condition_holds(cond, {TAGS: ["environment", "owner"]})


def test_for_all_values_missing_or_empty_is_true() -> None:
    cond = {"ForAllValues:StringEquals": {TAGS: ["environment"]}}
    assert condition_holds(cond)
    assert condition_holds(cond, {TAGS: []})


def test_for_all_values_with_null_guard_requires_the_key() -> None:
    # The docs' recommended pattern: ForAllValues plus Null false, so a request without the
    # key does not slip through.
    cond = {
        "ForAllValues:StringEquals": {TAGS: ["environment", "cost-center"]},
        "Null": {TAGS: "false"},
    }
    assert not condition_holds(cond)
    assert condition_holds(cond, {TAGS: ["environment"]})


def test_for_any_value_string_like() -> None:
    cond = {"ForAnyValue:StringLike": {TAGS: ["cost-*"]}}
    assert condition_holds(cond, {TAGS: ["owner", "cost-center"]})
    assert not condition_holds(cond, {TAGS: ["owner"]})


def test_for_all_values_string_like() -> None:
    cond = {"ForAllValues:StringLike": {TAGS: ["team-*", "env"]}}
    assert condition_holds(cond, {TAGS: ["team-a", "env"]})
    assert not condition_holds(cond, {TAGS: ["team-a", "owner"]})


def test_for_any_value_string_not_equals() -> None:
    # True when at least one request value is outside the policy set.
    cond = {"ForAnyValue:StringNotEquals": {TAGS: ["environment"]}}
    assert condition_holds(cond, {TAGS: ["environment", "owner"]})
    assert not condition_holds(cond, {TAGS: ["environment"]})


def test_for_all_values_string_not_equals() -> None:
    # True when no request value is in the policy set.
    cond = {"ForAllValues:StringNotEquals": {TAGS: ["environment"]}}
    assert condition_holds(cond, {TAGS: ["owner", "project"]})
    assert not condition_holds(cond, {TAGS: ["owner", "environment"]})


def test_set_operator_on_single_valued_key() -> None:
    cond = {"ForAnyValue:StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}}
    assert condition_holds(cond, {"aws:RequestedRegion": "eu-west-1"})
    assert not condition_holds(cond, {"aws:RequestedRegion": "us-east-1"})


def test_set_operator_key_name_is_case_insensitive() -> None:
    cond = {"ForAnyValue:StringEquals": {"AWS:TAGKEYS": ["environment"]}}
    assert condition_holds(cond, {TAGS: ["environment"]})



def test_set_operator_rules_for_missing_key_hold_for_negated_operators_too() -> None:
    # The qualifier decides a missing key: ForAnyValue false, ForAllValues true.
    assert not condition_holds({"ForAnyValue:StringNotEquals": {TAGS: ["environment"]}})
    assert not condition_holds({"ForAnyValue:StringNotLike": {TAGS: ["env*"]}})
    assert condition_holds({"ForAllValues:StringNotEquals": {TAGS: ["environment"]}})
