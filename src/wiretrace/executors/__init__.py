"""Executors decide where stages run; the pipeline decides in what order.

`LocalExecutor` maps a stage over work items in this process; `RayExecutor`
(executors/ray.py) maps the same pure functions over a Ray cluster. The
driver keeps all I/O (reading files, the store), as datatrove keeps steps
apart from executors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    name: str

    def map(self, fn: Callable[[T, Any], R], items: Iterable[T], ctx: Any) -> Iterator[R]:
        """Apply fn(item, ctx) to each item, yielding results in input order."""
        ...

    def close(self) -> None: ...


class LocalExecutor:
    name = "local"

    def map(self, fn: Callable[[T, Any], R], items: Iterable[T], ctx: Any) -> Iterator[R]:
        for item in items:
            yield fn(item, ctx)

    def close(self) -> None:
        return None
