"""An S3 access point: a second door to a bucket, with its own policy, origin and BPA.

AWS ("Configuring IAM policies for using access points", "Delegating access control to access
points", "Access point compatibility"): a request through an access point names the point's
ARN (`arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME`, objects under `.../object/KEY`), and both
the point and the underlying bucket must permit it:

- the *point* layer: the caller's identity policies (on the point's ARN) with the point's
  policy, by the usual rules (in one account either grants; across accounts both must);
- the *bucket* layer: the same identity statements with the bucket policy, decided on the
  bucket's ARN with the point's keys in the context (`s3:DataAccessPointArn`,
  `s3:DataAccessPointAccount`, `s3:AccessPointNetworkOrigin`): a bucket that delegates
  (`Principal: *` with `s3:DataAccessPointAccount` = the owner) lets the point's policy decide;
- an explicit deny in either wins; the bucket's other gates (its RCPs, the KMS key) limit as
  they do a direct request;
- a VPC-origin point answers only requests from its VPC, i.e. through an endpoint of that VPC
  (the network path, decide/network.py); the public on the internet never reaches it;
- Block Public Access of the point, of the account and of the bucket: RestrictPublicBuckets
  confines a *public* policy's grants (one granting `*` with no limiting condition) to the
  owner account; the delegation pattern is not public.

A direct request carries none of the point's keys: `DIRECT` gives them as absent, so a bucket
policy statement conditioned on them (the delegation) is decided, not left conditional, and
grants nothing to a direct request.

Requests through a point are their own paths, asked per instance × point or role × point by
query/access_points.py: `applies` is False for the bucket's own questions, whose answers stay
as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType

from graph.access.compile.acl import effective_block
from graph.access.compile.index import key_prefix_label
from graph.access.compile.policies import RolePolicies
from graph.access.decide.combine import limited, may_deny, may_grant, unread
from graph.access.decide.gate import Documents, Gate, Question, Stage, Unread
from graph.access.model import OUTCOME_RANK, ActionAccess, unique_conditions, unique_refs
from graph.catalog import S3Action, s3_actions
from graph.errors import PolicyParseError
from graph.model_common import BlockPublicAccess
from graph.model_s3 import AccessPoint
from graph.policy import Decision, Outcome, PolicyKind, Request, Verdict
from graph.policy.document import Policy, parse_policy
from graph.policy.evaluate import caller_hits, combine, resource_hits
from graph.policy.hits import Hit
from graph.policy.principals import GrantKind
from graph.policy.request import ContextValue

POINT_ARN = "s3:dataaccesspointarn"
POINT_ACCOUNT = "s3:dataaccesspointaccount"
POINT_ORIGIN = "s3:accesspointnetworkorigin"
#: A direct request's access-point keys: absent (see the module docstring).
DIRECT: Mapping[str, ContextValue] = MappingProxyType(
    {POINT_ARN: (), POINT_ACCOUNT: (), POINT_ORIGIN: ()})

#: Bucket-level operations an access point serves (the rest of its operations are on objects).
_BUCKET_ACTIONS = frozenset({
    "s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads",
    "s3:GetBucketLocation", "s3:GetBucketAcl", "s3:GetBucketCORS", "s3:GetBucketNotification",
    "s3:GetBucketPolicy"})
#: Object operations an access point serves ("Access point compatibility").
_OBJECT_ACTIONS = frozenset({
    "s3:AbortMultipartUpload", "s3:DeleteObject", "s3:DeleteObjectVersion",
    "s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging", "s3:GetObject",
    "s3:GetObjectVersion", "s3:GetObjectAcl", "s3:GetObjectVersionAcl", "s3:GetObjectAttributes",
    "s3:GetObjectVersionAttributes", "s3:GetObjectLegalHold", "s3:GetObjectRetention",
    "s3:GetObjectTagging", "s3:GetObjectVersionTagging", "s3:ListMultipartUploadParts",
    "s3:PutObject", "s3:PutObjectAcl", "s3:PutObjectVersionAcl", "s3:PutObjectLegalHold",
    "s3:PutObjectRetention", "s3:PutObjectTagging", "s3:PutObjectVersionTagging",
    "s3:RestoreObject"})

#: Condition keys that make a grant to "*" not public (S3's "The meaning of public"), the
#: access-point keys among them: the delegation pattern is not public.
LIMITING_KEYS = frozenset({
    "aws:sourceip", "aws:sourcevpc", "aws:sourcevpce", "aws:vpcsourceip", "aws:sourcearn",
    "aws:sourceaccount", "aws:sourceowner", "aws:sourceorgid", "aws:sourceorgpaths",
    "aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn",
    "aws:userid", "s3:dataaccesspointarn", "s3:dataaccesspointaccount",
    "s3:x-amz-server-side-encryption-aws-kms-key-id"})


def point_actions() -> tuple[S3Action, ...]:
    """The catalogue's actions an access point serves, in catalogue order."""
    return tuple(a for a in s3_actions()
                 if a.name in (_OBJECT_ACTIONS if a.scope == "object" else _BUCKET_ACTIONS))


