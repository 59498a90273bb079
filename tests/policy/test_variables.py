"""Policy variables in Resource and Condition values.

AWS IAM User Guide, "IAM policy elements: Variables and tags": variables are replaced only when
the policy's Version is 2012-10-17 (with 2008-10-17 or no Version they are literal text); a
variable whose key has no value makes the element match nothing; `${*}`, `${?}` and `${$}`
stand for the literal characters; `${key, 'default'}` supplies a default value; key names in
variables are case-insensitive like all condition key names.
"""

from __future__ import annotations

from graph.policy import Verdict

from .helpers import BUCKET, allow, doc, verdict

TEAM_PREFIX = f"{BUCKET}/${{aws:PrincipalTag/team}}/*"


def get(key: str, policy: dict, **kwargs: object) -> Verdict:
    return verdict("s3:GetObject", f"{BUCKET}/{key}", identity=[policy], **kwargs)


def test_principal_tag_variable_in_resource() -> None:
    policy = doc(allow("s3:GetObject", TEAM_PREFIX))
    assert get("alpha/plan.txt", policy, principal_tags={"team": "alpha"}) is Verdict.ALLOW
    assert get("beta/plan.txt", policy,
               principal_tags={"team": "alpha"}) is Verdict.IMPLICIT_DENY


def test_variables_are_literal_under_version_2008() -> None:
    policy = doc(allow("s3:GetObject", TEAM_PREFIX), version="2008-10-17")
    tags = {"team": "alpha"}
    assert get("alpha/plan.txt", policy, principal_tags=tags) is Verdict.IMPLICIT_DENY
    assert get("${aws:PrincipalTag/team}/plan.txt", policy,
               principal_tags=tags) is Verdict.ALLOW


def test_variables_are_literal_without_version() -> None:
    policy = doc(allow("s3:GetObject", TEAM_PREFIX), version=None)
    assert get("alpha/plan.txt", policy,
               principal_tags={"team": "alpha"}) is Verdict.IMPLICIT_DENY


def test_variable_with_no_value_matches_nothing_in_resource() -> None:
    # aws:username never exists for a role, so home/${aws:username}/* matches no object,
    # not even one whose key is literally "home//x" or "home/${aws:username}/x".
    policy = doc(allow("s3:GetObject", f"{BUCKET}/home/${{aws:username}}/*"))
    assert get("home/app/x", policy) is Verdict.IMPLICIT_DENY
    assert get("home//x", policy) is Verdict.IMPLICIT_DENY
    assert get("home/${aws:username}/x", policy) is Verdict.IMPLICIT_DENY


def test_variable_with_no_value_in_condition_matches_nothing() -> None:
    policy = doc(allow("s3:ListBucket", BUCKET,
                       Condition={"StringLike": {"s3:prefix": "home/${aws:username}/*"}}))
    result = verdict("s3:ListBucket", BUCKET, identity=[policy],
                     context={"s3:prefix": "home//x"})
    assert result is Verdict.IMPLICIT_DENY


def test_variable_in_condition_value_compares_to_other_key() -> None:
    # Principal tag must equal the object's tag (ABAC pattern from the same page).
    policy = doc(allow("s3:GetObject", "*", Condition={
        "StringEquals": {"aws:ResourceTag/project": "${aws:PrincipalTag/project}"}}))
    assert verdict(identity=[policy], principal_tags={"project": "blue"},
                   resource_tags={"project": "blue"}) is Verdict.ALLOW
    assert verdict(identity=[policy], principal_tags={"project": "blue"},
                   resource_tags={"project": "green"}) is Verdict.IMPLICIT_DENY


def test_variable_from_request_context() -> None:
    policy = doc(allow("s3:GetObject", f"{BUCKET}/vpce/${{aws:SourceVpce}}/*"))
    assert get("vpce/vpce-1a2b/x", policy,
               context={"aws:SourceVpce": "vpce-1a2b"}) is Verdict.ALLOW
    assert get("vpce/vpce-9999/x", policy,
               context={"aws:SourceVpce": "vpce-1a2b"}) is Verdict.IMPLICIT_DENY


def test_derived_principal_account_variable() -> None:
    policy = doc(allow("s3:GetObject", "arn:aws:s3:::logs-${aws:PrincipalAccount}/*"))
    assert verdict("s3:GetObject", "arn:aws:s3:::logs-111122223333/a.log",
                   identity=[policy]) is Verdict.ALLOW
    assert verdict("s3:GetObject", "arn:aws:s3:::logs-444455556666/a.log",
                   identity=[policy]) is Verdict.IMPLICIT_DENY


