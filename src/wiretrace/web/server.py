"""The uvicorn server `serve` runs, with the timeouts uvicorn lacks.

uvicorn closes idle keep-alive connections but has no limit on how long a client may take to send a request's
headers: a client that drips one byte a second (slowloris) holds a connection for ever, and 1,300 of them held the
server. `TimedH11Protocol` closes a connection whose request headers have not all arrived `HEADER_TIMEOUT` seconds
after it opened (or after its previous response); the body has its own limit in the app (`BodySizeLimit`).
Subclassing uvicorn's protocol (a documented `--http` extension point) is the smallest way to add it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT = 10.0  # seconds from connection (or last response) to a complete request head
KEEP_ALIVE = 5  # seconds an idle keep-alive connection stays open
MAX_CONNECTIONS = 512  # connections plus running requests; beyond it a request gets 503 at once


class TimedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, closing connections that do not send a request head in time."""

    header_timeout: float = HEADER_TIMEOUT

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_timer: asyncio.TimerHandle | None = None
        self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _disarm(self) -> None:
        timer = getattr(self, "_head_timer", None)
        if timer is not None:
            timer.cancel()
            self._head_timer = None

    def handle_events(self) -> None:
        before = self.cycle
        super().handle_events()
        if self.cycle is not before:  # a request head arrived: the app's own limits take over
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and (self.cycle is None or self.cycle.response_complete):
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if (self.cycle is None or self.cycle.response_complete) and not self.transport.is_closing():
            self.transport.close()


def server_config(app: Any, host: str, port: int) -> Any:
    """The uvicorn configuration `serve` uses (also used by the tests, so they exercise the same timeouts)."""
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, log_level="warning", http=TimedH11Protocol,
                          timeout_keep_alive=KEEP_ALIVE, limit_concurrency=MAX_CONNECTIONS)
