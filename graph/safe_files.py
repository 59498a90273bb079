"""Reading and writing files someone else may have prepared: no hangs, no tracebacks, no clobbering.

Input files (snapshots, export folders) are often copied from elsewhere, and an output path
may sit in a shared folder. So:
- only regular files are read: a FIFO blocks forever on open and `/dev/zero` never ends, so
  anything else is refused before a byte is read (the open itself is non-blocking);
- every fault of a JSON file (syntax, encoding, nesting, integers too long to convert,
  memory) is one `SourceError` naming the file and, where JSON says, the line and column;
- outputs go to a temporary file in the target's folder (unnamed where Linux allows, so even
  a killed process leaves nothing: temp_files.py), put over the target once complete: a
  reader never sees half a file, a symlink planted at the target is refused (never
  followed), and snapshots (a whole account's IAM configuration) are readable by the owner only.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from graph import temp_files
from graph.errors import RolemapError, SourceError

#: Policy grammar is six levels deep; anything past this is junk or an attack.
MAX_DEPTH = 64
PRIVATE = 0o600


def _why(exc: OSError) -> str:
    if exc.errno is not None and exc.errno == getattr(os, "ELOOP", None):
        return "too many levels of symbolic links"
    return exc.strerror or str(exc)


def file_kind(mode: int) -> str:
    """What a file is, for messages."""
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_bytes(path: Path | str) -> bytes:
    """The whole of a regular file; anything else is a SourceError naming it."""
    path = Path(path)
    try:
        # O_NONBLOCK: opening a FIFO with no writer would otherwise block forever.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise SourceError(f"{path}: missing file") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({_why(exc)})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SourceError(f"{path}: {file_kind(info.st_mode)}, expected a regular file")
        chunks: list[bytes] = []
        with os.fdopen(fd, "rb", closefd=False) as fh:
            chunks.append(fh.read())
        return b"".join(chunks)
    except MemoryError:
        raise SourceError(f"{path}: too large to load into memory") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({_why(exc)})") from None
    finally:
        os.close(fd)


def parse_json(data: bytes | str, where: str) -> Any:
    """Parse JSON text; a fault is one line naming `where` (and line/column when JSON says)."""
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"{where}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    except UnicodeDecodeError as exc:
        raise SourceError(f"{where}: not valid UTF-8 JSON ({exc.reason} at byte {exc.start})"
                          ) from None
    except RecursionError:
        raise SourceError(f"{where}: JSON nested too deeply to read") from None
    except MemoryError:
        raise SourceError(f"{where}: too large to load into memory") from None
    except ValueError as exc:
        # Integers longer than Python's conversion limit (4,300 digits), and similar.
        raise SourceError(f"{where}: {_place(data)}not usable JSON ({str(exc).split(';')[0]})"
                          ) from None


def _place(data: bytes | str) -> str:
    """"line L column C: " of the first over-long number, which JSON's error does not give."""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    match = re.search(r"[0-9]{4300,}", text)
    if match is None:
        return ""
    line = text.count("\n", 0, match.start()) + 1
    column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
    return f"line {line} column {column}: "


def read_json(path: Path | str) -> Any:
    """Parse one regular file; every fault is a SourceError naming it."""
    data = read_bytes(path)
    if not data.strip():
        raise SourceError(f"{path}: empty file (expected JSON)")
    return parse_json(data, str(path))


def _within(value: Any, budget: int) -> bool:
    """Whether containers nest at most `budget` more levels (recursion bounded by `budget`)."""
    if budget <= 0:
        return False
    for item in value.values() if type(value) is dict else value:
        if (type(item) is dict or type(item) is list) and not _within(item, budget - 1):
            return False
    return True


def too_deep(value: Any, limit: int = MAX_DEPTH) -> str | None:
    """The JSON path where `value` nests deeper than `limit`, or None."""
    if not (type(value) is dict or type(value) is list) or _within(value, limit + 1):
        return None
    stack: list[tuple[Any, str, int]] = [(value, "$", 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > limit:
            return path
        if isinstance(item, dict):
            stack.extend((v, f"{path}.{k}", depth + 1) for k, v in item.items()
                         if isinstance(v, dict | list))
        elif isinstance(item, list):
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(item)
                         if isinstance(v, dict | list))
    return None


def is_regular_entry(entry: os.DirEntry[str]) -> bool:
    """A directory entry that is a regular file, following links; never raises (loops are not)."""
    try:
        return entry.is_file()
    except OSError:
        return False


def _check_target(path: Path) -> bool:
    """True when `path` is a stream to write straight into (/dev/null, a terminal, a FIFO).

    Raises for targets never to be written: a symlink (it would redirect the write), a directory.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise RolemapError(f"{path}: cannot write ({_why(exc)})") from None
    if stat.S_ISLNK(info.st_mode):
        raise RolemapError(f"{path}: is a symbolic link; rolemap does not write through links "
                           "(remove it, or name the file it points to)")
    if stat.S_ISDIR(info.st_mode):
        raise RolemapError(f"{path}: is a directory")
    return stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode)


@contextmanager
def atomic_file(path: Path | str, *, private: bool = False, binary: bool = False,
                newline: str | None = None, durable: bool = True) -> Iterator[Any]:
    """A stream whose content replaces `path` only when the block completes.

    Text streams write unencodable text (a lone surrogate from a crafted name) as a `\\udxxx`
    escape rather than failing half-way. `private` makes the file mode 0600; otherwise a new
    file gets the usual mode (0666 less the umask). `durable` syncs to disk before the rename
    (skipped for the thousands of files of a synthetic account).
    """
    path = Path(path)

    def stream_of(fd: int | Path) -> Any:
        # The descriptor outlives the stream: an unnamed temporary is linked through it.
        closefd = not isinstance(fd, int)
        if binary:
            return open(fd, "wb", closefd=closefd)
        return open(fd, "w", encoding="utf-8", errors="backslashreplace", newline=newline,
                    closefd=closefd)

    if _check_target(path):
        with stream_of(path) as stream:
            yield stream
        return
    try:
        tmp = temp_files.create(path, PRIVATE if private else 0o666 & ~_umask())
    except OSError as exc:
        raise RolemapError(f"{path}: cannot write ({_why(exc)})") from None
    try:
        os.fchmod(tmp.fd, PRIVATE if private else 0o666 & ~_umask())
        with stream_of(tmp.fd) as stream:
            yield stream
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        _check_target(path)  # a link planted while writing is refused too
        temp_files.put_in_place(tmp, path)
    except BaseException:
        temp_files.discard(tmp)
        raise
    finally:
        temp_files.close(tmp)


def write_text(path: Path | str, text: str, *, private: bool = False,
               durable: bool = True) -> None:
    """Replace `path` with `text` (see `atomic_file`); OS faults are one-line errors."""
    try:
        with atomic_file(path, private=private, durable=durable) as out:
            out.write(text)
    except OSError as exc:
        raise RolemapError(f"{path}: cannot write ({_why(exc)})") from None


def writing(path: Path | str, write: Callable[[Any], Any], *, private: bool = False,
            binary: bool = False, newline: str | None = None) -> Any:
    """Run `write(stream)` into `path` atomically (see `atomic_file`); returns its result."""
    try:
        with atomic_file(path, private=private, binary=binary, newline=newline) as out:
            return write(out)
    except OSError as exc:
        raise RolemapError(f"{path}: cannot write ({_why(exc)})") from None


@cache
def _umask() -> int:
    """The process umask, read without changing it where Linux allows (os.umask sets it, and
    another thread could create a file in between)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    current = os.umask(0o022)
    os.umask(current)
    return current
