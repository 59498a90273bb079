"""String condition operators.

AWS IAM User Guide, "IAM JSON policy elements: Condition operators" (String condition
operators) and "IAM JSON policy elements: Condition" (multiple keys AND, multiple values OR,
case-insensitive key names). The ...IfExists rules come from the same page.
"""

from __future__ import annotations

from .helpers import condition_holds


def test_string_equals_matches_exact_value() -> None:
    assert condition_holds({"StringEquals": {"aws:PrincipalTag/team": "alpha"}},
                           principal_tags={"team": "alpha"})


def test_string_equals_values_are_case_sensitive() -> None:
    assert not condition_holds({"StringEquals": {"aws:PrincipalTag/team": "Alpha"}},
                               principal_tags={"team": "alpha"})


def test_string_equals_treats_asterisk_literally() -> None:
    cond = {"StringEquals": {"aws:SourceVpce": "vpce-*"}}
    assert not condition_holds(cond, {"aws:SourceVpce": "vpce-1a2b3c4d"})
    assert condition_holds(cond, {"aws:SourceVpce": "vpce-*"})


def test_string_equals_missing_key_is_false() -> None:
    assert not condition_holds({"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}})


def test_string_not_equals_present_and_different_is_true() -> None:
    assert condition_holds({"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
                           {"aws:SourceVpce": "vpce-99999999"})


def test_string_not_equals_present_and_equal_is_false() -> None:
    assert not condition_holds({"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
                               {"aws:SourceVpce": "vpce-1a2b3c4d"})


def test_string_not_equals_missing_key_is_true() -> None:
    # Condition operators page: negated matching operators evaluate true when the key is absent.
    assert condition_holds({"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}})


def test_string_equals_ignore_case() -> None:
    cond = {"StringEqualsIgnoreCase": {"aws:PrincipalTag/env": "PROD"}}
    assert condition_holds(cond, principal_tags={"env": "prod"})
    assert not condition_holds(cond, principal_tags={"env": "production"})


def test_string_not_equals_ignore_case() -> None:
    cond = {"StringNotEqualsIgnoreCase": {"aws:PrincipalTag/env": "PROD"}}
    assert not condition_holds(cond, principal_tags={"env": "Prod"})
    assert condition_holds(cond, principal_tags={"env": "dev"})


def test_string_like_star_and_question_mark() -> None:
    cond = {"StringLike": {"s3:prefix": ["home/dev-?/*"]}}
    assert condition_holds(cond, {"s3:prefix": "home/dev-1/notes.txt"})
    assert not condition_holds(cond, {"s3:prefix": "home/dev-12/notes.txt"})
    assert not condition_holds(cond, {"s3:prefix": "home/ops-1/notes.txt"})


def test_string_like_star_crosses_colons() -> None:
    # Unlike ArnLike, StringLike has no notion of ARN segments.
    cond = {"StringLike": {"aws:SourceArn": "arn:aws:*:111122223333:topic"}}
    assert condition_holds(cond, {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:topic"})


def test_string_like_whole_value_must_match() -> None:
    cond = {"StringLike": {"s3:prefix": "home/*"}}
    assert not condition_holds(cond, {"s3:prefix": "archive/home/x"})


def test_string_like_missing_key_is_false() -> None:
    assert not condition_holds({"StringLike": {"s3:prefix": "*"}})


def test_string_not_like_missing_key_is_true() -> None:
    assert condition_holds({"StringNotLike": {"s3:prefix": "home/*"}})


def test_string_not_like_with_match_is_false() -> None:
    assert not condition_holds({"StringNotLike": {"s3:prefix": ["tmp/*", "home/*"]}},
                               {"s3:prefix": "home/a"})


def test_multiple_values_for_one_key_are_ored() -> None:
    cond = {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}}
    assert condition_holds(cond, {"aws:RequestedRegion": "eu-central-1"})
    assert not condition_holds(cond, {"aws:RequestedRegion": "us-east-1"})


def test_multiple_keys_in_one_operator_are_anded() -> None:
    cond = {"StringEquals": {"aws:RequestedRegion": "eu-west-1",
                             "aws:SourceVpce": "vpce-1a2b3c4d"}}
    assert condition_holds(cond, {"aws:RequestedRegion": "eu-west-1",
                                  "aws:SourceVpce": "vpce-1a2b3c4d"})
    assert not condition_holds(cond, {"aws:RequestedRegion": "eu-west-1"})
    assert not condition_holds(cond, {"aws:RequestedRegion": "eu-west-1",
                                      "aws:SourceVpce": "vpce-other"})


def test_multiple_operators_are_anded() -> None:
    cond = {
        "StringEquals": {"aws:RequestedRegion": "eu-west-1"},
        "Bool": {"aws:SecureTransport": "true"},
    }
    assert condition_holds(cond, {"aws:RequestedRegion": "eu-west-1",
                                  "aws:SecureTransport": "true"})
    assert not condition_holds(cond, {"aws:RequestedRegion": "eu-west-1",
                                      "aws:SecureTransport": "false"})


def test_condition_key_names_are_case_insensitive() -> None:
    cond = {"StringEquals": {"AWS:SOURCEVPCE": "vpce-1a2b3c4d"}}
    assert condition_holds(cond, {"aws:sourceVpce": "vpce-1a2b3c4d"})


def test_tag_key_part_of_key_name_is_case_insensitive() -> None:
    # cases/README: condition key names, the tag-key part included, are case-insensitive.
    cond = {"StringEquals": {"aws:PrincipalTag/Team": "alpha"}}
    assert condition_holds(cond, principal_tags={"team": "alpha"})
    assert condition_holds({"StringEquals": {"aws:ResourceTag/OWNER": "ops"}},
                           resource_tags={"Owner": "ops"})


def test_tag_values_stay_case_sensitive() -> None:
    assert not condition_holds({"StringEquals": {"aws:ResourceTag/owner": "OPS"}},
                               resource_tags={"owner": "ops"})


def test_string_equals_if_exists_missing_key_is_true() -> None:
    assert condition_holds({"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1a2b3c4d"}})


def test_string_equals_if_exists_present_key_is_compared() -> None:
    cond = {"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1a2b3c4d"}}
    assert not condition_holds(cond, {"aws:SourceVpce": "vpce-other"})
    assert condition_holds(cond, {"aws:SourceVpce": "vpce-1a2b3c4d"})


def test_string_like_if_exists() -> None:
    cond = {"StringLikeIfExists": {"s3:prefix": "home/*"}}
    assert condition_holds(cond)
    assert condition_holds(cond, {"s3:prefix": "home/x"})
    assert not condition_holds(cond, {"s3:prefix": "tmp/x"})


def test_empty_string_value_is_a_value() -> None:
    # A key given as "" exists, so StringEquals "" matches it; an absent key matches nothing.
    assert condition_holds({"StringEquals": {"s3:prefix": ""}}, {"s3:prefix": ""})
    assert not condition_holds({"StringEquals": {"s3:prefix": ""}})


def test_string_not_equals_if_exists_present_key_is_compared() -> None:
    cond = {"StringNotEqualsIfExists": {"aws:SourceVpce": "vpce-1a2b3c4d"}}
    assert not condition_holds(cond, {"aws:SourceVpce": "vpce-1a2b3c4d"})
    assert condition_holds(cond, {"aws:SourceVpce": "vpce-other"})
