"""Hostile variations of rolemap's input formats, shared by the fuzz suite and its benchmark.

Every mutation draws from a `random.Random`: hypothesis hands the fuzz tests one it controls
(`st.randoms()`), `tests/bench_hostile.py` a seeded one, so both try the same kinds of fault:
truncations, wrong types, missing fields, deep nesting, sizes, hostile strings, bytes that are
not UTF-8, and files that are not regular files (FIFOs, directories, symlink loops, devices).
"""

from __future__ import annotations

import io
import json
import os
import random
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

from tui.cli import main

_BIG = "\x00big\x00"
_DEEP = "\x00deep\x00"
HOSTILE_STRINGS = [
    "", "not-an-arn", "arn:aws:iam::123:role/x", "arn:aws:iam::123456789012:role/",
    "\x1b]0;pwned\x07\x1b[2J", "[/x]", "[bold]", "\ud800", "\u202e", "*" * 40 + "X",
    "${" * 200, "a" * 5000, "arn:aws:s3:::" + "*a" * 30 + "b", "%7B%22", "\n\r\t",
]
KINDS = ("truncate", "wrong-type", "drop-key", "nest", "size", "bytes", "hostile-string")


def _paths(doc: Any, limit: int = 4000) -> list[tuple[Any, ...]]:
    """JSON paths (tuples of keys and indexes) to values of `doc`, breadth first."""
    out: list[tuple[Any, ...]] = []
    queue: list[tuple[tuple[Any, ...], Any]] = [((), doc)]
    while queue and len(out) < limit:
        path, value = queue.pop(0)
        out.append(path)
        if isinstance(value, dict):
            queue.extend(((*path, k), v) for k, v in value.items())
        elif isinstance(value, list):
            queue.extend(((*path, i), v) for i, v in enumerate(value))
    return out


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


def _value(rng: random.Random) -> Any:
    pick = rng.randrange(9)
    if pick == 0:
        return None
    if pick == 1:
        return rng.choice([True, False, 0, -1, 2**63, 1.5, 1e308])
    if pick == 2:
        return rng.choice(HOSTILE_STRINGS)
    if pick == 3:
        return []
    if pick == 4:
        return {}
    if pick == 5:
        return _BIG
    if pick == 6:
        return _DEEP
    if pick == 7:
        return [rng.choice(HOSTILE_STRINGS)]
    return {"x": rng.choice(HOSTILE_STRINGS)}


def _dump(doc: Any, rng: random.Random) -> bytes:
    text = json.dumps(doc)
    text = text.replace(json.dumps(_BIG), "9" * rng.choice([30, 4400, 20000]))
    depth = rng.choice([70, 1000, 100_000])
    text = text.replace(json.dumps(_DEEP), "[" * depth + "]" * depth)
    return text.encode("utf-8", errors="surrogatepass")


def mutate_document(doc: Any, rng: random.Random) -> tuple[str, bytes]:
    """(what was done, the file's new bytes) for one JSON document."""
    kind = rng.choice(KINDS)
    data = json.loads(json.dumps(doc))
    if kind == "truncate":
        raw = json.dumps(data).encode()
        return kind, raw[: rng.randrange(len(raw))]
    if kind == "bytes":
        raw = bytearray(json.dumps(data).encode())
        for _ in range(rng.randint(1, 4)):
            raw[rng.randrange(len(raw))] = rng.choice([0xFF, 0xC3, 0x00, 0x80, ord("{")])
        return kind, bytes(raw)
    if kind == "nest":
        depth = rng.choice([70, 2000, 100_000])
        return kind, b"[" * depth + json.dumps(data).encode() + b"]" * depth
    paths = [p for p in _paths(data) if p]
    if not paths:
        return kind, _dump(_value(rng), rng)
    path = rng.choice(paths)
    parent = _parent(data, path)
    if kind == "drop-key" and isinstance(parent, dict):
        del parent[path[-1]]
    elif kind == "size":
        parent[path[-1]] = rng.choice([["x"] * 20_000, "y" * 200_000,
                                       {str(i): i for i in range(5000)}])
    elif kind == "hostile-string":
        parent[path[-1]] = rng.choice(HOSTILE_STRINGS)
    else:
        parent[path[-1]] = _value(rng)
    return f"{kind} at {'/'.join(map(str, path))}", _dump(data, rng)


def _non_regular(path: Path, rng: random.Random) -> str:
    """Replace `path` by something that is not a regular file."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    kind = rng.choice(["fifo", "directory", "symlink-loop", "dangling-link", "dev-zero"])
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "symlink-loop":
        os.symlink(path, path)
    elif kind == "dangling-link":
        os.symlink(path.with_name("nowhere"), path)
    else:
        os.symlink("/dev/zero", path)
    return kind


def mutate_snapshot(path: Path, rng: random.Random) -> str:
    """Break a snapshot file in place; returns what was done."""
    if rng.random() < 0.1:
        return _non_regular(path, rng)
    what, data = mutate_document(json.loads(path.read_text()), rng)
    path.write_bytes(data)
    return what


def mutate_folder(folder: Path, rng: random.Random) -> str:
    """Break one entry of an export folder in place; returns what was done."""
    entries = sorted(p for p in folder.rglob("*"))
    target = rng.choice(entries)
    roll = rng.random()
    name = target.relative_to(folder)
    if target.is_dir():
        if roll < 0.5:
            shutil.rmtree(target)
            target.write_text("{}")
            return f"{name}: a file instead of a folder"
        return f"{name}: {_non_regular(target, rng)}"
    if roll < 0.15:
        return f"{name}: {_non_regular(target, rng)}"
    if roll < 0.25:
        twin = target.with_suffix(".error")
        target.unlink()
        if rng.random() < 0.5:
            twin.mkdir()
            return f"{name}: an .error twin that is a directory"
        twin.write_bytes(rng.choice([b"", b"\xff\xfe", b"An error occurred (AccessDenied)"]))
        return f"{name}: an .error twin"
    if roll < 0.3:
        target.unlink()
        return f"{name}: removed"
    if target.suffix != ".json":
        target.write_bytes(rng.choice([b"", b"\xff\xfe\x00", b"[" * 100_000, b"x" * 100_000]))
        return f"{name}: rewritten"
    what, data = mutate_document(json.loads(target.read_text()), rng)
    target.write_bytes(data)
    return f"{name}: {what}"


def outcome(argv: list[str], named: str) -> str:
    """Run the CLI; "loaded" or "error", else AssertionError (a traceback, a bad message)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    message = err.getvalue().strip()
    if code in (0, 1):
        return "loaded"
    assert code == 2, (code, message)
    assert message.startswith("rolemap: error: ") and "\n" not in message, message
    assert named in message, message
    return "error"
