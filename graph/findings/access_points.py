"""Access points whose policy lets anyone in: one finding per point.

A point is public when its policy grants `*` with no limiting condition (S3's "The meaning of
public": a condition on the caller's account, VPC, endpoint, source or the access-point keys
limits it), its network origin is the internet, and neither its own Block Public Access nor
the account's restricts public policies (RestrictPublicBuckets). Whether anyone gets through
today also depends on the bucket's policy (a point's grant counts only where the bucket
delegates or grants the same): the decided public path says so, and sets the severity.
"""

from __future__ import annotations

from collections.abc import Iterator

from graph.access.decide.gates.access_point import public_statement
from graph.access.model import unique_refs
from graph.findings.context import FindingContext, verbs
from graph.findings.exposure import ExposureSummary, severity_for
from graph.findings.model import Finding, PathStep, Severity, finding_id
from graph.model_common import BlockPublicAccess
from graph.model_s3 import AccessPoint
from graph.policy import StatementRef
from graph.policy.document import Policy

CATEGORY = "public-access-point"


def public_point_findings(ctx: FindingContext) -> Iterator[Finding]:
    g = ctx.graph
    account_bpa = ctx.snapshot.account.public_access_block or BlockPublicAccess()
    for point in ctx.snapshot.access_points or ():
        if point.vpc_only or point.bucket_account_id:
            continue
        own = point.public_access_block
        if own is None or own.restrict_public_buckets or account_bpa.restrict_public_buckets:
            continue  # unread settings are not a finding: the load warning names them
        doc = g.points.gate.policy(point)
        if not isinstance(doc, Policy):
            continue
        statements = _public_statements(doc)
        if not statements:
            continue
        through = [a for p in g.points.public_paths(point.bucket, (point,)) for a in p.granted]
        names = sorted(a.action for a in through)
        yield _finding(point, statements, names)


def _public_statements(doc: Policy) -> tuple[StatementRef, ...]:
    return unique_refs(s.ref for s in doc.statements
                       if not s.deny and not s.not_principal and s.principal is not None
                       and s.principal.any and public_statement(s.raw))


def _finding(point: AccessPoint, statements: tuple[StatementRef, ...], names: list[str]
             ) -> Finding:
    labels = ", ".join(s.label for s in statements)
    if names:
        what = verbs(names)
        title = (f"access point {point.name} ({point.bucket}): anyone can {what} "
                 f"({len(names)} action(s)) through it")
        severity = severity_for(ExposureSummary.of({point.bucket: names}), audience="public",
                                limited=False)
        detail = (f"{point.arn} (network origin Internet, its Block Public Access does not "
                  "restrict public policies)",)
    else:
        title = (f"access point {point.name} ({point.bucket}) has a public policy (the "
                 "bucket's policy does not let it through today)")
        severity = Severity.LOW
        detail = (f"{point.arn}: {labels} grants \"*\"; the bucket policy would let it "
                  "through once it delegates to access points",)
    fix = (f"remove or narrow {labels} (its Principal, or a Condition on aws:PrincipalAccount "
           "or aws:SourceVpce); or turn on the account's Block Public Access "
           "(RestrictPublicBuckets), since a point's own settings cannot change after creation")
    return Finding(
        finding_id(CATEGORY, point.arn), severity, CATEGORY, title, fix,
        bucket=point.bucket, principal=point.arn, actions=tuple(names), evidence=statements,
        detail=detail,
        path=(PathStep("public", f"bucket:{point.bucket}",
                       f"through access point {point.name}", statements),),
        view=("bucket", point.bucket))
