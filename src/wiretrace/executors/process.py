"""Run the pure stages in worker processes on this machine (the standard library's process pool).

The same functions as the local executor, so the answers are the same; it only spreads the per-article stages
(clean, analyse, fingerprint, claims' parse) and the story stages over the machine's cores. Each worker loads its
own models once (the `Context` pickles without them, and an unpickled one shares the worker's cache). At most
`max_in_flight` items are pending so memory stays bounded.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any


class ProcessExecutor:
    name = "process"

    def __init__(self, workers: int = 2, max_in_flight: int | None = None):
        # "spawn": a fresh interpreter per worker, never a fork of a driver holding SQLite handles and model threads.
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
        self._max_in_flight = max_in_flight or 4 * workers

    def map(self, fn: Callable[[Any, Any], Any], items: Iterable[Any], ctx: Any) -> Iterator[Any]:
        pending: deque[Future] = deque()
        for item in items:
            pending.append(self._pool.submit(fn, item, ctx))
            if len(pending) >= self._max_in_flight:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
