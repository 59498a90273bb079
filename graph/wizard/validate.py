"""AWS's documented rules for a new role, checked before anything is sent.

The limits come from the IAM API model (CreateRole, Tag, PutRolePolicy shapes in botocore's
service definition) and the IAM quotas page: role names 1-64 of `[\\w+=,.@-]`, paths `/` or
`/.../` of printable ASCII up to 512, descriptions up to 1,000, 50 tags with keys 1-128 and
values 0-256 of letters, digits, spaces and `_.:/=+-@`, no `aws:` key prefix, session duration
3,600-43,200 s, 10 managed policies per role, trust policy 2,048 characters and a role's inline
policies 10,240 characters (white space not counted). moto enforces none of this, and an error
from AWS halfway through creating the role is worse than a message before the first call.

Each issue names the wizard step it belongs to, so the app can validate one step at a time.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from graph.errors import RolemapError
from graph.model import AccountSnapshot
from graph.wizard.calls import CREATION_TAG
from graph.wizard.documents import inline_policy, policy_size, trust_policy
from graph.wizard.plan import RolePlan

# Steps of the wizard, in order.
STEP_TRUST = "trust"
STEP_PERMISSIONS = "permissions"
STEP_BOUNDARY = "boundary"
STEP_DETAILS = "details"
STEPS: tuple[str, ...] = (STEP_TRUST, STEP_PERMISSIONS, STEP_BOUNDARY, STEP_DETAILS)

ROLE_NAME_MAX = 64
PATH_MAX = 512
DESCRIPTION_MAX = 1000
TAGS_MAX = 50
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256
SESSION_MIN, SESSION_MAX = 3600, 43200
MANAGED_POLICIES_MAX = 10
TRUST_POLICY_MAX = 2048
INLINE_POLICIES_MAX = 10240
EXTERNAL_ID_MIN, EXTERNAL_ID_MAX = 2, 1224

_NAME = re.compile(r"[A-Za-z0-9_+=,.@-]+")
_PATH = re.compile(r"/|/[\x21-\x7e]+/")
_DESCRIPTION = re.compile(r"[\t\n\r\x20-\x7e\xa1-\xff]*")
# Tag keys and values: Unicode letters (L), separators (Z), numbers (N) and _.:/=+-@
_TAG_EXTRA = set("_.:/=+-@")
_EXTERNAL_ID = re.compile(r"[A-Za-z0-9_+=,.@:/-]+")
_ACCOUNT = re.compile(r"\d{12}")
_SERVICE = re.compile(r"[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?")
_POLICY_ARN = re.compile(r"arn:aws[a-z-]*:iam::(aws|\d{12}):policy/([\x21-\x7e]+/)?[\w+=,.@-]+")
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:(root|role/([\x21-\x7e]+/)?[\w+=,.@-]+)")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


@dataclass(frozen=True)
class ValidationIssue:
    """One broken rule: the wizard step, the field, and a message a person can act on."""

    step: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class PlanInvalid(RolemapError):
    """The plan breaks one of AWS's rules; carries every issue, the message names the first."""

    def __init__(self, issues: list[ValidationIssue]) -> None:
        self.issues = issues
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        super().__init__(f"{issues[0]}{more}")


def _tag_chars_ok(text: str) -> bool:
    return all(
        ch in _TAG_EXTRA or unicodedata.category(ch)[0] in "LZN" for ch in text
    )


