"""The Markdown review's "who can reach each bucket": every kind of principal, not only
instances — roles, IAM users, other accounts, AWS services and the public — with what each
may do."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from graph.access import AccessGraph, PrincipalAccess
from graph.access.model import chain_label
from graph.access.query.lookup import find_bucket
from graph.model_compute import COMPUTE_TITLES
from graph.policy import Outcome
from graph.text import markdown

#: Principal kinds in the order a reviewer reads them, with their headings.
KINDS = (("public", "The public"), ("account", "Other accounts"), ("service", "AWS services"),
         ("role", "Roles"), ("user", "IAM users"), ("instance", "Instances"),
         *COMPUTE_TITLES.items())
#: Names listed per kind and bucket before "… and N more" (a review, not a dump).
SHOWN = 25
_ORDER = (Outcome.ALLOWED, Outcome.CONDITIONAL, Outcome.UNKNOWN)


_md = markdown


def _line(p: PrincipalAccess) -> str:
    counts = {o: sum(1 for a in p.actions.values() if a.outcome is o) for o in _ORDER}
    summary = ", ".join(f"{n} {o.value}" for o, n in counts.items() if n)
    limited = sorted({pre for a in p.actions.values() for pre in a.prefixes})
    extra = f"; only under {', '.join(limited)}" if limited else ""
    via = f" via {_md(chain_label(p.via))}" if p.kind == "instance" and p.via else ""
    if p.kind in COMPUTE_TITLES and p.via:  # the role it runs as is what a reader checks
        via = f" as role {_md(chain_label(p.via))}"
    return f"- {_md(p.name or p.id)}{via}: {summary}{extra}\n"


def write_who_can(out: TextIO, g: AccessGraph, buckets: Iterable[str] | None = None) -> None:
    """One section per bucket listing who can reach it, grouped by principal kind."""
    names = [find_bucket(g.snapshot, b).name for b in buckets] if buckets is not None else [
        b.name for b in g.snapshot.buckets]
    out.write("\n# Who can reach each bucket\n")
    for name in names:
        found = g.who_can(name)
        out.write(f"\n## {_md(name)}\n\n")
        if not found:
            out.write("Nobody: no principal is allowed any action.\n")
            continue
        for kind, title in KINDS:
            group = sorted((p for p in found if p.kind == kind), key=lambda p: p.name)
            if not group:
                continue
            out.write(f"**{title}** ({len(group)})\n\n")
            out.writelines(_line(p) for p in group[:SHOWN])
            if len(group) > SHOWN:
                out.write(f"- … and {len(group) - SHOWN} more\n")
            out.write("\n")
