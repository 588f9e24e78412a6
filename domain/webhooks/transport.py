"""One HTTP POST to a webhook receiver, within the SSRF rules (addresses.py).

- The connection goes to an address that was resolved and checked just before, not to a
  second look-up of the host; the request still names the host (`Host`, and the TLS
  server name whose certificate is verified).
- No redirect is followed (a 3xx answer is a failure like any other non-2xx), no proxy
  from the environment is used.
- `timeout` bounds the whole attempt, connection included: a receiver that trickles its
  answer byte by byte is cut off at the deadline all the same.
- Only the status line and at most ERROR_BODY_BYTES of an error answer's body are read.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from domain.webhooks.addresses import IpAddress, Target

ERROR_BODY_BYTES = 512
USER_AGENT = "shop-api-webhooks/1"


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    duration_ms: int | None
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to `address`, for the host named in the request."""

    def __init__(self, target: Target, address: IpAddress, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.pinned_address = address

    def _open(self) -> socket.socket:
        return socket.create_connection((str(self.pinned_address), self.port), self.timeout)

    def connect(self) -> None:
        self.sock = self._open()


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    default_port = http.client.HTTPS_PORT

    def __init__(self, target: Target, address: IpAddress, timeout: float) -> None:
        super().__init__(target, address, timeout)
        self.tls = ssl.create_default_context()

    def connect(self) -> None:
        self.sock = self.tls.wrap_socket(self._open(), server_hostname=self.host)


class _Deadline:
    """Shuts the connection's socket down when the time is up, which ends any read or
    write it is blocked in."""

    def __init__(self, connection: http.client.HTTPConnection, seconds: float) -> None:
        self.connection = connection
        self.expired = False
        self.timer = threading.Timer(seconds, self._expire)
        self.timer.daemon = True

    def _expire(self) -> None:
        self.expired = True
        sock = self.connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Deadline:
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.cancel()


def _describe(error: BaseException, timeout: float) -> str:
    if isinstance(error, TimeoutError | socket.timeout):
        return f"Timed out after {timeout:g} s."
    if isinstance(error, ConnectionRefusedError):
        return "Connection refused."
    if isinstance(error, ssl.SSLError | ssl.CertificateError):
        return f"TLS error: {error}"
    if isinstance(error, http.client.HTTPException):
        return f"Not an HTTP answer: {type(error).__name__}."
    return f"Connection failed: {error}"


def _read_detail(response: http.client.HTTPResponse) -> str:
    """The start of an error answer's body, for the record (empty if it cannot be read)."""
    try:
        return response.read(ERROR_BODY_BYTES).decode("utf-8", "replace").strip()
    except (OSError, http.client.HTTPException):
        return ""


def post(
    target: Target,
    addresses: list[IpAddress],
    *,
    headers: dict[str, str],
    body: bytes,
    timeout: float,
) -> Outcome:
    """POST `body` to `target` through the first of `addresses` that accepts a connection
    (the next one is tried only when one cannot be connected to)."""
    started = time.monotonic()
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    request_headers = {"content-type": "application/json", "user-agent": USER_AGENT, **headers}
    last_error: BaseException = TimeoutError()
    for address in addresses:
        remaining = timeout - (time.monotonic() - started)
        if remaining <= 0:
            break
        connection = connection_class(target, address, remaining)
        connected = False
        deadline = _Deadline(connection, remaining)
        try:
            with deadline:
                connection.connect()
                connected = True
                connection.request("POST", target.path, body=body, headers=request_headers)
                response = connection.getresponse()
                elapsed = round((time.monotonic() - started) * 1000)
                status = response.status
                if 200 <= status < 300:
                    return Outcome(status_code=status, duration_ms=elapsed)
                detail = _read_detail(response)
            error = f"HTTP {status}" + (f": {detail}" if detail else "")
            return Outcome(status_code=status, duration_ms=elapsed, error=error)
        except (OSError, http.client.HTTPException) as caught:
            last_error = TimeoutError() if deadline.expired else caught
            if connected or deadline.expired:
                break  # the receiver was reached, or time is up: never send twice
        finally:
            connection.close()
    elapsed = round((time.monotonic() - started) * 1000)
    return Outcome(status_code=None, duration_ms=elapsed, error=_describe(last_error, timeout))
