"""A blocking WebSocket client over a plain socket that reads only when asked: a test can
stop reading (a paused client) and let the kernel buffers fill, then read again.
websockets' sans-I/O `ClientProtocol` does the framing; GraphQL messages are JSON."""

from __future__ import annotations

import json
import socket
from collections import deque
from typing import Any

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.typing import Subprotocol
from websockets.uri import parse_uri


class RawWebSocket:
    """`receive_buffer`: SO_RCVBUF set before connecting (the kernel doubles it), so a
    paused client's buffers fill after a few kilobytes."""

    def __init__(
        self,
        url: str,
        subprotocol: str,
        *,
        receive_buffer: int | None = None,
        timeout: float = 20.0,
    ) -> None:
        uri = parse_uri(url)
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if receive_buffer is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(timeout)
        self.sock.connect((uri.host, uri.port))
        self.protocol = ClientProtocol(uri, subprotocols=[Subprotocol(subprotocol)], max_size=None)
        self.protocol.send_request(self.protocol.connect())
        self._flush()
        self.frames: deque[Frame] = deque()
        self.reset = False  # the server dropped the connection (RST), without a close frame
        response = None
        while response is None:
            self._read()
            for event in self.protocol.events_received():
                if isinstance(event, Response):
                    response = event
                else:
                    self.frames.append(event)
        if self.protocol.handshake_exc is not None:
            raise self.protocol.handshake_exc

    @property
    def close_code(self) -> int | None:
        """The code of the close frame the server sent, if one arrived."""
        return self.protocol.close_rcvd.code if self.protocol.close_rcvd else None

    def send_json(self, message: dict[str, Any]) -> None:
        self.protocol.send_text(json.dumps(message).encode())
        self._flush()

    def receive_json(self) -> dict[str, Any] | None:
        """The next text message, or None once the connection has ended (then see
        `close_code` and `reset`)."""
        while True:
            while self.frames:
                frame = self.frames.popleft()
                if frame.opcode is Opcode.TEXT:
                    return json.loads(frame.data)
            if self.protocol.close_rcvd is not None or self.reset or self._ended:
                return None
            self._read()
            self.frames.extend(self.protocol.events_received())

    def close(self) -> None:
        self.sock.close()

    _ended = False

    def _read(self) -> None:
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            self.reset = True
            data = b""
        if data:
            self.protocol.receive_data(data)
        else:
            self._ended = True
            self.protocol.receive_eof()
        self._flush()  # pongs, and the reply to a close frame

    def _flush(self) -> None:
        for data in self.protocol.data_to_send():
            if not data:  # the protocol asks to half-close
                continue
            try:
                self.sock.sendall(data)
            except OSError:
                return  # the server is gone; what it sent can still be read
