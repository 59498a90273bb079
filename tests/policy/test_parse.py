"""Parsing documents in every form AWS stores them.

AWS IAM User Guide, "IAM JSON policy element reference": Version, Id, Statement as one object
or a list, Sid, Action/NotAction and Resource/NotResource as a string or a list, Principal as
"*" or {"AWS"|"Service"|"Federated"|"CanonicalUser": string or list} with account ids, account
root ARNs and role ARNs; "AWS JSON policy elements: Principal" (`"*"` and {"AWS": "*"} are the
same). Some AWS APIs return documents as (URL-encoded) JSON text.
"""

from __future__ import annotations

import json
import urllib.parse

import pytest

from graph.errors import PolicyParseError
from graph.policy import PolicyKind, PrincipalPolicies, Request, Verdict, evaluate, parse_policy

from .helpers import ACCOUNT, BUCKET, OTHER_ACCOUNT, ROLE, allow, doc, verdict


def test_statement_as_single_object() -> None:
    policy = parse_policy({"Version": "2012-10-17", "Statement": allow("s3:GetObject")},
                          name="one", kind=PolicyKind.IDENTITY)
    [stmt] = policy.statements
    assert (stmt.effect, stmt.index, stmt.sid) == ("Allow", 0, None)
    assert verdict(identity=[{"Version": "2012-10-17", "Statement": allow()}]) is Verdict.ALLOW


def test_statements_keep_order_sid_and_raw() -> None:
    first = {"Sid": "Read", **allow("s3:GetObject")}
    second = {"Sid": "NoDelete", "Effect": "Deny", "Action": ["s3:DeleteObject"],
              "Resource": ["*"]}
    policy = parse_policy({"Version": "2012-10-17", "Id": "P1", "Statement": [first, second]},
                          name="two", kind=PolicyKind.IDENTITY)
    assert [(s.index, s.sid, s.effect) for s in policy.statements] == [
        (0, "Read", "Allow"), (1, "NoDelete", "Deny")]
    assert policy.statements[1].raw == second
    assert policy.name == "two"
    assert policy.kind is PolicyKind.IDENTITY


def test_json_text_is_accepted() -> None:
    text = json.dumps(doc(allow("s3:GetObject")))
    policy = parse_policy(text, name="text", kind=PolicyKind.IDENTITY)
    assert len(policy.statements) == 1


def test_url_encoded_json_text_is_accepted() -> None:
    # IAM's GetRolePolicy/GetPolicyVersion return URL-encoded documents.
    text = urllib.parse.quote(json.dumps(doc(allow("s3:GetObject"))))
    policy = parse_policy(text, name="encoded", kind=PolicyKind.IDENTITY)
    assert policy.statements[0].effect == "Allow"


def test_version_may_be_2008_or_absent() -> None:
    for version in ("2008-10-17", None):
        assert verdict(identity=[doc(allow(), version=version)]) is Verdict.ALLOW


def test_unknown_statement_element_is_an_error() -> None:
    # "Resources" (a typo) is not an element; AWS rejects the document.
    bad = {"Effect": "Allow", "Action": "s3:GetObject", "Resources": "*"}
    with pytest.raises(PolicyParseError) as info:
        parse_policy(doc(bad), name="typo", kind=PolicyKind.IDENTITY)
    assert info.value.path.startswith("Statement[0]")


@pytest.mark.parametrize(
    "principal",
    [
        "*",
        {"AWS": "*"},
        {"AWS": ["*"]},
        {"AWS": ROLE},
        {"AWS": [f"arn:aws:iam::{OTHER_ACCOUNT}:root", ROLE]},
    ],
)
def test_principal_forms_that_grant_the_role_directly(principal: object) -> None:
    policy = doc(allow("s3:GetObject", f"{BUCKET}/*", Principal=principal))
    assert verdict(resource_policy=policy) is Verdict.ALLOW


@pytest.mark.parametrize(
    "principal",
    [
        {"AWS": ACCOUNT},
        {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        {"AWS": [ACCOUNT]},
    ],
)
def test_account_principal_forms_delegate(principal: object) -> None:
    policy = doc(allow("s3:GetObject", f"{BUCKET}/*", Principal=principal))
    assert verdict(resource_policy=policy) is Verdict.IMPLICIT_DENY
    assert verdict(identity=[doc(allow())], resource_policy=policy) is Verdict.ALLOW


@pytest.mark.parametrize(
    "principal",
    [
        {"Service": "ec2.amazonaws.com"},
        {"Federated": "arn:aws:iam::111122223333:saml-provider/corp"},
        {"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
        {"AWS": f"arn:aws:iam::{ACCOUNT}:role/other"},
    ],
)
def test_principal_forms_that_do_not_name_the_role(principal: object) -> None:
    policy = doc(allow("s3:GetObject", f"{BUCKET}/*", Principal=principal))
    assert verdict(resource_policy=policy) is Verdict.IMPLICIT_DENY


def test_sid_and_id_do_not_change_the_decision() -> None:
    plain = doc(allow())
    named = {"Version": "2012-10-17", "Id": "policy-1",
             "Statement": [{"Sid": "Anything1", **allow()}]}
    assert verdict(identity=[plain]) is verdict(identity=[named]) is Verdict.ALLOW


def test_parsed_policy_is_reusable_across_requests() -> None:
    # Compiled once, decided many times: the same Policy object gives each request its answer.
    policy = parse_policy(doc(allow("s3:Get*", f"{BUCKET}/*")), name="p",
                          kind=PolicyKind.IDENTITY)
    principal = PrincipalPolicies(identity=(policy,))
    answers = [
        evaluate(Request(ROLE, action, f"{BUCKET}/k{i}", ACCOUNT), principal).verdict
        for i in range(3)
        for action in ("s3:GetObject", "s3:PutObject")
    ]
    assert answers == [Verdict.ALLOW, Verdict.IMPLICIT_DENY] * 3