def point_keys(point: AccessPoint) -> dict[str, ContextValue]:
    """What S3 puts in the context of a request through `point`."""
    return {POINT_ARN: point.arn, POINT_ACCOUNT: point.account_id,
            POINT_ORIGIN: "VPC" if point.vpc_only else "Internet"}


def point_resource(point: AccessPoint, bucket_arn: str, resource: str) -> str:
    """The bucket resource `resource` as named through the point."""
    if resource == bucket_arn:
        return point.arn
    return f"{point.arn}/object/{resource[len(bucket_arn) + 1:]}"


def public_statement(ref_raw: object) -> bool:
    """Whether a statement granting `*` is public: no condition on a limiting key."""
    if not isinstance(ref_raw, dict):
        return True
    cond = ref_raw.get("Condition")
    if not isinstance(cond, dict):
        return True
    keys = {k.lower() for body in cond.values() if isinstance(body, dict) for k in body}
    return not keys & LIMITING_KEYS


def _may_match(pattern: str, arn: str) -> bool:
    """Whether a Resource pattern may match `arn` or an ARN under it: its literal part (up to
    the first wildcard or policy variable) agrees with the ARN's start."""
    cut = min((i for i in (pattern.find("*"), pattern.find("?"), pattern.find("$"))
               if i >= 0), default=len(pattern))
    literal = pattern[:cut].lower()
    target = arn.lower()
    return target.startswith(literal) or (cut == len(pattern) and literal.startswith(target))


def could_pass(point: AccessPoint, doc: Policy | None, caller: RolePolicies | None) -> bool:
    """Whether anything could let `caller` (None: anyone) through the point's own layer: an
    Allow of the point's policy naming it (or anyone, or its account), or an identity Allow
    whose Resource may name the point. False is certain: every answer through it is denied.
    Lets who-can skip the roles no statement connects to the point."""
    account = caller.role.arn.split(":")[4] if caller is not None else None
    for st in doc.statements if doc is not None else ():
        if st.deny:
            continue
        ps = st.principal
        if st.not_principal or ps is None or ps.any or (caller is not None and (
                caller.role.arn in ps.arns or account in ps.accounts)):
            return True
    if caller is None:
        return False
    if caller.identity_unread:
        return True  # an unread identity policy may name the point
    for policy in caller.principal.identity:
        for st in policy.statements:
            if st.deny:
                continue
            if st.resources is None or st.not_resource or any(
                    _may_match(r, point.arn) for r in st.resources):
                return True
    return False