def validate_trust(plan: RolePlan) -> list[ValidationIssue]:
    issues: list[ValidationIssue] = []

    def add(field: str, message: str) -> None:
        issues.append(ValidationIssue(STEP_TRUST, field, message))

    if not plan.trusted_services and not plan.trusted_principals:
        add("trust", "choose at least one service or account that may assume the role")
    for service in plan.trusted_services:
        if not _SERVICE.fullmatch(service):
            add("trust", f"{service!r} is not a service principal (like ec2.amazonaws.com)")
    for principal in plan.trusted_principals:
        known = _ACCOUNT.fullmatch(principal) or _ROLE_ARN.fullmatch(principal)
        if principal != "*" and not known:
            add("trust", f"{principal!r} is not an account id, account root ARN or role ARN")
    for cond in plan.trust_conditions:
        if not cond.values:
            add("trust condition", f"{cond.key} needs a value")
        if cond.key.lower() == "sts:externalid":
            for value in cond.values:
                if not (EXTERNAL_ID_MIN <= len(value) <= EXTERNAL_ID_MAX
                        and _EXTERNAL_ID.fullmatch(value)):
                    add("trust condition", f"external id {value!r} must be 2-1224 characters "
                        "of letters, digits and +=,.@:/-")
        if cond.key.lower() == "aws:sourceaccount":
            for value in cond.values:
                if not _ACCOUNT.fullmatch(value):
                    add("trust condition", f"aws:SourceAccount {value!r} is not a 12-digit id")
    if not issues:
        size = policy_size(trust_policy(plan))
        if size > TRUST_POLICY_MAX:
            add("trust", f"trust policy is {size} characters, over IAM's {TRUST_POLICY_MAX}")
    return issues


def validate_permissions(plan: RolePlan) -> list[ValidationIssue]:
    issues: list[ValidationIssue] = []

    def add(field: str, message: str) -> None:
        issues.append(ValidationIssue(STEP_PERMISSIONS, field, message))

    seen: set[tuple[str, str]] = set()
    for grant in plan.grants:
        if not _BUCKET.fullmatch(grant.bucket) or ".." in grant.bucket:
            add("grant", f"{grant.bucket!r} is not a valid bucket name (3-63 of a-z 0-9 . -)")
        if grant.is_empty:
            add("grant", f"choose a task (or actions) for {grant.bucket}")
        if grant.prefix.startswith("/"):
            add("grant", f"prefix {grant.prefix!r} of {grant.bucket}: S3 keys do not start with /")
        if "${" in grant.prefix:
            add("grant", f"prefix {grant.prefix!r} of {grant.bucket}: '${{' is a policy variable")
        if (grant.bucket, grant.prefix) in seen:
            add("grant", f"{grant.bucket}/{grant.prefix} is granted twice; combine the tasks")
        seen.add((grant.bucket, grant.prefix))
    for arn in plan.managed_policy_arns:
        if not _POLICY_ARN.fullmatch(arn):
            add("managed policy", f"{arn!r} is not a managed policy ARN")
    if len(set(plan.managed_policy_arns)) != len(plan.managed_policy_arns):
        add("managed policy", "a managed policy is attached twice")
    if len(plan.managed_policy_arns) > MANAGED_POLICIES_MAX:
        add("managed policy", f"{len(plan.managed_policy_arns)} managed policies; a role takes "
            f"at most {MANAGED_POLICIES_MAX} by default")
    document = inline_policy(plan)
    if not issues and document is not None:
        size = policy_size(document)
        if size > INLINE_POLICIES_MAX:
            add("grant", f"permission policy is {size} characters, over IAM's "
                f"{INLINE_POLICIES_MAX} for a role's inline policies")
    return issues


def validate_boundary(plan: RolePlan) -> list[ValidationIssue]:
    if plan.boundary_arn is not None and not _POLICY_ARN.fullmatch(plan.boundary_arn):
        return [ValidationIssue(STEP_BOUNDARY, "boundary",
                                f"{plan.boundary_arn!r} is not a managed policy ARN")]
    return []


