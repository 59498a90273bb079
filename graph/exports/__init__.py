"""Effective-permission exports (JSON, CSV, Markdown) and the access graph as GraphML.

    export(g, "csv", "out.csv", mode="by-role")   # or a text stream; returns rows written
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from graph.access import AccessGraph
from graph.errors import RolemapError
from graph.exports.graphml import write_graphml
from graph.exports.review import write_who_can
from graph.exports.rows import MODES, BlockSource, blocks, columns, rows
from graph.exports.shards import write_sharded
from graph.exports.summary import review_json, write_review
from graph.exports.writers import (
    Renderer,
    RowsWriter,
    csv_renderer,
    json_renderer,
    write_csv,
    write_json,
    write_markdown,
)
from graph.findings import escalation_json, gain_paths
from graph.safe_files import writing
from graph.sources.bulk import bulk_allocation

FORMATS = ("json", "csv", "md", "graphml")

__all__ = ["FORMATS", "MODES", "blocks", "columns", "export", "rows"]


def _rows(g: AccessGraph, mode: str, filters: dict[str, Any], render: Renderer,
          workers: int, keep: bool) -> RowsWriter:
    source = BlockSource(g, mode, keep=keep, **filters)
    return lambda out, sep, lead: write_sharded(out, source, render, sep, lead, workers)


def _write(out: TextIO, g: AccessGraph, fmt: str, mode: str, filters: dict[str, Any],
           workers: int, keep: bool) -> int:
    if fmt == "json":
        # Escalation is never a permission row: it is listed apart, as "could gain".
        could = [escalation_json(e) for e in gain_paths(g)]
        scoped = {k: filters.get(k) for k in ("instance", "role", "bucket")}
        return write_json(out, g.snapshot, mode,
                          _rows(g, mode, filters, json_renderer(mode), workers, keep), g.warnings,
                          g.assumed, extra={"could_gain": could},
                          tail=lambda: review_json(g, **scoped))
    if fmt == "csv":
        return write_csv(out, mode, _rows(g, mode, filters, csv_renderer(mode, g.assumed),
                                          workers, keep))
    return write_review(out, g, instance=filters.get("instance"), role=filters.get("role"),
                        bucket=filters.get("bucket"))


def write_detail(out: TextIO, g: AccessGraph, mode: str, filters: dict[str, Any]) -> int:
    """The per-cell Markdown tables (`--detail`): one section per instance (per role with
    by-role), then who can reach each bucket; returns the rows written."""
    count = write_markdown(out, g.snapshot, mode, rows(g, mode, **filters), g.warnings,
                           g.assumed)
    if filters.get("instance") is None and filters.get("role") is None:
        bucket = filters.get("bucket")
        write_who_can(out, g, [bucket] if bucket is not None else None)
    return count


class _Watched:
    """An output stream that reports how much was written: the app shows it and stops the
    export by raising from `watch` (graph.errors.Cancelled), which leaves the target as it
    was, since the export writes to a temporary file renamed into place only at the end."""

    def __init__(self, out: Any, watch: Callable[[int], None]) -> None:
        self._out = out
        self._watch = watch
        self.written = 0

    def write(self, data: Any) -> int:
        count = self._out.write(data)
        self.written += len(data)
        self._watch(self.written)
        return count

    def __getattr__(self, name: str) -> Any:
        return getattr(self._out, name)


def export(g: AccessGraph, fmt: str, path: str | Path | None = None, *,
           mode: str = "default", include_denied: bool = False, instance: str | None = None,
           role: str | None = None, bucket: str | None = None, workers: int = 1,
           keep: bool = True, watch: Callable[[int], None] | None = None,
           detail: str | Path | None = None) -> int:
    """Write one export to `path` (stdout when None); returns the rows (or edges) written.

    `workers` > 1: JSON and CSV rows are rendered by that many processes (shards.py; only
    from a process without threads of its own, such as the command line).

    `keep=False`: each role written by-role is not kept decided in `g` once its rows are
    made (it is decided again if asked again), so memory holds the answers roles share and
    not every role: for a caller that ends after the export, as the command line does.

    `watch(characters or bytes written so far)` is called on every write (the app's
    progress); raising from it stops the export with nothing written at `path`.

    `detail` (Markdown only): a second file for the per-cell tables the review leaves out."""
    if fmt not in FORMATS:
        raise RolemapError(f"unknown export format {fmt!r} (choose from {', '.join(FORMATS)})")
    if mode not in MODES:
        raise RolemapError(f"unknown export mode {mode!r}")
    def watched(out: Any) -> Any:
        return out if watch is None else _Watched(out, watch)

    if fmt == "graphml":
        if path is None:
            return write_graphml(watched(sys.stdout.buffer), g)
        return writing(path, lambda out: write_graphml(watched(out), g), binary=True)
    filters = {"include_denied": include_denied, "instance": instance, "role": role,
               "bucket": bucket}
    if detail is not None and fmt != "md":
        raise RolemapError("--detail is for the Markdown review (--format md)")
    # Millions of short-lived row parts: the cyclic collector only slows them down (its
    # passes over the analysed account's heap took half the export's time).
    # `keep`: what the export decided stays out of the collector's sight afterwards (a
    # collection after the export walked all of it: eight seconds on 5,000 roles).
    with bulk_allocation(keep=True):
        if detail is not None:
            writing(detail, lambda out: write_detail(watched(out), g, mode, filters),
                    newline="")
        if path is None:
            return _write(watched(sys.stdout), g, fmt, mode, filters, workers, keep)
        # A temporary file renamed over `path` when complete; never through a symlink there.
        return writing(path, lambda out: _write(watched(out), g, fmt, mode, filters, workers,
                                                keep), newline="")
