"""Findings over an organisation: each account's, one account analysed at a time, with every
other account a finding names said to be inside or outside the organisation (a grant to a
sister account is a different risk from one to a stranger)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping

from graph.access import AccessGraph, build_access_graph
from graph.findings import find
from graph.findings.model import Finding
from graph.org.index import OrgIndex, OrgSource

_ACCOUNT = re.compile(r"(?<!\d)(\d{12})(?!\d)")


def membership_lines(index: OrgIndex, own: str, finding: Finding) -> tuple[str, ...]:
    """"account X (name) is inside the organisation" for each other account it names."""
    text = " ".join(filter(None, (finding.title, finding.principal, *finding.detail,
                                  *(s.source for s in finding.path))))
    out: list[str] = []
    for acct in dict.fromkeys(_ACCOUNT.findall(text)):
        if acct == own:
            continue
        where = "inside" if index.in_organization(acct) else "outside"
        out.append(f"account {index.account_label(acct)} is {where} the organisation")
    return tuple(out)


def org_findings(source: OrgSource, index: OrgIndex,
                 assumed: Mapping[str, str] | None = None
                 ) -> Iterator[tuple[str, AccessGraph, tuple[Finding, ...]]]:
    """(account, its analysis, its findings) for every loaded account, in order (each
    analysis is dropped by the caller before the next account is read)."""
    for account in index.loaded:
        g = build_access_graph(source.load(account), assumed=dict(assumed or {}))
        found = tuple(
            dataclasses.replace(f, detail=f.detail + membership_lines(index, account, f))
            for f in find(g))
        yield account, g, found
