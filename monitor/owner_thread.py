"""Checks side by side, the database on one thread.

A polite night waits on the portals, one host at a time: read one after another, its length is the
sum of every host's requests. Read side by side, one worker thread per check, it is the slowest
check's, while the fetcher still keeps each host to its own `delay` and `concurrency`. (With no
delay nothing waits, and the runner reads the checks one after another: monitor.runner.)

The database stays on the thread that opened it (SQLite's connection belongs to it, and the store's
transactions assume one writer): every store call a worker makes is handed to that thread, the
owner, which runs it between the others and hands the answer back. The workers spend their time
waiting on the portals, the owner on the database.
"""
from __future__ import annotations

import functools
import queue
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Iterator, Sequence, TypeVar

from .errors import MonitorError

T = TypeVar("T")
_FINISHED = object()  # a worker's last word


class RunStopped(MonitorError):
    """The owner thread stopped serving (the run was interrupted): what a worker asked is not done."""


class OwnerThread:
    """The thread that created it, serving the store calls of the workers it runs."""

    def __init__(self) -> None:
        self._owner = threading.get_ident()
        self._calls: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._stopped = False

    def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """function(*args, **kwargs), run on the owner thread; at once when called from it."""
        if threading.get_ident() == self._owner:
            return function(*args, **kwargs)
        if self._stopped:
            raise RunStopped("the run stopped before this could be stored")
        answer: Future[T] = Future()
        self._calls.put((answer, function, args, kwargs))
        return answer.result()

    def side_by_side(self, jobs: Sequence[Callable[[], T]]) -> list[T]:
        """Each job in a worker thread of its own, their store calls served here until all have
        finished; their results in order. A job's exception is raised here once every job has
        stopped. One job runs on this thread, as if there were no workers."""
        if len(jobs) <= 1:
            return [job() for job in jobs]

        def work(job: Callable[[], T]) -> T:
            try:
                return job()
            finally:
                self._calls.put(_FINISHED)

        with ThreadPoolExecutor(max_workers=len(jobs), thread_name_prefix="check") as pool:
            running = [pool.submit(work, job) for job in jobs]
            self._serve(len(jobs))
            return [future.result() for future in running]

    def _serve(self, workers: int) -> None:
        answer: Future[Any] | None = None
        try:
            while workers:
                item = self._calls.get()
                if item is _FINISHED:
                    workers -= 1
                    continue
                answer, function, args, kwargs = item
                try:
                    answer.set_result(function(*args, **kwargs))
                except Exception as exc:  # the worker's to handle, as if it had called it itself
                    answer.set_exception(exc)
                answer = None
        finally:
            if workers:  # interrupted (Ctrl-C, SIGTERM): every worker is told, so that each one ends
                self._stopped = True
                if answer is not None and not answer.done():
                    answer.set_exception(RunStopped("the run stopped while this was being stored"))
                while workers:
                    item = self._calls.get()
                    if item is _FINISHED:
                        workers -= 1
                    else:
                        item[0].set_exception(RunStopped("the run stopped before this could be stored"))


class StoreOnOwner:
    """A store whose every method runs on the owner thread, for the workers of `side_by_side`.

    What a method returns is handed over whole: an iterator is read to its end on the owner thread,
    and a recorder (`request_recorder`) is itself made to write on the owner thread."""

    def __init__(self, store: Any, owner: OwnerThread) -> None:
        self._store, self._owner = store, owner

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._store, name)
        return functools.partial(self._owner.call, _settled, method)

    def request_recorder(self, run_id: int, source: str) -> Callable[..., None]:
        recorder = self._store.request_recorder(run_id, source)
        return functools.partial(self._owner.call, recorder)


def _settled(method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    answer = method(*args, **kwargs)
    return list(answer) if isinstance(answer, Iterator) else answer
