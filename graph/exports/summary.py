"""The Markdown review: what a person reads, sized by causes and principals, not by cells.

A review listing every instance × bucket × level grew to 3.2 GB (8.2 million lines) on a
realistic 1,000-role account; nobody reads that. This one says, in order: the findings by
cause; the buckets anyone can reach; what other accounts are granted; every role by what it
exposes (instances counted); instances by exposure, grouped by the role they run as; and
every bucket with who reaches it, counted. Its size follows roles and buckets. The per-cell
tables are still there for who wants them, in a file of their own (`--detail FILE`).

Scoped to an instance, a role or a bucket, every section keeps only what concerns it (the
findings too): the roles the instance acts as, the buckets the role reaches, the roles and
instances that reach the bucket — and, for a bucket, who can reach it, by kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

from graph.access import AccessGraph
from graph.access.query.lookup import find_bucket, find_instance, find_role
from graph.exports.findings import write_markdown_findings
from graph.exports.review import write_who_can
from graph.exports.writers import source_words
from graph.findings import Finding, find
from graph.findings.context import FindingContext, listed, short
from graph.findings.exposure import Exposure, ExposureSummary
from graph.model import Instance
from graph.text import markdown

#: Critical and high findings drawn with their paths and statements (all are in the table).
DRAWN_FINDINGS = 50
#: Warnings listed before "… and N more" (each is also in the JSON export and the app).
SHOWN_WARNINGS = 20
#: Exposure classes as the roles table's columns, highest first.
_COLUMNS = (Exposure.PERMISSIONS, Exposure.WRITE, Exposure.READ, Exposure.LIST,
            Exposure.METADATA)
_HEADINGS = {Exposure.PERMISSIONS: "permissions", Exposure.WRITE: "write or delete",
             Exposure.READ: "read objects", Exposure.LIST: "list keys",
             Exposure.METADATA: "metadata only"}


@dataclass(frozen=True)
class Scope:
    """What the review is about: the whole account, or one instance, role or bucket."""

    kind: str
    key: str = ""
    #: Roles, buckets and instances it concerns (None: all of them).
    roles: frozenset[str] | None = None
    buckets: frozenset[str] | None = None
    instances: frozenset[str] | None = None

    def concerns(self, f: Finding) -> bool:
        """Whether a finding belongs in this review."""
        if self.kind == "account":
            return True
        nodes = {n for s in f.path for n in (s.source, s.target)}
        if self.kind == "bucket":
            return f.bucket == self.key or self.key in f.buckets or f"bucket:{self.key}" in nodes
        if self.kind == "instance":
            return f.instance == self.key or self.key in f.instances or \
                f"instance:{self.key}" in nodes
        return f.role == self.key or f"role:{self.key}" in nodes


def scope_of(ctx: FindingContext, instance: str | None, role: str | None,
             bucket: str | None) -> Scope:
    snapshot = ctx.snapshot
    if instance is not None:
        inst = find_instance(snapshot, instance)
        roles = frozenset(r for c in ctx.graph.instance_chains(inst) for r in c.roles)
        reach = ctx.union_reach(roles)
        return Scope("instance", inst.instance_id, roles, frozenset(reach),
                     frozenset({inst.instance_id}))
    if role is not None:
        arn = find_role(snapshot, role).arn
        acting = ctx.acting_instances.get(arn, ())
        return Scope("role", arn, frozenset({arn}), frozenset(ctx.role_reach(arn)),
                     frozenset(i.instance_id for i in acting))
    if bucket is not None:
        name = find_bucket(snapshot, bucket).name
        roles = frozenset(r.arn for r in snapshot.roles if name in ctx.role_reach(r.arn))
        instances = frozenset(i.instance_id for arn in roles
                              for i in ctx.acting_instances.get(arn, ()))
        return Scope("bucket", name, roles, frozenset({name}), instances)
    return Scope("account")


def write_review(out: TextIO, g: AccessGraph, *, instance: str | None = None,
                 role: str | None = None, bucket: str | None = None) -> int:
    """The review document; returns the table rows and list items written."""
    ctx = FindingContext(g)
    scope = scope_of(ctx, instance, role, bucket)
    snapshot = g.snapshot
    about = "" if scope.kind == "account" else f" — {scope.kind} {short(scope.key)}"
    out.write(f"# rolemap review: account {markdown(snapshot.account_id)}{markdown(about)}\n\n")
    out.write(f"Generated {datetime.now(UTC).isoformat(timespec='seconds')} from "
              f"{markdown(source_words(snapshot.source.kind, snapshot.source.label))}"
              + (f", taken {markdown(snapshot.taken_at)}" if snapshot.taken_at else "") + ".\n\n")
    context = ", ".join(f"`{markdown(k)}={markdown(v)}`" for k, v in sorted(g.assumed.items()))
    out.write(f"Assumed request context: {context}.\n\n" if context else
              "Assumed request context: none (conditional answers list their conditions).\n\n")
    count = _warnings(out, [str(w) for w in g.warnings])
    findings = [f for f in find(g) if scope.concerns(f)]
    write_markdown_findings(out, g, findings, drawn=DRAWN_FINDINGS)
    count += len(findings)
    public, others = grants(ctx, scope)
    count += _public(out, public)
    count += _other_accounts(out, others)
    count += _roles(out, ctx, scope)
    count += _instances(out, ctx, scope)
    count += _buckets(out, ctx, scope)
    if scope.kind == "bucket":
        write_who_can(out, g, [scope.key])
    out.write("\n---\n\nThe per-cell tables (every instance or role, bucket, level and outcome) "
              "are written on request: `rolemap export --format md --detail FILE`.\n")
    return count


def _warnings(out: TextIO, warnings: list[str]) -> int:
    if not warnings:
        return 0
    out.write(f"## Load warnings ({len(warnings)})\n\nThe answers they touch are *unknown*.\n\n")
    for w in warnings[:SHOWN_WARNINGS]:
        out.write(f"- {markdown(w)}\n")
    if len(warnings) > SHOWN_WARNINGS:
        out.write(f"- … and {len(warnings) - SHOWN_WARNINGS} more (all in the JSON export)\n")
    out.write("\n")
    return min(len(warnings), SHOWN_WARNINGS)


def _in(scope_set: frozenset[str] | None, name: str) -> bool:
    return scope_set is None or name in scope_set


@dataclass(frozen=True)
class Grant:
    """What a bucket policy or ACL grants outside the account: to anyone, or to a principal."""

    bucket: str
    #: "" for anyone; else "account", "service" … as the access graph names the kind.
    kind: str
    principal: str
    account: str
    actions: frozenset[str]
    granted_by: tuple[str, ...]


def grants(ctx: FindingContext, scope: Scope) -> tuple[list[Grant], list[Grant]]:
    """(public grants, other-account and service grants) of the scope's buckets: read once
    for the review's two sections and the JSON export's tail."""
    public: list[Grant] = []
    others: list[Grant] = []
    g = ctx.graph
    for b in ctx.snapshot.buckets:
        if not _in(scope.buckets, b.name):
            continue
        acts, refs = ctx.granted_view(g.public_access(b.name))
        if acts:
            by = tuple(r.label for r in g.own_evidence(b.name, refs))
            public.append(Grant(b.name, "", "*", "", acts, by))
        for p in g.external(b.name):
            acts, refs = ctx.granted_view(p.actions)
            if acts:
                by = tuple(r.label for r in g.own_evidence(b.name, refs))
                others.append(Grant(b.name, p.kind, p.name, p.id, acts, by))
    return public, others


def _public(out: TextIO, rows: list[Grant]) -> int:
    out.write(f"## Public buckets ({len(rows)})\n\n")
    if not rows:
        out.write("No bucket grants anything to anyone (after Block Public Access).\n\n")
        return 0
    out.write("| bucket | anyone can | granted by |\n|---|---|---|\n")
    for r in sorted(rows, key=lambda r: r.bucket):
        out.write(f"| {markdown(r.bucket)} | {markdown(listed(r.actions))} | "
                  f"{markdown(', '.join(r.granted_by[:3]))} |\n")
    out.write("\n")
    return len(rows)


def _other_accounts(out: TextIO, rows: list[Grant]) -> int:
    out.write(f"## Granted to other accounts and services ({len(rows)})\n\n"
              "Bucket policies and ACLs naming a principal outside the account; roles other "
              "accounts may assume are among the findings (cross-account).\n\n")
    if not rows:
        out.write("None.\n\n")
        return 0
    out.write("| bucket | principal | can |\n|---|---|---|\n")
    for r in sorted(rows, key=lambda r: (r.bucket, r.kind, r.principal)):
        out.write(f"| {markdown(r.bucket)} | {markdown(f'{r.kind} {r.principal}')} | "
                  f"{markdown(listed(r.actions))} |\n")
    out.write("\n")
    return len(rows)


def _counts(summary: ExposureSummary) -> list[str]:
    return [str(len(summary.by_class.get(c, ()))) for c in _COLUMNS]


def _roles(out: TextIO, ctx: FindingContext, scope: Scope) -> int:
    ranked = []
    for r in ctx.snapshot.roles:
        if not _in(scope.roles, r.arn):
            continue
        reach = ctx.role_reach(r.arn)
        if scope.buckets is not None and scope.kind != "role":
            reach = {b: a for b, a in reach.items() if b in scope.buckets}
        summary = ExposureSummary.of(reach)
        acting = ctx.acting_instances.get(r.arn, ())
        running = sum(1 for i in acting if i.state == "running")
        ranked.append((-summary.worst, -summary.data_buckets, -len(reach), r.name, summary,
                       len(acting), running))
    ranked.sort(key=lambda row: row[:4])
    out.write(f"## Roles by what they reach ({len(ranked)})\n\n"
              "Buckets counted once, in the highest class each is exposed to.\n\n")
    if not ranked:
        out.write("None.\n\n")
        return 0
    out.write("| role | instances (running) | " + " | ".join(_HEADINGS[c] for c in _COLUMNS)
              + " |\n|---|---|" + "---|" * len(_COLUMNS) + "\n")
    for *_, name, summary, acting, running in ranked:
        out.write(f"| {markdown(name)} | {acting} ({running}) | "
                  + " | ".join(_counts(summary)) + " |\n")
    out.write("\n")
    return len(ranked)


def _instances(out: TextIO, ctx: FindingContext, scope: Scope) -> int:
    groups: dict[str, list[Instance]] = {}
    for inst in ctx.snapshot.instances:
        if not _in(scope.instances, inst.instance_id):
            continue
        own = ctx.own_roles(inst.instance_profile_arn or "")
        key = ", ".join(short(a) for a in own) if own else (
            "(no instance profile)" if not inst.instance_profile_arn
            else "(a profile with no role EC2 may hand out)")
        groups.setdefault(key, []).append(inst)
    rows = []
    for key, members in groups.items():
        running = [i for i in members if i.state == "running"]
        public = [i for i in running if i.public_ip]
        imds = [i for i in running if i.imdsv1_allowed is True]
        exposed = [i for i in public if i.imdsv1_allowed is True]
        rows.append((-len(exposed), -len(public), -len(members), key, len(members),
                     len(running), len(public), len(imds), len(exposed)))
    rows.sort()
    out.write(f"## Instances by exposure ({sum(r[4] for r in rows)} in {len(rows)} group(s))\n\n"
              "Grouped by the role they run as; exposed = running, with a public IP and "
              "IMDSv1 allowed (an SSRF hands out the role).\n\n")
    if not rows:
        out.write("None.\n\n")
        return 0
    out.write("| role | instances | running | public IP | IMDSv1 allowed | exposed |\n"
              "|---|---|---|---|---|---|\n")
    for *_, key, total, running, public, imds, exposed in rows:
        out.write(f"| {markdown(key)} | {total} | {running} | {public} | {imds} | "
                  f"{exposed} |\n")
    out.write("\n")
    return len(rows)


def _bucket_reach(ctx: FindingContext, scope: Scope) -> Mapping[str, tuple[int, int]]:
    """Bucket -> (roles that reach it, instances that act as one of them)."""
    roles: dict[str, int] = {}
    instances: dict[str, set[str]] = {}
    for r in ctx.snapshot.roles:
        if not _in(scope.roles, r.arn):
            continue
        acting = [i.instance_id for i in ctx.acting_instances.get(r.arn, ())]
        for name in ctx.role_reach(r.arn):
            roles[name] = roles.get(name, 0) + 1
            if acting:
                instances.setdefault(name, set()).update(acting)
    return {name: (n, len(instances.get(name, ()))) for name, n in roles.items()}


def _buckets(out: TextIO, ctx: FindingContext, scope: Scope) -> int:
    reach = _bucket_reach(ctx, scope)
    rows = []
    for b in ctx.snapshot.buckets:
        if not _in(scope.buckets, b.name):
            continue
        public = ctx.public_granted(b.name)
        others = sum(1 for p in ctx.graph.external(b.name) if ctx.granted_view(p.actions)[0])
        n_roles, n_instances = reach.get(b.name, (0, 0))
        rows.append((not public, -others, -n_instances, b.name, public, others, n_roles,
                     n_instances))
    rows.sort()
    out.write(f"## Buckets ({len(rows)})\n\nWho reaches each one, counted.\n\n")
    if not rows:
        out.write("None.\n\n")
        return 0
    out.write("| bucket | anyone | other accounts and services | roles | instances |\n"
              "|---|---|---|---|---|\n")
    for *_, name, public, others, n_roles, n_instances in rows:
        anyone = listed(public) if public else "-"
        out.write(f"| {markdown(name)} | {markdown(anyone)} | {others} | {n_roles} | "
                  f"{n_instances} |\n")
    out.write("\n")
    return len(rows)



def review_json(g: AccessGraph, *, instance: str | None = None, role: str | None = None,
                bucket: str | None = None) -> dict[str, object]:
    """What the review says, for scripts: the findings, the public and the other-account
    grants of the export's scope (the JSON export ends with them)."""
    from graph.exports.findings import finding_json

    ctx = FindingContext(g)
    scope = scope_of(ctx, instance, role, bucket)
    public, others = grants(ctx, scope)
    findings = [finding_json(f) for f in find(g) if scope.concerns(f)]
    return {
        "public": [{"bucket": r.bucket, "actions": sorted(r.actions),
                    "granted_by": list(r.granted_by)} for r in public],
        "other_accounts": [{"bucket": r.bucket, "kind": r.kind, "principal": r.principal,
                            "account": r.account, "actions": sorted(r.actions),
                            "granted_by": list(r.granted_by)} for r in others],
        "findings": findings,
    }
