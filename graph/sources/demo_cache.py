"""The demo account, built once and cached per user: later `--demo` runs open a snapshot file.

Building the demo (start moto, seed the cast, read it back through the live loader) takes
seconds to tens of seconds; opening a saved snapshot of it takes about one. The cache file is
an ordinary snapshot file in the user cache folder, named by a key over everything that could
change the account it holds: rolemap's version, the emulator's and botocore's versions, the
snapshot format, the cast's data and seed, and the code that seeds and reads it. A changed cast
or loader therefore never serves a stale account, even while the version number stays put.

This module is the cache file (where, under which key, read, written, pruned, discarded);
opening the demo from it or building it is `demo_open`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sys
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from graph.errors import RolemapError, SourceError
from graph.model import SNAPSHOT_SCHEMA_VERSION, AccountSnapshot
from graph.sources.spec import SourceSpec

#: Set to a folder to keep the cache there (tests, CI, a read-only home).
CACHE_ENV = "ROLEMAP_CACHE_DIR"
#: The `operation` of the load warnings about the cache itself (not about the account).
CACHE_OPERATION = "demo cache"
#: Cache files kept in the folder (several rolemap versions or checkouts may share it).
KEEP_FILES = 8


def cache_dir() -> Path:
    """The per-user cache folder: $ROLEMAP_CACHE_DIR, else the platform's convention."""
    override = os.environ.get(CACHE_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA", "").strip()
        return (Path(local) if local else Path.home() / "AppData" / "Local") / "rolemap" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "rolemap"
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    # The XDG spec: a relative value is invalid and is ignored.
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "rolemap"


def dist_version(name: str) -> str:
    """An installed distribution's version, "none" when it is not installed."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "none"


def _canonical(value: Any) -> Any:
    """JSON-ready and order-independent where order carries no meaning (sets)."""
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


def cast_data() -> dict[str, Any]:
    """The cast as data: every upper-case name of `demo_cast` (buckets, roles, instances…)."""
    from graph.sources import demo_cast

    return {k: _canonical(v) for k, v in sorted(vars(demo_cast).items()) if k.isupper()}


@cache
def code_digest() -> str:
    """A digest of the code that seeds the cast and reads it into a snapshot (the sources
    and the model), so editing it in a checkout invalidates the cache like a new version."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted([*root.glob("*.py"), *root.parent.glob("model*.py")]):
        digest.update(path.name.encode())
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"?")
    return digest.hexdigest()


def cache_key(regions: tuple[str, ...]) -> str:
    """The key of the demo account that `regions` name; any input changing changes it."""
    import botocore

    from graph.sources.demo import SEED

    parts = {
        "rolemap": dist_version("rolemap"),
        "moto": dist_version("moto"),
        "botocore": botocore.__version__,
        "schema": SNAPSHOT_SCHEMA_VERSION,
        "seed": SEED,
        "regions": list(regions),
        "cast": cast_data(),
        "code": code_digest(),
    }
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def cache_path(regions: tuple[str, ...] = ()) -> Path:
    """Where the demo account of `regions` (default: the cast's) is cached."""
    from graph.sources.demo_cast import REGIONS

    version = dist_version("rolemap")
    return cache_dir() / f"demo-{version}-{cache_key(regions or REGIONS)}.json"


def needs_build(spec: SourceSpec) -> bool:
    """Whether opening `spec` builds the demo (so needs the emulator) rather than reading it."""
    return spec.fresh or not cache_path(spec.regions).is_file()


def read_cache(path: Path) -> AccountSnapshot | None:
    """The cached demo account, None when there is none; SourceError when it is unusable."""
    from graph.sources.snapshot_file import load_snapshot

    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror})") from None
    snapshot = load_snapshot(path)
    if snapshot.source.kind != "demo":
        raise SourceError(f"{path}: a snapshot of {snapshot.source.kind}, not of the demo")
    return snapshot


def write_cache(path: Path, snapshot: AccountSnapshot) -> None:
    """Save atomically (a temporary file in the folder, renamed), then keep the newest few."""
    from graph.sources.snapshot_file import save_snapshot

    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not stat.S_ISREG(os.lstat(path).st_mode):
            # Our name in our folder, but a FIFO would take the write (and block) and a link
            # would be refused: it goes, whatever it is (unlinking never follows a link).
            path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise RolemapError(f"{path.parent}: cannot write ({exc.strerror})") from None
    save_snapshot(snapshot, path)
    _prune(path)


def _prune(kept: Path) -> None:
    """Remove all but the newest KEEP_FILES demo caches (old versions, old casts)."""
    try:
        files = [p for p in kept.parent.glob("demo-*.json") if p.is_file() and p != kept]
        files.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[KEEP_FILES - 1:]:
            old.unlink()
    except OSError:
        pass  # a cache folder we cannot tidy still works


def discard(path: Path) -> None:
    """Remove a cache file found wrong after use; the next open builds it again."""
    with contextlib.suppress(OSError):
        path.unlink()