def test_variable_key_name_is_case_insensitive() -> None:
    policy = doc(allow("s3:GetObject", f"{BUCKET}/${{AWS:principaltag/TEAM}}/*"))
    assert get("alpha/x", policy, principal_tags={"team": "alpha"}) is Verdict.ALLOW


def test_star_variable_is_a_literal_asterisk() -> None:
    policy = doc(allow("s3:GetObject", f"{BUCKET}/file${{*}}name"))
    assert get("file*name", policy) is Verdict.ALLOW
    assert get("fileXname", policy) is Verdict.IMPLICIT_DENY


def test_question_variable_is_a_literal_question_mark() -> None:
    policy = doc(allow("s3:GetObject", f"{BUCKET}/file${{?}}name"))
    assert get("file?name", policy) is Verdict.ALLOW
    assert get("fileXname", policy) is Verdict.IMPLICIT_DENY


def test_dollar_variable_is_a_literal_dollar() -> None:
    policy = doc(allow("s3:GetObject", f"{BUCKET}/price${{$}}list"))
    assert get("price$list", policy) is Verdict.ALLOW


def test_special_characters_in_condition_values() -> None:
    policy = doc(allow("s3:GetObject", "*",
                       Condition={"StringLike": {"s3:prefix": "report${*}"}}))
    assert verdict(identity=[policy], context={"s3:prefix": "report*"}) is Verdict.ALLOW
    assert verdict(identity=[policy],
                   context={"s3:prefix": "report-2025"}) is Verdict.IMPLICIT_DENY


def test_default_value_used_when_key_missing() -> None:
    policy = doc(allow("s3:GetObject", f"{BUCKET}/${{aws:PrincipalTag/team, 'shared'}}/*"))
    assert get("shared/x", policy) is Verdict.ALLOW
    assert get("alpha/x", policy) is Verdict.IMPLICIT_DENY


def test_default_value_ignored_when_key_present() -> None:
    policy = doc(allow("s3:GetObject", f"{BUCKET}/${{aws:PrincipalTag/team, 'shared'}}/*"))
    tags = {"team": "alpha"}
    assert get("alpha/x", policy, principal_tags=tags) is Verdict.ALLOW
    assert get("shared/x", policy, principal_tags=tags) is Verdict.IMPLICIT_DENY


def test_default_value_for_username_of_a_role() -> None:
    policy = doc(allow("s3:GetObject", f"{BUCKET}/home/${{aws:username, 'guest'}}/*"))
    assert get("home/guest/x", policy) is Verdict.ALLOW


def test_default_value_in_condition() -> None:
    policy = doc(allow("s3:GetObject", "*", Condition={
        "StringEquals": {"aws:ResourceTag/owner": "${aws:PrincipalTag/owner, 'nobody'}"}}))
    assert verdict(identity=[policy], resource_tags={"owner": "nobody"}) is Verdict.ALLOW
    assert verdict(identity=[policy], resource_tags={"owner": "ops"}) is Verdict.IMPLICIT_DENY


def test_variable_in_deny_resource() -> None:
    # Deny everything outside the caller's team prefix (a Deny + NotResource with a variable).
    policy = doc(
        allow("s3:GetObject", f"{BUCKET}/*"),
        {"Effect": "Deny", "Action": "s3:GetObject", "NotResource": TEAM_PREFIX},
    )
    tags = {"team": "alpha"}
    assert get("alpha/x", policy, principal_tags=tags) is Verdict.ALLOW
    assert get("beta/x", policy, principal_tags=tags) is Verdict.EXPLICIT_DENY


def test_variables_in_condition_values_are_literal_under_version_2008() -> None:
    policy = doc(allow("s3:GetObject", "*", Condition={
        "StringEquals": {"aws:ResourceTag/owner": "${aws:PrincipalTag/owner}"}}),
        version="2008-10-17")
    tags = {"owner": "ops"}
    assert verdict(identity=[policy], principal_tags=tags,
                   resource_tags=tags) is Verdict.IMPLICIT_DENY
    assert verdict(identity=[policy], principal_tags=tags,
                   resource_tags={"owner": "${aws:PrincipalTag/owner}"}) is Verdict.ALLOW


def test_variable_in_arn_condition_value() -> None:
    policy = doc(allow("s3:GetObject", "*", Condition={
        "ArnLike": {"aws:SourceArn": "arn:aws:sns:*:${aws:PrincipalAccount}:*"}}))
    assert verdict(identity=[policy], context={
        "aws:SourceArn": "arn:aws:sns:eu-west-1:111122223333:alerts"}) is Verdict.ALLOW
    assert verdict(identity=[policy], context={
        "aws:SourceArn": "arn:aws:sns:eu-west-1:444455556666:alerts"}) is Verdict.IMPLICIT_DENY
