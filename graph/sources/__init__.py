"""Account sources: a live account, an AWS CLI export folder, a snapshot file, or the demo.

    loaded = open_source(SourceSpec(demo=True), progress=cb)
    loaded.snapshot      # AccountSnapshot
    loaded.connection    # AwsConnection for live sources and the demo, None offline
    loaded.reload()      # the same source again (the demo keeps what was created in it)

The demo is built once per user and cached (`demo_cache`); `fresh=True` builds it again.

Every source gathers raw AWS responses first and shares one transform into the model, so the
demo, a real account and an offline folder are analysed identically.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from graph.errors import SourceError
from graph.model import AccountSnapshot, SourceInfo
from graph.sources.connection import DEFAULT_ATTEMPTS, DEFAULT_TIMEOUT, AwsConnection

__all__ = ["AwsConnection", "LoadedSource", "Progress", "SourceSpec", "open_source"]

Progress = Callable[[str, int, int], None]


def _no_progress(step: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class SourceSpec:
    """Which account to open; exactly one of demo / snapshot / live (profile or default chain)."""

    demo: bool = False
    profile: str | None = None
    regions: tuple[str, ...] = ()
    #: A snapshot file or an AWS CLI export folder.
    snapshot: str | None = None
    #: Parallel reads of the live loader (regions, buckets).
    workers: int = 8
    #: Live reads: seconds per attempt (connect, and each answer), attempts per call.
    timeout: float = DEFAULT_TIMEOUT
    max_attempts: int = DEFAULT_ATTEMPTS
    #: The demo: build it again instead of opening the cached copy.
    fresh: bool = False
    #: The account's SCPs and RCPs from collect-script's organizations folder, when the
    #: source's own reads cannot get them (graph.sources.org_policies).
    org_policies: str | None = None

    def __post_init__(self) -> None:
        if self.snapshot is not None and not self.snapshot.strip():
            # Never "no snapshot": that would read the live account nobody named.
            raise SourceError(f"snapshot path {self.snapshot!r} is empty: name a snapshot "
                              "file or export folder")
        if self.demo and (self.snapshot or self.profile):
            raise SourceError("choose one source: --demo, --snapshot or --profile")
        if self.fresh and not self.demo:
            raise SourceError("--fresh rebuilds the demo account: use it with --demo")
        if self.snapshot and self.profile:
            raise SourceError("choose one source: --snapshot or --profile")

    @property
    def kind(self) -> str:
        if self.demo:
            return "demo"
        if self.snapshot:
            try:
                return "export-folder" if snapshot_is_folder(self.snapshot) else "snapshot"
            except SourceError:
                return "snapshot"
        return "profile"


def snapshot_is_folder(path: str | Path) -> bool:
    """Whether `path` is an export folder (else a snapshot file); a path that cannot be
    reached (missing, a parent the user may not enter, a file used as a folder) is a
    SourceError naming it, not a traceback from `Path.exists`."""
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            raise SourceError(f"{path}: no such file or directory") from None
        raise SourceError(f"{path}: cannot open ({exc.strerror or exc})") from None


@dataclass(frozen=True)
class LoadedSource:
    """A loaded account and the means to load it again."""

    spec: SourceSpec
    snapshot: AccountSnapshot
    connection: AwsConnection | None = None

    def reload(self, progress: Progress | None = None) -> LoadedSource:
        """Read the same source again; the demo is re-read, not re-seeded."""
        if self.spec.demo:
            from graph.sources.demo_cache import reload_demo

            return _with_org_policies(reload_demo(self, progress or _no_progress))
        return _with_org_policies(_load(self.spec, progress or _no_progress, self.connection))


def open_source(spec: SourceSpec, progress: Progress | None = None) -> LoadedSource:
    """Open `spec`; raises SourceError (one line, naming the file) for bad input."""
    progress = progress or _no_progress
    if spec.org_policies is not None:
        from graph.sources.org_policies import org_folder

        org_folder(Path(spec.org_policies))  # a wrong path is said before any work
    if spec.demo:
        from graph.sources.demo_cache import open_demo

        return _with_org_policies(open_demo(spec, progress))
    return _with_org_policies(_load(spec, progress, None))


def _with_org_policies(loaded: LoadedSource) -> LoadedSource:
    if loaded.spec.org_policies is None:
        return loaded
    from dataclasses import replace

    from graph.sources.org_policies import with_org_policies

    return replace(loaded, snapshot=with_org_policies(loaded.snapshot, loaded.spec.org_policies))


def _load(spec: SourceSpec, progress: Progress, conn: AwsConnection | None) -> LoadedSource:
    if spec.snapshot:
        path = Path(spec.snapshot)
        folder = snapshot_is_folder(path)
        progress("snapshot", 0, 1)
        if folder:
            from graph.sources.export_folder import load_export_folder

            snapshot = load_export_folder(path, progress)
        else:
            from graph.sources.snapshot_file import load_snapshot

            snapshot = load_snapshot(path)
        progress("snapshot", 1, 1)
        return LoadedSource(spec, snapshot, None)

    from graph.sources.live import load_live

    if spec.demo:
        from graph.sources.demo import demo_connection
        from graph.sources.demo_cast import REGIONS

        conn = conn or demo_connection()
        info = SourceInfo("demo", "demo account (moto)", REGIONS)
        regions = spec.regions or REGIONS
    else:
        conn = conn or AwsConnection.from_profile(spec.profile, timeout=spec.timeout,
                                                  max_attempts=spec.max_attempts)
        label = f"profile {spec.profile}" if spec.profile else "default credentials"
        info = SourceInfo("profile", label, spec.regions)
        regions = spec.regions
    snapshot = load_live(conn, regions, source=info, progress=progress, workers=spec.workers)
    return LoadedSource(spec, snapshot, conn)
