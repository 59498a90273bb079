"""An export's rows rendered by several processes and written in turn, in unit order.

Deciding a role is pure Python, so threads would only take turns under one interpreter lock.
A forked process starts with the set-up account already in its memory (copy-on-write,
nothing pickled). The units (roles, or instances) are cut into spans; each process takes
the next span nobody has taken, renders its rows, and writes them to the output itself when
every earlier span is written (a shared turn counter). The output is byte for byte what one
process writes (tests/access/test_shards.py), with no copy through a temporary file: a
large by-role export is gigabytes of text.

Each process keeps its own caches: an answer both need is decided by both. That costs CPU
time but not correctness, since every answer is decided from the same account and the same
cache keys. A child that dies before writing a span it took has that span rendered by the
parent; one that dies half-way through writing makes the export fail (the output file is
then never put in place: safe_files.writing).

Only where `os.fork` exists, and only from the command line: the app runs threads, and
forking a process with threads is unsafe.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import signal
from dataclasses import dataclass
from typing import Any, TextIO

from graph.errors import RolemapError
from graph.exports.rows import BlockSource
from graph.exports.writers import WRITE_SIZE, Renderer, write_rows
from graph.stop_signals import default_in_child, die_with_parent, signals_held

#: Below this many units, one process writes everything (forking would cost more).
MIN_UNITS = 200
#: At most this many units per span: spans small enough that the processes finish together.
MAX_SPAN = 16
#: Encoded rows a process holds for spans whose turn has not come before it stops rendering
#: more and waits for the turn instead.
HELD_BYTES = 256 << 20
#: Processes an export uses by default at most (each holds its own decided answers, so
#: memory grows with every one; `--jobs` asks for more).
DEFAULT_MAX_WORKERS = 2
#: Seconds between checks that the other processes are still alive, while waiting a turn.
_POLL = 0.2
#: A child's exit status when the reader of the output has gone (`rolemap export | head`).
_READER_GONE = 32


def default_workers() -> int:
    """Processes an export uses by default: the CPUs this process may run on, at most
    DEFAULT_MAX_WORKERS."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(DEFAULT_MAX_WORKERS, cpus))


def spans(units: int, workers: int) -> list[tuple[int, int]]:
    """[start, stop) spans covering `units`: about 32 per process, at most MAX_SPAN each."""
    size = max(1, min(MAX_SPAN, math.ceil(units / (workers * 32))))
    return [(i, min(i + size, units)) for i in range(0, units, size)]


@dataclass
class _Shared:
    """What the processes share (in shared memory, made before forking)."""

    spans: list[tuple[int, int]]
    #: The next span nobody has taken.
    taken: Any
    #: The next span to be written; every earlier one is in the output.
    turn: Any
    #: Rows written so far (0: the next rows written are the first, after `lead`).
    rows: Any
    #: Per span: the pid of the process that took it.
    takers: Any
    #: The span being written (-1: none), to tell a writer that died half-way.
    writing: Any
    cond: Any


def _shared(todo: list[tuple[int, int]]) -> _Shared:
    ctx = multiprocessing.get_context("fork")
    lock = ctx.Lock()
    return _Shared(todo, ctx.RawValue("q", 0), ctx.RawValue("q", 0), ctx.RawValue("q", 0),
                   ctx.RawArray("q", len(todo)), ctx.RawValue("q", -1), ctx.Condition(lock))


@dataclass
class _Held:
    """A rendered span waiting for its turn: encoded rows (joined by `sep` inside each
    piece), and how many rows."""

    span: int
    pieces: list[bytes]
    rows: int
    size: int


