"""The temporary an output is written to before it takes the target's place, leaving nothing.

A gigabyte export stopped half-way must not leave a hidden gigabyte behind, however it is
stopped. On Linux the temporary has no name at all (`O_TMPFILE`): the kernel frees it when
the last descriptor closes, so even SIGKILL leaves nothing; it is linked into the folder only
once complete. Where that is unavailable (another OS, or a filesystem that refuses it), the
temporary is a hidden file whose name says it is rolemap's, which host and which process made
it; the next write to that folder removes those whose process is gone (or, from another host,
that nobody touched for a day), so a killed process's leftovers do not accumulate.

Putting in place is atomic (`rename` over the target) and happens with SIGINT, SIGTERM and
SIGHUP held back, so a stop arrives either before (nothing written) or after (all of it).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import shutil
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from graph.stop_signals import raise_if_stopped, signals_held

#: A temporary untouched this long is stale even when its process cannot be checked.
SAFE_AGE = 24 * 3600
#: Names of temporaries: `.<target>.rolemap-<host>-<pid>-<random>.tmp`.
_OURS = re.compile(r"^\..*\.rolemap-(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]+)-[0-9a-z]+\.tmp$")
#: Temporaries of earlier versions (tempfile.mkstemp's `.<target>.<8 chars>.tmp`).
_EARLIER = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp$")
#: errno values by which a filesystem or kernel says it cannot make unnamed files.
_NO_UNNAMED = {errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL,
               getattr(errno, "ENOTSUP", errno.EOPNOTSUPP)}
#: Folders swept of stale temporaries by this process already (once is enough).
_swept: set[str] = set()


def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def temp_name(target: Path) -> str:
    """A hidden name beside `target` that says it is ours, and whose it is."""
    return (f".{target.name[:120]}.rolemap-{_host()}-{os.getpid()}-"
            f"{secrets.token_hex(4)}.tmp")


@dataclass(frozen=True)
class Temporary:
    """An open temporary file: `name` is None when it has none (O_TMPFILE)."""

    fd: int
    folder: Path
    name: str | None


def _unnamed(folder: Path, mode: int) -> int | None:
    """An unnamed file in `folder`, or None where the OS or the filesystem cannot make one."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not os.path.isdir("/proc/self/fd"):  # linking it needs /proc
        return None
    try:
        return os.open(folder, flag | os.O_WRONLY, mode)
    except OSError as exc:
        if exc.errno in _NO_UNNAMED:
            return None
        raise


def create(target: Path, mode: int) -> Temporary:
    """A temporary for `target` in its folder (mode `mode`), sweeping stale ones first."""
    folder = target.parent
    sweep(folder, target.name)
    fd = _unnamed(folder, mode)
    if fd is not None:
        return Temporary(fd, folder, None)
    name = temp_name(target)
    return Temporary(os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode),
                     folder, name)


def put_in_place(tmp: Temporary, target: Path) -> None:
    """Make the complete temporary `target`, atomically (rename over what was there)."""
    with signals_held():
        raise_if_stopped()
        name = tmp.name
        if name is None:
            name = temp_name(target)
            if _link_unnamed(tmp, target.name):  # nothing was there: in place now
                return
            if not _link_unnamed(tmp, name):
                raise FileExistsError(errno.EEXIST, "temporary name taken", name)
        try:
            os.replace(tmp.folder / name, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp.folder / name)
            raise


def _link_unnamed(tmp: Temporary, name: str) -> bool:
    """Give the unnamed temporary `name` in its folder; False when that name is taken.

    linkat(AT_SYMLINK_FOLLOW) on /proc/self/fd/N, as open(2) documents for O_TMPFILE; os.link
    uses linkat only when given a folder descriptor (plain link() would not follow)."""
    folder = os.open(tmp.folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.link(f"/proc/self/fd/{tmp.fd}", name, dst_dir_fd=folder, follow_symlinks=True)
    except FileExistsError:
        return False
    finally:
        os.close(folder)
    return True


def discard(tmp: Temporary) -> None:
    """Remove a temporary that will not be put in place (an unnamed one goes with its fd)."""
    with signals_held():
        if tmp.name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp.folder / tmp.name)


def close(tmp: Temporary) -> None:
    with contextlib.suppress(OSError):
        os.close(tmp.fd)


def _gone(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # another user's process: alive
        return False
    return False


def is_stale(name: str, mtime: float, siblings: frozenset[str] = frozenset()) -> bool:
    """Whether `name` is a temporary of ours that nobody will finish: its process is gone
    (when made on this host), or it was not touched for SAFE_AGE. An earlier version's
    temporary counts only when old and named after one of `siblings` (its target, or a file
    beside it), as nothing else tells it apart from another program's."""
    old = time.time() - mtime > SAFE_AGE
    match = _OURS.match(name)
    if match is not None:
        return old or (match["host"] == _host() and _gone(int(match["pid"])))
    earlier = _EARLIER.match(name)
    return old and earlier is not None and earlier["name"] in siblings


def sweep(folder: Path, target_name: str | None = None) -> None:
    """Remove stale temporaries (files, or folders of `temp_folder`) of ours from `folder`;
    once per folder and process, and never a fault of the write that asked for it."""
    key = os.path.abspath(folder)
    if key in _swept:
        return
    _swept.add(key)
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    siblings = frozenset([e.name for e in entries] + ([target_name] if target_name else []))
    for entry in entries:
        if not entry.name.startswith(".") or not entry.name.endswith(".tmp"):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not is_stale(entry.name, info.st_mtime, siblings):
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            elif entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
        except OSError:
            continue


@contextlib.contextmanager
def temp_folder(target: Path) -> Iterator[Path]:
    """A hidden folder beside `target` to build a whole folder in, renamed to `target` when
    the block completes (`target` must not exist, or be an empty folder); removed otherwise.

    Folders cannot be unnamed: one left by SIGKILL is swept by the next write beside it.
    """
    sweep(target.parent)
    tmp = target.parent / temp_name(target)
    tmp.mkdir()
    try:
        yield tmp
        with signals_held():
            raise_if_stopped()
            os.replace(tmp, target)
    except BaseException:
        with signals_held():
            shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextlib.contextmanager
def scratch_folder(parent: Path, label: str) -> Iterator[Path]:
    """A hidden working folder in `parent` (e.g. the system's temporary folder), removed when
    the block ends; one a SIGKILL left is swept by the next scratch folder made there."""
    sweep(parent)
    tmp = parent / temp_name(Path(label))
    tmp.mkdir(mode=0o700)
    try:
        yield tmp
    finally:
        with signals_held():
            shutil.rmtree(tmp, ignore_errors=True)
