"""One HTTP POST to a webhook receiver, within the SSRF rules (addresses.py).

- The connection goes to an address that was resolved and checked just before, not to a
  second look-up of the host; the request still names the host (`Host`, and the TLS
  server name whose certificate is verified).
- No redirect is followed (a 3xx answer is a failure like any other non-2xx), no proxy
  from the environment is used.
- `timeout` bounds the whole attempt, connection included: a receiver that trickles its
  answer byte by byte is cut off at the deadline all the same.
- Only the status line is read, never the body: what is recorded of an attempt (shown by
  the API to holders of WEBHOOKS_MANAGE) is its status code, its duration and a short
  error of our own ("HTTP 500", "Connection refused.", "Timed out after 10 s."), so a
  receiver's answers (or an internal service's, where WEBHOOK_ALLOWED_HOSTS lets one be
  reached) cannot be read through the API. The receiver's own logs have its side.
- Any exception, even one that should not happen (a bug here or in http.client), ends as
  a failed Outcome (logged with its traceback): the attempt is recorded and retried later,
  and the other endpoints are not held up.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from domain.webhooks.addresses import IpAddress, Target

USER_AGENT = "shop-api-webhooks/1"

logger = logging.getLogger("domain.webhooks")


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
    """A short message of our own: never the exception's text, which may quote what the
    other side said (a certificate's names, for one)."""
    if isinstance(error, TimeoutError):
        return f"Timed out after {timeout:g} s."
    if isinstance(error, ConnectionRefusedError):
        return "Connection refused."
    if isinstance(error, ConnectionResetError | ConnectionAbortedError | BrokenPipeError):
        return "Connection reset."
    if isinstance(error, ssl.SSLCertVerificationError):
        return "TLS certificate not valid."
    if isinstance(error, ssl.SSLError):
        return "TLS handshake failed."
    if isinstance(error, http.client.HTTPException):
        return f"Not an HTTP answer: {type(error).__name__}."
    if isinstance(error, OSError):
        return "Connection failed."
    return f"Internal error ({type(error).__name__})."


def post(
    target: Target,
    addresses: list[IpAddress],
    *,
    headers: dict[str, str],
    body: bytes,
    timeout: float,
) -> Outcome:
    """POST `body` to `target` through the first of `addresses` that accepts a connection
    (the next one is tried only when one cannot be connected to). Never raises: whatever
    goes wrong is a failed Outcome."""
    started = time.monotonic()
    try:
        return _post(
            target, addresses, headers=headers, body=body, timeout=timeout, started=started
        )
    except Exception as error:  # a defect: recorded as a failed attempt, never raised
        logger.exception("webhook POST to %s failed unexpectedly", target.host)
        elapsed = round((time.monotonic() - started) * 1000)
        return Outcome(status_code=None, duration_ms=elapsed, error=_describe(error, timeout))


def _post(
    target: Target,
    addresses: list[IpAddress],
    *,
    headers: dict[str, str],
    body: bytes,
    timeout: float,
    started: float,
) -> Outcome:
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
            return Outcome(status_code=status, duration_ms=elapsed, error=f"HTTP {status}")
        except (OSError, http.client.HTTPException) as caught:
            last_error = TimeoutError() if deadline.expired else caught
            if connected or deadline.expired:
                break  # the receiver was reached, or time is up: never send twice
        finally:
            connection.close()
    elapsed = round((time.monotonic() - started) * 1000)
    return Outcome(status_code=None, duration_ms=elapsed, error=_describe(last_error, timeout))
