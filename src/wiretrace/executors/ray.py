"""Run the pure stages as Ray tasks on a local (or existing) Ray cluster.

The same functions as the local executor, partitioned: each batch of
articles is cleaned in a task, each story analysed in a task. At most
`max_in_flight` tasks are pending so memory stays bounded on big inputs.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any


class RayExecutor:
    name = "ray"

    def __init__(self, num_cpus: int | None = 2, address: str | None = None, max_in_flight: int = 16):
        import ray

        self._ray = ray
        self._owns = not ray.is_initialized()
        if self._owns:
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            if address:
                kwargs["address"] = address
            else:
                kwargs["num_cpus"] = num_cpus
            ray.init(**kwargs)
        self._max_in_flight = max_in_flight
        self._remotes: dict[Callable[..., Any], Any] = {}

    def _remote(self, fn: Callable[..., Any]) -> Any:
        if fn not in self._remotes:
            self._remotes[fn] = self._ray.remote(fn)
        return self._remotes[fn]

    def map(self, fn: Callable[[Any, Any], Any], items: Iterable[Any], ctx: Any) -> Iterator[Any]:
        remote = self._remote(fn)
        ctx_ref = self._ray.put(ctx)
        pending: deque[Any] = deque()
        for item in items:
            pending.append(remote.remote(item, ctx_ref))
            if len(pending) >= self._max_in_flight:
                yield self._ray.get(pending.popleft())
        while pending:
            yield self._ray.get(pending.popleft())

    def close(self) -> None:
        if self._owns and self._ray.is_initialized():
            self._ray.shutdown()
