"""Backpressure for WebSocket clients served by daphne: a client that stops reading is
closed with 1013 ("try again later") once the bytes waiting for it in this process pass a
bound, and its TCP connection is dropped soon after.

Daphne gives the ASGI application no sign of a slow reader: `send` never waits, and what
a client does not read piles up in the Twisted transport's write buffer, without limit.
The per-subscription queue (`bus.Listener`) cannot see it, since the application drains
it into that buffer at once. So the bound is enforced here, at the buffer, for every
WebSocket of the process whatever its subprotocol (graphql-transport-ws and graphql-ws
both go through daphne's one protocol class):

- after each message the application sends, the bytes not yet handed to the kernel are
  counted; above `max_unsent_bytes`, with the socket's kernel buffer full (it does not
  poll writable), a close frame with 1013 is queued behind them, the
  application is told the client is gone (`websocket.disconnect`, so its subscriptions
  end and their resources are freed now), and whatever it still sends is dropped;
- a client that resumes reading within `close_timeout` seconds reads what was queued,
  then the close frame; a client that does not is dropped (`abortConnection`: the
  buffered bytes are discarded with the connection). Either way it reconnects and
  resumes from the last cursor it received.

Also: daphne closes through autobahn's `sendClose`, which refuses every close code but
1000 and 3000-4999, so an application's own 1011/1012/1013/1014 close (e.g. a subscription
that fell behind, or lost Redis) raised inside `send` instead of reaching the client; and
it drops the ASGI close `reason`. Closes go out with their code and reason here.

Library internals relied on (checked with daphne 4.2.3, Twisted 26.10.0, autobahn 26.11.1):
- `daphne.ws_protocol.WebSocketProtocol`: daphne's one WebSocket protocol class, subclassed.
- `daphne.ws_protocol.WebSocketProtocol.handle_reply`: overridden to count what waits after
  each message the application sends.
- `daphne.ws_protocol.WebSocketProtocol.serverClose`: overridden to close with any code and
  the ASGI close's reason.
- `daphne.ws_protocol.WebSocketProtocol.muted`: set once the client is told gone.
- `daphne.ws_protocol.WebSocketProtocol.application_queue` (instance attribute): where the
  `websocket.disconnect` is put for the application.
- `daphne.ws_protocol.WebSocketFactory.protocol`: replaced by `install`.
- `twisted.internet.abstract.FileDescriptor.dataBuffer`: the user-space write buffer.
- `twisted.internet.abstract.FileDescriptor.offset`: how much of it was written.
- `twisted.internet.abstract.FileDescriptor._tempDataLen` (instance attribute): bytes written
  but not yet in `dataBuffer` (unsent: `len(dataBuffer) - offset + _tempDataLen`).
- `autobahn.websocket.protocol.WebSocketProtocol.sendCloseFrame`: sends any close code,
  unlike `sendClose`.
- `autobahn.websocket.protocol.WebSocketProtocol.state` (instance attribute): compared with
  `STATE_OPEN`.
- `autobahn.websocket.protocol.WebSocketProtocol.STATE_OPEN`: the open state.
- `autobahn.websocket.protocol.WebSocketProtocol.closeHandshakeTimeout` (instance attribute):
  its own drop timer after a close, turned off.
A TLS transport's `.transport` (the TCP one under it) is followed too.
"""

from __future__ import annotations

import select
from typing import Any, ClassVar

from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol
from django.conf import settings

from realtime import metrics

SLOW_READER_CLOSE_CODE = 1013  # RFC 6455 "Try Again Later"
SLOW_READER_REASON = "Too slow to keep up: reconnect and resume from your last cursor."
# Close codes a server may send besides 1000 and 3000-4999 (RFC 6455 7.4.1, IANA registry).
SERVER_CLOSE_CODES = frozenset({1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014})
MAX_REASON_BYTES = 123  # a close frame's payload is at most 125 bytes, 2 of them the code


def _tcp_transport(transport: Any) -> Any:
    """The Twisted file descriptor under `transport` (TLS wraps it), or None."""
    while transport is not None:
        if hasattr(transport, "_tempDataLen") and hasattr(transport, "dataBuffer"):
            return transport
        transport = getattr(transport, "transport", None)
    return None


def unsent_bytes(transport: Any) -> int:
    """Bytes written to `transport` that the kernel has not accepted yet (0 when the
    transport is not one whose buffer can be read)."""
    tcp = _tcp_transport(transport)
    if tcp is None:
        return 0
    return len(tcp.dataBuffer) - tcp.offset + tcp._tempDataLen