def validate_details(plan: RolePlan, snapshot: AccountSnapshot | None) -> list[ValidationIssue]:
    issues: list[ValidationIssue] = []

    def add(field: str, message: str) -> None:
        issues.append(ValidationIssue(STEP_DETAILS, field, message))

    if not 1 <= len(plan.name) <= ROLE_NAME_MAX:
        add("name", f"role name must be 1-{ROLE_NAME_MAX} characters (got {len(plan.name)})")
    elif not _NAME.fullmatch(plan.name):
        add("name", f"role name {plan.name!r} may use only letters, digits and _+=,.@-")
    if len(plan.path) > PATH_MAX or not _PATH.fullmatch(plan.path):
        add("path", f"path {plan.path!r} must be / or /text/ of printable ASCII, "
            f"at most {PATH_MAX} characters")
    if len(plan.description) > DESCRIPTION_MAX:
        add("description", f"description is {len(plan.description)} characters "
            f"(at most {DESCRIPTION_MAX})")
    elif not _DESCRIPTION.fullmatch(plan.description):
        add("description", "description may use only printable Latin-1 characters")
    if not SESSION_MIN <= plan.max_session_duration <= SESSION_MAX:
        add("max session duration", f"{plan.max_session_duration} s is outside "
            f"{SESSION_MIN}-{SESSION_MAX} s (1 to 12 hours)")
    issues.extend(_tag_issues(plan))
    if snapshot is not None and _NAME.fullmatch(plan.name):
        taken = {r.name.lower(): r for r in snapshot.roles}
        if plan.name.lower() in taken:
            existing = taken[plan.name.lower()]
            add("name", f"a role named {existing.name!r} already exists in account "
                f"{snapshot.account_id} (IAM names ignore case)")
        profile = plan.instance_profile_name
        profiles = {p.name.lower(): p for p in snapshot.instance_profiles}
        if profile is not None and profile.lower() in profiles:
            add("name", f"an instance profile named {profiles[profile.lower()].name!r} already "
                f"exists in account {snapshot.account_id} (IAM names ignore case)")
    return issues


def _tag_issues(plan: RolePlan) -> list[ValidationIssue]:
    issues: list[ValidationIssue] = []

    def add(message: str) -> None:
        issues.append(ValidationIssue(STEP_DETAILS, "tags", message))

    if len(plan.tags) > TAGS_MAX - 1:
        add(f"{len(plan.tags)} tags; a role takes at most {TAGS_MAX}, one of them "
            f"rolemap's {CREATION_TAG}")
    keys: set[str] = set()
    for key, value in plan.tags:
        if not 1 <= len(key) <= TAG_KEY_MAX:
            add(f"tag key {key!r} must be 1-{TAG_KEY_MAX} characters")
        elif not _tag_chars_ok(key):
            add(f"tag key {key!r} may use only letters, digits, spaces and _.:/=+-@")
        if key.lower().startswith("aws:"):
            add(f"tag key {key!r}: the aws: prefix is reserved for AWS")
        if key == CREATION_TAG:
            add(f"tag key {key!r} is rolemap's own: it marks what a create made")
        if len(value) > TAG_VALUE_MAX:
            add(f"tag {key!r}: value must be at most {TAG_VALUE_MAX} characters")
        elif not _tag_chars_ok(value):
            add(f"tag {key!r}: value may use only letters, digits, spaces and _.:/=+-@")
        if key in keys:
            add(f"tag key {key!r} is given twice")
        keys.add(key)
    return issues


def validate_step(step: str, plan: RolePlan,
                  snapshot: AccountSnapshot | None = None) -> list[ValidationIssue]:
    """The issues of one wizard step (what must be fixed before Next)."""
    if step == STEP_TRUST:
        return validate_trust(plan)
    if step == STEP_PERMISSIONS:
        return validate_permissions(plan)
    if step == STEP_BOUNDARY:
        return validate_boundary(plan)
    if step == STEP_DETAILS:
        return validate_details(plan, snapshot)
    raise ValueError(f"unknown wizard step {step!r}")


def validate(plan: RolePlan, snapshot: AccountSnapshot | None = None) -> list[ValidationIssue]:
    """Every issue of the plan, in step order; an empty list means AWS should accept it."""
    return [issue for step in STEPS for issue in validate_step(step, plan, snapshot)]


def check(plan: RolePlan, snapshot: AccountSnapshot | None = None) -> RolePlan:
    """The plan itself when valid; raises PlanInvalid (a one-line message) otherwise."""
    issues = validate(plan, snapshot)
    if issues:
        raise PlanInvalid(issues)
    return plan