class _Writer:
    """One process's part: take spans, render them, write each in its turn."""

    def __init__(self, shared: _Shared, source: BlockSource, render: Renderer,
                 out: tuple[int, str, str], sep: str, lead: str,
                 children: list[int] | None = None) -> None:
        self.shared = shared
        self.source = source
        self.render = render
        self.fd, self.encoding, self.errors = out
        self.sep = sep.encode(self.encoding, self.errors)
        self.lead = lead.encode(self.encoding, self.errors)
        #: The parent watches its children: a span a dead child took is rendered here.
        self.children = children
        self.parent = os.getppid()
        self.held: list[_Held] = []

    def run(self) -> None:
        sh = self.shared
        me = os.getpid()
        while True:
            self._write_ready()
            if sum(h.size for h in self.held) > HELD_BYTES:
                self._wait_turn(self.held[0].span)
                continue
            with sh.cond:
                k = sh.taken.value
                if k >= len(sh.spans):
                    break
                sh.taken.value = k + 1
                sh.takers[k] = me
            self.held.append(self._render(k))
        while self.held:
            self._wait_turn(self.held[0].span)
            self._write_ready()
        if self.children is not None:
            self._wait_turn(len(sh.spans))

    def _render(self, k: int) -> _Held:
        pieces: list[bytes] = []
        rows = size = 0
        for text, n in self.render(self.source.blocks(*self.shared.spans[k])):
            data = text.encode(self.encoding, self.errors)
            pieces.append(data)
            rows += n
            size += len(data)
        return _Held(k, pieces, rows, size)

    def _write_ready(self) -> None:
        """Write the held spans whose turn has come."""
        sh = self.shared
        while self.held and sh.turn.value == self.held[0].span:
            held = self.held.pop(0)
            with sh.cond:
                first = sh.rows.value == 0
                sh.writing.value = held.span
            if held.rows:
                self._write(held, first)
            with sh.cond:
                sh.rows.value += held.rows
                sh.writing.value = -1
                sh.turn.value = held.span + 1
                sh.cond.notify_all()

    def _write(self, held: _Held, first: bool) -> None:
        out: list[bytes] = [self.lead if first else self.sep]
        size = len(out[0])
        for i, piece in enumerate(held.pieces):
            if i:
                out.append(self.sep)
            out.append(piece)
            size += len(piece)
            if size >= WRITE_SIZE:
                _write_all(self.fd, b"".join(out))
                out.clear()
                size = 0
        if out:
            _write_all(self.fd, b"".join(out))

    def _wait_turn(self, span: int) -> None:
        """Wait until the turn reaches `span` (the parent: rendering what a dead child
        took but never wrote; a child: leaving if the parent is gone)."""
        sh = self.shared
        while True:
            with sh.cond:
                if sh.turn.value >= span:
                    return
                sh.cond.wait(_POLL)
                if sh.turn.value >= span:
                    return
                stuck = sh.turn.value
            if self.children is None:
                if os.getppid() != self.parent:
                    os._exit(1)
            elif stuck < len(sh.spans) and self._lost(stuck):
                self.held.insert(0, self._render(stuck))
                self._write_ready()

    def _lost(self, k: int) -> bool:
        """Whether span k was taken by a child that has died without writing it."""
        sh = self.shared
        assert self.children is not None
        taker = sh.takers[k]
        if taker not in self.children or _alive(taker):
            return False
        if sh.writing.value == k:
            if _ENDED.get(taker) == _READER_GONE:
                raise BrokenPipeError("the reader of the export has gone")
            raise RolemapError("a process writing the export stopped half-way through "
                               "(killed, or out of memory?); nothing was written")
        return True


#: Exit codes of reaped children, by pid.
_ENDED: dict[int, int] = {}


def _alive(pid: int) -> bool:
    """Whether a child still runs (reaping it, and keeping its exit code, once it ended)."""
    if pid in _ENDED:
        return False
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False
    if done == 0:
        return True
    _ENDED[pid] = os.waitstatus_to_exitcode(status)
    return False


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def write_sharded(out: TextIO, source: BlockSource, render: Renderer, sep: str, lead: str,
                  workers: int, min_units: int | None = None) -> int:
    """Write the export's rows to `out` (joined by `sep`, `lead` before the first); returns
    how many. With `workers` > 1 (fork available, `out` a real file or pipe, at least
    `min_units` units), forked processes render and write spans too."""
    try:
        fd = out.fileno()
    except (AttributeError, OSError, ValueError):
        fd = -1
    least = MIN_UNITS if min_units is None else min_units
    if workers <= 1 or fd < 0 or len(source.units) < least or not hasattr(os, "fork"):
        return write_rows(out, render(source.blocks()), sep, lead)
    out.flush()
    # The stream's own encoding (stdout's may not be UTF-8), as its writes would use.
    target = (fd, getattr(out, "encoding", None) or "utf-8",
              getattr(out, "errors", None) or "strict")
    shared = _shared(spans(len(source.units), workers))
    children: list[int] = []
    parent = os.getpid()
    try:
        for _ in range(workers - 1):
            # A stop arriving during the fork is held until both sides are ready for it
            # (Python would drop the exception raised in its at-fork hooks).
            with signals_held():
                pid = os.fork()
                if pid == 0:
                    # A stop (Ctrl-C, SIGTERM, SIGHUP to the process group) ends a child at
                    # once; the parent removes the output. It ends with the parent too.
                    default_in_child()
                    die_with_parent(parent)
                else:
                    children.append(pid)
            if pid == 0:  # a child: write its spans, leave without the parent's exit code
                code = 1
                try:
                    _Writer(shared, source, render, target, sep, lead).run()
                    code = 0
                except BrokenPipeError:
                    code = _READER_GONE
                finally:
                    os._exit(code)
        _Writer(shared, source, render, target, sep, lead, children).run()
    finally:
        for pid in children:
            with contextlib.suppress(OSError):
                if _alive(pid):
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
            _ENDED.pop(pid, None)
    return int(shared.rows.value)