def _kernel_takes_more(tcp: Any) -> bool:
    """Whether the socket's kernel send buffer has room (it polls writable)."""
    try:
        poller = select.poll()
        poller.register(tcp.fileno(), select.POLLOUT)
        return any(events & select.POLLOUT for _, events in poller.poll(0))
    except (OSError, ValueError):
        return False  # closed under us: nothing will drain it


class BoundedWebSocketProtocol(WebSocketProtocol):
    """Daphne's WebSocket protocol with a bounded outgoing buffer (see the module)."""

    max_unsent_bytes: ClassVar[int] = 0  # 0: no bound
    close_timeout: ClassVar[float] = 5.0
    closed_as_slow = False
    _drop_call: Any = None

    def handle_reply(self, message: dict[str, Any]) -> None:
        if self.closed_as_slow:
            return  # the application was told the client is gone
        if message.get("type") == "websocket.close" and self.state == self.STATE_OPEN:
            self._send_close(message.get("code") or 1000, message.get("reason") or "")
            return
        super().handle_reply(message)
        if (
            message.get("type") == "websocket.send"
            and self.max_unsent_bytes > 0
            and self.state == self.STATE_OPEN
            and self.falls_behind()
        ):
            self.close_slow_reader()

    def falls_behind(self) -> bool:
        """More than `max_unsent_bytes` wait in this process and the kernel takes no more.

        What was just written waits too until the reactor's next turn hands it to the
        kernel: a burst (one event to twenty subscriptions, a resume's replay) must not
        count against a client that reads, so the kernel's send buffer must be full too."""
        tcp = _tcp_transport(self.transport)
        if tcp is None or unsent_bytes(tcp) <= self.max_unsent_bytes:
            return False
        return not _kernel_takes_more(tcp)

    def serverClose(self, code: int | None = None) -> None:
        """Daphne's own closes (its timeouts) go out with their code as well."""
        self._send_close(1000 if code is None else code, "")

    def close_slow_reader(self) -> None:
        self.closed_as_slow = True
        metrics.SLOW_CONSUMER_CLOSES[(str(SLOW_READER_CLOSE_CODE), "unsent_bytes")].inc()
        # Our timer, not autobahn's (1 s after any close), decides when to drop.
        self.closeHandshakeTimeout = 0
        self._send_close(SLOW_READER_CLOSE_CODE, SLOW_READER_REASON)
        from twisted.internet import reactor  # daphne's, installed before any connection

        self._drop_call = reactor.callLater(self.close_timeout, self._drop)
        if hasattr(self, "application_queue") and not self.muted:
            # daphne sends the application no second disconnect when the connection ends,
            # and ignores what the client sends from now on.
            self.muted = True
            self.application_queue.put_nowait(
                {"type": "websocket.disconnect", "code": SLOW_READER_CLOSE_CODE}
            )

    def _drop(self) -> None:
        self._drop_call = None
        transport = self.transport
        if transport is not None and getattr(transport, "connected", False):
            transport.abortConnection()

    def _send_close(self, code: int, reason: str) -> None:
        if code == 1000 or 3000 <= code <= 4999 or code in SERVER_CLOSE_CODES:
            payload = reason.encode()[:MAX_REASON_BYTES].decode(errors="ignore").encode()
            self.sendCloseFrame(code=code, reasonUtf8=payload or None)
        else:
            self.sendClose(code=code)  # autobahn refuses the code, as before

    def connectionLost(self, reason: Any) -> None:
        if self._drop_call is not None and self._drop_call.active():
            self._drop_call.cancel()
        self._drop_call = None
        super().connectionLost(reason)


def install() -> None:
    """Serve every WebSocket of this process with `BoundedWebSocketProtocol`, bounded by
    WS_MAX_UNSENT_BYTES (0: unbounded; closes still keep their code) and dropped
    WS_SLOW_CLIENT_CLOSE_TIMEOUT seconds after the close. From the composition root,
    before daphne accepts connections."""
    BoundedWebSocketProtocol.max_unsent_bytes = settings.WS_MAX_UNSENT_BYTES
    BoundedWebSocketProtocol.close_timeout = settings.WS_SLOW_CLIENT_CLOSE_TIMEOUT
    WebSocketFactory.protocol = BoundedWebSocketProtocol
