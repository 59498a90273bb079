"""IP address, ARN and Null condition operators.

AWS IAM User Guide, "IAM JSON policy elements: Condition operators": IP address condition
operators (RFC 4632 CIDR, IPv4 and IPv6), ARN condition operators (ArnEquals and ArnLike are
the same; matching is per colon-delimited ARN component, `*` and `?` within a component),
Condition operator to check existence of condition keys (Null). Amazon S3 User Guide, "Bucket
policy examples" (the IPv4/IPv6 aws:SourceIp example).
"""

from __future__ import annotations

import pytest

from .helpers import condition_holds

IP = "aws:SourceIp"
SRC = "aws:SourceArn"


@pytest.mark.parametrize(
    ("cidr", "address", "expected"),
    [
        ("203.0.113.0/24", "203.0.113.7", True),
        ("203.0.113.0/24", "203.0.114.7", False),
        ("203.0.113.7", "203.0.113.7", True),  # a bare address is a /32
        ("203.0.113.7", "203.0.113.8", False),
        ("10.0.0.0/8", "10.255.1.2", True),
        ("0.0.0.0/0", "198.51.100.1", True),
        ("2001:DB8:1234:5678::/64", "2001:db8:1234:5678::abcd", True),
        ("2001:DB8:1234:5678::/64", "2001:db8:1234:9999::1", False),
        ("2001:db8::/32", "2001:0db8:ffff::1", True),
        ("2001:db8::/32", "203.0.113.7", False),  # IPv4 caller vs IPv6 range: no match
        ("203.0.113.0/24", "2001:db8::1", False),
    ],
)
def test_ip_address(cidr: str, address: str, expected: bool) -> None:
    assert condition_holds({"IpAddress": {IP: cidr}}, {IP: address}) is expected


def test_ip_address_list_of_ipv4_and_ipv6_ranges() -> None:
    # S3 bucket policy example mixing IPv4 and IPv6 ranges for aws:SourceIp.
    cond = {"IpAddress": {IP: ["54.240.143.0/24", "2001:DB8:1234:5678::/64"]}}
    assert condition_holds(cond, {IP: "54.240.143.1"})
    assert condition_holds(cond, {IP: "2001:DB8:1234:5678:ABCD::1"})
    assert not condition_holds(cond, {IP: "54.240.144.1"})


def test_not_ip_address() -> None:
    cond = {"NotIpAddress": {IP: "54.240.143.0/24"}}
    assert not condition_holds(cond, {IP: "54.240.143.1"})
    assert condition_holds(cond, {IP: "198.51.100.1"})


def test_ip_missing_key() -> None:
    # Through a VPC endpoint aws:SourceIp is absent: IpAddress is false, NotIpAddress true.
    assert not condition_holds({"IpAddress": {IP: "0.0.0.0/0"}})
    assert condition_holds({"NotIpAddress": {IP: "54.240.143.0/24"}})
    assert condition_holds({"IpAddressIfExists": {IP: "54.240.143.0/24"}})


def test_ip_unparseable_request_value_does_not_match() -> None:
    assert not condition_holds({"IpAddress": {IP: "0.0.0.0/0"}}, {IP: "not-an-ip"})


def test_arn_like_wildcard_within_components() -> None:
    cond = {"ArnLike": {SRC: "arn:aws:sns:*:111122223333:*"}}
    assert condition_holds(cond, {SRC: "arn:aws:sns:us-east-1:111122223333:alerts"})
    assert not condition_holds(cond, {SRC: "arn:aws:sns:us-east-1:444455556666:alerts"})


def test_arn_like_star_does_not_span_colons() -> None:
    # ArnLike compares the six components one by one: "*" (the service part) cannot stand
    # for "sns:us-east-1", so the account part meets the region. StringLike has no components.
    pattern = "arn:aws:*:111122223333:topic:x"
    value = {SRC: "arn:aws:sns:us-east-1:111122223333:topic:x"}
    assert not condition_holds({"ArnLike": {SRC: pattern}}, value)
    assert condition_holds({"StringLike": {SRC: pattern}}, value)


def test_arn_like_star_spans_slashes_in_resource_part() -> None:
    cond = {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/*"}}
    assert condition_holds(cond)  # derived: the role is arn:aws:iam::111122223333:role/app
    assert condition_holds(
        {"ArnLike": {SRC: "arn:aws:iam::111122223333:role/*"}},
        {SRC: "arn:aws:iam::111122223333:role/team/app"},
    )


def test_arn_like_question_mark() -> None:
    cond = {"ArnLike": {SRC: "arn:aws:s3:::logs-?"}}
    assert condition_holds(cond, {SRC: "arn:aws:s3:::logs-1"})
    assert not condition_holds(cond, {SRC: "arn:aws:s3:::logs-12"})


def test_arn_equals_is_arn_like() -> None:
    cond = {"ArnEquals": {SRC: "arn:aws:sns:*:111122223333:*"}}
    assert condition_holds(cond, {SRC: "arn:aws:sns:eu-west-1:111122223333:alerts"})


def test_arn_not_like_and_not_equals() -> None:
    cond = {"ArnNotLike": {SRC: "arn:aws:sns:*:111122223333:*"}}
    assert not condition_holds(cond, {SRC: "arn:aws:sns:eu-west-1:111122223333:alerts"})
    assert condition_holds(cond, {SRC: "arn:aws:sns:eu-west-1:444455556666:alerts"})
    assert condition_holds({"ArnNotEquals": {SRC: "arn:aws:sns:eu-west-1:111122223333:a"}},
                           {SRC: "arn:aws:sns:eu-west-1:111122223333:b"})


def test_arn_missing_key() -> None:
    assert not condition_holds({"ArnLike": {SRC: "arn:*"}})
    assert condition_holds({"ArnNotLike": {SRC: "arn:aws:sns:*:111122223333:*"}})
    assert condition_holds({"ArnNotEquals": {SRC: "arn:aws:sns:*:111122223333:*"}})
    assert condition_holds({"ArnLikeIfExists": {SRC: "arn:aws:sns:*:111122223333:*"}})


def test_arn_like_non_arn_value_does_not_match() -> None:
    assert not condition_holds({"ArnLike": {SRC: "arn:aws:sns:*:*:*"}}, {SRC: "alerts"})


def test_null_true_means_key_absent() -> None:
    cond = {"Null": {"aws:TokenIssueTime": "true"}}
    assert condition_holds(cond)
    assert not condition_holds(cond, {"aws:TokenIssueTime": "2025-06-01T12:00:00Z"})


def test_null_false_means_key_present() -> None:
    cond = {"Null": {"aws:TokenIssueTime": "false"}}
    assert condition_holds(cond, {"aws:TokenIssueTime": "2025-06-01T12:00:00Z"})
    assert not condition_holds(cond)


def test_null_on_derived_keys() -> None:
    # aws:PrincipalArn and aws:PrincipalTag/<k> come from the request itself.
    assert condition_holds({"Null": {"aws:PrincipalArn": "false"}})
    assert condition_holds({"Null": {"aws:PrincipalTag/team": "false"}},
                           principal_tags={"team": "alpha"})
    assert condition_holds({"Null": {"aws:PrincipalTag/team": "true"}})


def test_null_key_name_is_case_insensitive() -> None:
    assert condition_holds({"Null": {"AWS:SourceVpce": "false"}}, {"aws:sourcevpce": "vpce-1"})
