"""Risk at a glance: the Roles and Buckets tables carry the marks the trees show."""

from __future__ import annotations

from graph.access import build_access_graph
from graph.sources import LoadedSource
from tui.views.rows import BUCKET_COLUMNS, ROLE_COLUMNS, build_rows, pending_rows


def _risk(rows, columns, key: str) -> str:
    index = [c.key for c in columns].index("risk")
    return next(r for r in rows if r.key == key).values[index]


def test_tables_mark_public_buckets_missing_bpa_and_s3_star_roles(
        demo_loaded: LoadedSource) -> None:
    snapshot = demo_loaded.snapshot
    rows = build_rows(build_access_graph(snapshot), lambda *_: None)
    website = _risk(rows.buckets, BUCKET_COLUMNS, "acme-public-website").split()
    assert website[0] == "PUBLIC" and "NO" in website  # riskiest first, then NO BPA
    assert _risk(rows.buckets, BUCKET_COLUMNS, "acme-partner-exchange") == "OTHER ACCOUNT NO BPA"
    assert _risk(rows.buckets, BUCKET_COLUMNS, "acme-customer-data") == "-"
    legacy = snapshot.role_by_name["legacy-reporting"].arn
    web = snapshot.role_by_name["web-server"].arn
    assert _risk(rows.roles, ROLE_COLUMNS, legacy) == "s3:*"
    assert _risk(rows.roles, ROLE_COLUMNS, web) == "-"
    # Before the analysis, what the files alone say is already marked.
    early = pending_rows(snapshot)
    assert _risk(early.buckets, BUCKET_COLUMNS, "acme-public-website") == "NO BPA"
    assert _risk(early.roles, ROLE_COLUMNS, legacy) == "s3:*"
