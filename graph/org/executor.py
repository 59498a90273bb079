"""Where per-account work runs: one interface, two engines running the same function.

`LocalPool` (the default) is a process pool on this machine; `DaskExecutor` runs on Dask
distributed, a LocalCluster it starts (`--dask`) or an existing scheduler (`--scheduler`).
The shared value (the organisation's index) is shipped once: the pool's initializer puts it
in each process, Dask broadcasts it to every worker (`scatter(..., broadcast=True)`) and
passes the handle. A task's failure comes back as its exception, never ending the others.

The function and tasks must be picklable (module-level function, dataclass tasks); the
paths in the tasks must be readable and writable by the workers (a shared file system when
the scheduler is on other machines).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from types import TracebackType
from typing import Any, Protocol, TypeVar

from graph.errors import RolemapError

T = TypeVar("T")
R = TypeVar("R")
Work = Callable[[Any, T], R]


class Executor(Protocol):
    """Runs `fn(shared, task)` for every task, yielding each (task, result or exception) as
    it completes."""

    name: str

    def ship(self, shared: Any) -> None: ...

    def run(self, fn: Work[T, R], tasks: Sequence[T]) -> Iterator[tuple[T, R | BaseException]]:
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Executor: ...

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...


_SHARED: Any = None


def _init(shared: Any) -> None:
    global _SHARED
    _SHARED = shared


def _call(fn: Work[T, R], task: T) -> R:
    return fn(_SHARED, task)


class _Closing:
    def close(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def __enter__(self) -> Any:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


#: Accounts a pool process analyses before a fresh one replaces it. A process keeps what
#: an analysis leaves on its heap: one small synthetic account alone peaks at 372 MiB, yet
#: two processes that had analysed 25 such accounts each held about 700 MiB, so memory
#: followed the number of accounts. (`max_tasks_per_child` hung the pool on Python 3.11.)
TASKS_PER_PROCESS = 4


class LocalPool(_Closing):
    """A process pool of `jobs` processes (default: the CPUs available), renewed after every
    `tasks_per_process` accounts per process (the index is shipped to each new process by
    the fork itself)."""

    name = "local pool"

    def __init__(self, jobs: int | None = None,
                 tasks_per_process: int = TASKS_PER_PROCESS) -> None:
        self.jobs = jobs or len(os.sched_getaffinity(0))
        self.tasks_per_process = tasks_per_process
        self._pool: ProcessPoolExecutor | None = None
        self._shared: Any = None

    def ship(self, shared: Any) -> None:
        self._shared = shared
        self.close()

    def run(self, fn: Work[T, R], tasks: Sequence[T]) -> Iterator[tuple[T, R | BaseException]]:
        batch = self.jobs * self.tasks_per_process
        for start in range(0, len(tasks), batch):
            self.close()
            self._pool = ProcessPoolExecutor(self.jobs, initializer=_init,
                                             initargs=(self._shared,))
            pending: dict[Future[R], T] = {self._pool.submit(_call, fn, t): t
                                           for t in tasks[start:start + batch]}
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    task = pending.pop(fut)
                    exc = fut.exception()
                    yield (task, exc) if exc is not None else (task, fut.result())
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor(_Closing):
    """Dask distributed: a LocalCluster of `workers` single-threaded workers (`processes=False`
    keeps them in this process, for tests), or the scheduler at `address`."""

    name = "dask"

    def __init__(self, address: str | None = None, workers: int | None = None,
                 processes: bool = True, timeout: float = 10.0) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise RolemapError("Dask is not installed: pip install 'rolemap[org]'") from None
        self._cluster: Any = None
        if address is None:
            self._cluster = LocalCluster(
                n_workers=workers or len(os.sched_getaffinity(0)), threads_per_worker=1,
                processes=processes, dashboard_address=None)
            self.client = Client(self._cluster)
            self.name = f"dask (LocalCluster, {len(self._cluster.workers)} workers)"
        else:
            try:
                self.client = Client(address, timeout=f"{timeout}s")
            except (OSError, TimeoutError) as exc:
                raise RolemapError(f"--scheduler {address}: cannot connect ({exc})") from None
            self.name = f"dask ({address})"
        self._shared: Any = None

    def ship(self, shared: Any) -> None:
        self._shared = self.client.scatter(shared, broadcast=True, hash=False)

    def run(self, fn: Work[T, R], tasks: Sequence[T]) -> Iterator[tuple[T, R | BaseException]]:
        from distributed import as_completed

        futures = {self.client.submit(fn, self._shared, t, pure=False): t for t in tasks}
        for fut in as_completed(list(futures)):
            task = futures.pop(fut)
            if fut.status == "error":
                yield task, fut.exception()
            else:
                yield task, fut.result()
            fut.release()

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