class AccessPointGate:
    """Requests through an access point (see the module docstring)."""

    name = "access point"
    stage = Stage.LIMIT
    reads = ("access points, their policies, network origin and Block Public Access "
             "(s3control ListAccessPoints, GetAccessPoint, GetAccessPointPolicy)",)

    def __init__(self) -> None:
        self._parsed: dict[int, Policy | str | None] = {}

    def applies(self, q: Question) -> bool:
        return False  # a point's requests are their own paths (query/access_points.py)

    def documents(self, q: Question) -> Documents:
        return Documents()

    def limit(self, q: Question, access: ActionAccess) -> ActionAccess | None:
        return None

    def unread(self, q: Question) -> Unread | None:
        return None

    def policy(self, point: AccessPoint) -> Policy | str | None:
        """The point's policy (None: it has none), or why it cannot be read."""
        key = id(point)
        if key in self._parsed:
            return self._parsed[key]
        found: Policy | str | None
        policy_unread = [u for u in point.unread if _is_policy(u.fact)]
        if policy_unread:
            found = "; ".join(u.reason for u in policy_unread)
        elif point.policy is None:
            found = None
        else:
            try:
                found = parse_policy(point.policy, f"access point {point.name}",
                                     PolicyKind.RESOURCE)
            except PolicyParseError as exc:
                found = str(exc)
        self._parsed[key] = found
        return found

    def decide(self, point: AccessPoint, q: Question, gates: Sequence[Gate]) -> ActionAccess:
        """One action through `point` (the network origin is the caller's to check: it needs
        the instance's path)."""
        action, bf = q.action, q.bucket
        arn = bf.bucket.arn
        resource = arn if action.scope == "bucket" else f"{arn}/*"
        doc = self.policy(point)
        if isinstance(doc, str):
            return ActionAccess(action.name, action.level, action.scope, Outcome.UNKNOWN, (
                f"the policy of access point {point.name} could not be read ({doc})",))
        context = {**q.context, **point_keys(point)}
        caller = q.caller
        bucket_policy = bf.policies.policy.policy if bf.policies.policy is not None else None
        who = caller.role.arn if caller is not None else None
        tags = caller.role.tags if caller is not None else {}

        def one(resource: str) -> tuple[ActionAccess, tuple[Hit, ...], tuple[Hit, ...],
                                        Decision, Decision]:
            at_point = Request(who, action.name, point_resource(point, arn, resource),
                               point.account_id, context, tags, partial=True)
            at_bucket = Request(who, action.name, resource, q.account.account_id, context,
                                tags, partial=True)
            side = caller_hits(at_point, caller.principal) if caller is not None \
                else caller_hits(at_point)
            point_hits = resource_hits(at_point, doc, side.has_boundary)
            bucket_hits = resource_hits(at_bucket, bucket_policy, side.has_boundary)
            d_point = combine(at_point, side, point_hits)
            d_bucket = combine(at_bucket, side, bucket_hits)
            return (_both(action, point, d_point, d_bucket), point_hits, bucket_hits, d_point,
                    d_bucket)

        access, point_hits, bucket_hits, d_point, d_bucket = one(resource)
        if action.scope == "object" and not access.granted:
            # A grant limited to object-key prefixes the point's policy names.
            for part in _object_parts(doc, point):
                got = one(f"{arn}/{part}")
                if got[0].granted:
                    label = key_prefix_label(part)
                    a = got[0]
                    if access.granted:
                        a = ActionAccess(a.action, a.level, a.scope, max(
                            (a.outcome, access.outcome), key=OUTCOME_RANK.__getitem__),
                            tuple(dict.fromkeys((*access.reasons, *a.reasons))),
                            unique_refs((*access.evidence, *a.evidence)),
                            unique_conditions((*access.conditions, *a.conditions)), None,
                            access.prefixes)
                    access = replace(a, prefixes=(*access.prefixes, label)) \
                        if access.granted else replace(a, prefixes=(label,))
                    point_hits, bucket_hits = point_hits + got[1], bucket_hits + got[2]
        if access.granted and caller is None:
            access = _public_limits(point, q, access, point_hits, bucket_hits) or access
        if access.granted:
            stopped = limited([g for g in gates if g.name != "Block Public Access"], q, access)
            if stopped is not None:
                access = stopped
        unreads = unread(gates, q)
        own = _point_unread(point)
        if own is not None:
            unreads = (*unreads, own)
        if unreads:
            why = may_deny(unreads) if access.granted else may_grant(
                unreads, d_bucket if d_point.outcome is not Outcome.DENIED else d_point,
                action.name, "this role" if caller is not None else "anyone")
            if why:
                return ActionAccess(access.action, access.level, access.scope,
                                    Outcome.UNKNOWN, why + access.reasons, access.evidence,
                                    access.conditions, access.blocked_by, access.prefixes)
        return access


