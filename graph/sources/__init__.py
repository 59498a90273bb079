"""Account sources: a live account, an AWS CLI export folder, a snapshot file, or the demo.

    loaded = open_source(SourceSpec(demo=True), progress=cb)
    loaded.snapshot      # AccountSnapshot
    loaded.connection    # AwsConnection for live sources and the demo, None offline
    loaded.reload()      # the same source again (the demo keeps what was created in it)

The demo is built once per user and cached (`demo_open` opens it, `demo_cache` is the file);
`fresh=True` builds it again. Which source and the progress callback are `spec`'s, so the
loaders this package dispatches to import them without importing the package back.

Every source gathers raw AWS responses first and shares one transform into the model, so the
demo, a real account and an offline folder are analysed identically.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from graph.model import AccountSnapshot, SourceInfo
from graph.sources.connection import AwsConnection
from graph.sources.spec import Progress, SourceSpec, no_progress, snapshot_is_folder

__all__ = ["AwsConnection", "LoadedSource", "Progress", "SourceSpec", "open_source",
           "snapshot_is_folder"]

@dataclass(frozen=True)
class LoadedSource:
    """A loaded account and the means to load it again."""

    spec: SourceSpec
    snapshot: AccountSnapshot
    connection: AwsConnection | None = None

    def reload(self, progress: Progress | None = None) -> LoadedSource:
        """Read the same source again; the demo is re-read, not re-seeded."""
        progress = progress or no_progress
        if self.spec.demo:
            from graph.sources.demo_open import reload_demo

            snapshot, connection = reload_demo(self.spec, self.snapshot, self.connection,
                                               progress)
            return _with_org_policies(LoadedSource(self.spec, snapshot, connection))
        return _with_org_policies(_load(self.spec, progress, self.connection))


def open_source(spec: SourceSpec, progress: Progress | None = None) -> LoadedSource:
    """Open `spec`; raises SourceError (one line, naming the file) for bad input."""
    progress = progress or no_progress
    if spec.org_policies is not None:
        from graph.sources.org_policies import org_folder

        org_folder(Path(spec.org_policies))  # a wrong path is said before any work
    if spec.demo:
        from graph.sources.demo_open import open_demo

        snapshot, connection = open_demo(spec, progress)
        return _with_org_policies(LoadedSource(spec, snapshot, connection))
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

    conn = conn or AwsConnection.from_profile(spec.profile, timeout=spec.timeout,
                                              max_attempts=spec.max_attempts)
    label = f"profile {spec.profile}" if spec.profile else "default credentials"
    info = SourceInfo("profile", label, spec.regions)
    snapshot = load_live(conn, spec.regions, source=info, progress=progress,
                         workers=spec.workers)
    return LoadedSource(spec, snapshot, conn)
