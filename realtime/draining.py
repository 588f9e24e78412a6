"""A process that is going away: its open WebSockets closed with 1001 ("going away"), its
HTTP requests in flight finished, within a bounded time.

What a restart needs from the application, whatever server runs it (the daphne side, the
signal and the listening sockets, is realtime/graceful_shutdown.py):

- every WebSocket that should be closed is registered while open (`track_socket`, by the
  GraphQL consumer, on both protocols) with how to close it;
- every HTTP request is counted while it runs (`count_requests`, around the HTTP
  application in project/asgi.py);
- `drain(grace)` marks the process as draining, closes every registered socket with 1001
  and a reason telling the client to reconnect and resume from its last cursor (another
  process answers: the cursor makes the resume exact), then waits until every socket is
  gone and every request has answered, or `grace` seconds have passed.

`process_draining.active` is the flag a readiness check reads (a draining process is not
ready: a load balancer stops sending it new work), and a socket that opens while the
process drains is closed with 1001 at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

logger = logging.getLogger(__name__)

GOING_AWAY_CLOSE_CODE = 1001  # RFC 6455 "going away": a server restarting
GOING_AWAY_REASON = "Server restarting: reconnect and resume from your last cursor."
# How often `drain` looks whether the last socket and request are gone.
DRAIN_POLL_SECONDS = 0.05

Close = Callable[[int, str], Awaitable[None]]


class Draining:
    """One process's shutdown state (see the module); `process_draining` is the process's."""

    def __init__(self) -> None:
        self.since: float | None = None  # time.monotonic() when the drain began
        self._sockets: dict[object, Close] = {}
        self._requests = 0

    @property
    def active(self) -> bool:
        return self.since is not None

    @property
    def open_sockets(self) -> int:
        return len(self._sockets)

    @property
    def requests_in_flight(self) -> int:
        return self._requests

    async def track_socket(self, socket: object, close: Close) -> None:
        """Register `socket` until `forget_socket`; closed with 1001 at once when the
        process already drains."""
        self._sockets[socket] = close
        if self.active:
            await _close(socket, close)

    def forget_socket(self, socket: object) -> None:
        self._sockets.pop(socket, None)

    def count_requests(self, application: Any) -> Any:
        """`application` (ASGI, HTTP), with each request counted while it runs."""

        async def counted(scope: Any, receive: Any, send: Any) -> None:
            self._requests += 1
            try:
                await application(scope, receive, send)
            finally:
                self._requests -= 1

        return counted

    async def drain(self, grace: float) -> bool:
        """Close every socket with 1001, then wait for the sockets and requests to end, for
        at most `grace` seconds from the start; whether they all ended."""
        if self.since is None:
            self.since = time.monotonic()
        deadline = self.since + grace
        sockets = list(self._sockets.items())
        logger.warning(
            "Draining: closing %d WebSocket(s) with %d, %d HTTP request(s) in flight, "
            "at most %.1f s",
            len(sockets),
            GOING_AWAY_CLOSE_CODE,
            self._requests,
            grace,
        )
        closing = asyncio.gather(*(_close(socket, close) for socket, close in sockets))
        with contextlib.suppress(TimeoutError):  # the wait below ends at the same deadline
            await asyncio.wait_for(closing, timeout=max(deadline - time.monotonic(), 0))
        while (self._sockets or self._requests) and time.monotonic() < deadline:
            await asyncio.sleep(DRAIN_POLL_SECONDS)
        drained = not (self._sockets or self._requests)
        if drained:
            logger.warning("Drained in %.2f s", time.monotonic() - self.since)
        else:
            logger.warning(
                "Drain ended after %.1f s with %d WebSocket(s) open and %d HTTP request(s) "
                "in flight: they are cut",
                grace,
                len(self._sockets),
                self._requests,
            )
        return drained


async def _close(socket: object, close: Close) -> None:
    try:
        await close(GOING_AWAY_CLOSE_CODE, GOING_AWAY_REASON)
    except Exception:  # one socket's failure must not keep the others open
        logger.exception("Closing %r for the drain failed", socket)


process_draining = Draining()