def _object_parts(doc: Policy | None, point: AccessPoint) -> tuple[str, ...]:
    """Object-key parts the point's policy names (`.../object/reports/*` → "reports/*")."""
    head = f"{point.arn}/object/"
    found: list[str] = []
    for st in doc.statements if doc is not None else ():
        for r in st.resources or ():
            if r.startswith(head) and r[len(head):] not in ("", "*"):
                found.append(r[len(head):])
    return tuple(dict.fromkeys(found))


def _is_policy(fact: str) -> bool:
    """The loader's words for an unread point policy (the rest is its configuration)."""
    return fact.startswith("policy of access point")


def _point_unread(point: AccessPoint) -> Unread | None:
    config = [u for u in point.unread if not _is_policy(u.fact)]
    if not config:
        return None
    return Unread(said=tuple(f"the {u.fact} could not be read ({u.reason}): it may block "
                             "this" for u in config), may_deny=True)


def _both(action: S3Action, point: AccessPoint, d_point: Decision, d_bucket: Decision
          ) -> ActionAccess:
    """Both layers must grant; an explicit deny in either wins."""
    for d in (d_point, d_bucket):
        if d.outcome is Outcome.DENIED and d.verdict is Verdict.EXPLICIT_DENY:
            return ActionAccess(action.name, action.level, action.scope, Outcome.DENIED,
                                d.reasons, d.deciding, (), d.blocked_by)
    if d_point.outcome is Outcome.DENIED:
        why = (f"access point {point.name}: neither its policy nor an identity policy (on "
               f"the access point's ARN) allows {action.name}")
        return ActionAccess(action.name, action.level, action.scope, Outcome.DENIED,
                            (why,), (), (), d_point.blocked_by)
    if d_bucket.outcome is Outcome.DENIED:
        why = (f"the bucket policy does not allow {action.name} through access point "
               f"{point.name} (it does not delegate to access points: a statement for "
               f"Principal \"*\" with a Condition on s3:DataAccessPointAccount)")
        return ActionAccess(action.name, action.level, action.scope, Outcome.DENIED,
                            (why,), d_point.deciding, (), PolicyKind.RESOURCE)
    outcome = min((d_point.outcome, d_bucket.outcome), key=OUTCOME_RANK.__getitem__)
    reasons = tuple(dict.fromkeys((*d_point.reasons, *d_bucket.reasons)))
    return ActionAccess(action.name, action.level, action.scope, outcome, reasons,
                        unique_refs((*d_point.deciding, *d_bucket.deciding)),
                        unique_conditions((*d_point.conditions, *d_bucket.conditions)))


def _public_limits(point: AccessPoint, q: Question, access: ActionAccess,
                   point_hits: tuple[Hit, ...], bucket_hits: tuple[Hit, ...]
                   ) -> ActionAccess | None:
    """Block Public Access on an anonymous request granted through the point: the point's
    own and the account's settings confine a public point policy, the bucket's (and the
    account's) a public bucket policy (the delegation is not public)."""
    own = point.public_access_block
    if own is None and any(not _is_policy(u.fact) for u in point.unread):
        return None  # unread: _point_unread makes the answer unknown
    account_bpa = q.account.public_access_block or BlockPublicAccess()
    bucket_bpa, _ = effective_block(q.bucket.bucket, q.account)

    def public(hits: tuple[Hit, ...]) -> bool:
        return any(not h.deny and h.grant is GrantKind.ANY and public_statement(h.stmt.raw)
                   for h in hits)

    why = ""
    if public(point_hits) and ((own or BlockPublicAccess()).restrict_public_buckets
                               or account_bpa.restrict_public_buckets):
        where = "the access point's" if own is not None and own.restrict_public_buckets \
            else "the account's"
        why = (f"Block Public Access ({where} RestrictPublicBuckets) limits the public policy "
               f"of access point {point.name} to AWS services and the owner's account")
    elif public(bucket_hits) and bucket_bpa.restrict_public_buckets:
        why = ("Block Public Access (RestrictPublicBuckets) limits this public bucket policy "
               "to AWS services and the bucket owner's account")
    if not why:
        return None
    return ActionAccess(access.action, access.level, access.scope, Outcome.DENIED,
                        (why,) + access.reasons, access.evidence, (), PolicyKind.RESOURCE,
                        access.prefixes)
