"""Opening the demo account: from its cache file when that holds a usable one, else built in the
emulator and cached; and reading it again after the wizard wrote to it.

A cache that cannot be read is rebuilt with a load warning; one that cannot be written is a
load warning too (the demo still opens). The emulator is not started for a cached open: the
connection handed out starts and seeds it when first used (`demo_lazy`). Each function answers
the snapshot and its connection; the package's `open_source` makes the LoadedSource of them.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

from graph.errors import RolemapError, SourceError
from graph.model import AccountSnapshot, LoadWarning, SourceInfo
from graph.sources.connection import AwsConnection
from graph.sources.demo_cache import CACHE_OPERATION, cache_path, read_cache, write_cache
from graph.sources.spec import Progress, SourceSpec

Opened = tuple[AccountSnapshot, AwsConnection]


def _reason(exc: RolemapError, path: Path) -> str:
    """The error without the path in front (the warning names the path already)."""
    text = str(exc)
    prefix = f"{path}: "
    return text[len(prefix):] if text.startswith(prefix) else text


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def open_demo(spec: SourceSpec, progress: Progress) -> Opened:
    """The demo account: from the cache when it holds a usable one, else built and cached.

    A cached account is stamped with the time of this open (a demo is read when opened).
    """
    from graph.sources.demo import NOT_INSTALLED, emulator_installed, forget_seeding
    from graph.sources.demo_lazy import LazyDemoConnection

    if not emulator_installed():  # even when cached: the demo is one that can be written to
        raise SourceError(NOT_INSTALLED)
    path = cache_path(spec.regions)
    notes: list[LoadWarning] = []
    if not spec.fresh:
        progress("demo", 0, 1)
        try:
            cached = read_cache(path)
        except RolemapError as exc:
            cached = None
            notes.append(LoadWarning(CACHE_OPERATION, str(path),
                                     f"unusable ({_reason(exc, path)}); rebuilt it"))
        if cached is not None:
            progress("demo", 1, 1)
            forget_seeding()  # like a rebuild, an open starts from the cast again
            snapshot = dataclasses.replace(cached, taken_at=_now())
            return snapshot, LazyDemoConnection(snapshot, path)
    snapshot, conn = build_demo(spec, progress)
    try:
        write_cache(path, snapshot)
    except RolemapError as exc:
        notes.append(LoadWarning(CACHE_OPERATION, str(path),
                                 f"not saved ({_reason(exc, path)}); the next --demo builds "
                                 "the account again"))
    if notes:
        snapshot = dataclasses.replace(snapshot, warnings=(*notes, *snapshot.warnings))
    return snapshot, conn


def build_demo(spec: SourceSpec, progress: Progress) -> Opened:
    """Start (or reset) the emulator, seed the cast and read it back like a real account."""
    from graph.sources.demo import reset_demo

    progress("demo", 0, 1)
    conn = reset_demo()
    progress("demo", 1, 1)
    return read_demo(spec, progress, conn)


def read_demo(spec: SourceSpec, progress: Progress, conn: AwsConnection) -> Opened:
    """The emulator's account read through the live loader, as a real account is read."""
    from graph.sources.demo_cast import REGIONS
    from graph.sources.live import load_live

    info = SourceInfo("demo", "demo account (moto)", REGIONS)
    snapshot = load_live(conn, spec.regions or REGIONS, source=info, progress=progress,
                         workers=spec.workers)
    return snapshot, conn


def reload_demo(spec: SourceSpec, snapshot: AccountSnapshot, conn: AwsConnection | None,
                progress: Progress) -> Opened:
    """The demo again: read from the emulator when it runs with the cast (it may hold roles
    the wizard made); a cached demo whose emulator was never needed is what it was."""
    from graph.sources.demo import demo_connection, is_seeded
    from graph.sources.demo_lazy import LazyDemoConnection

    if isinstance(conn, LazyDemoConnection) and not is_seeded():
        return dataclasses.replace(snapshot, taken_at=_now()), conn
    return read_demo(spec, progress, conn or demo_connection())
