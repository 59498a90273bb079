"""Which account to open (`SourceSpec`) and the progress callback every loader reports to.

Apart from the package's `open_source` so that the loaders it dispatches to (the demo's
opening among them) can name these without importing the package that imports them.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from graph.errors import SourceError
from graph.sources.connection import DEFAULT_ATTEMPTS, DEFAULT_TIMEOUT

Progress = Callable[[str, int, int], None]


def no_progress(step: str, done: int, total: int) -> None:
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
