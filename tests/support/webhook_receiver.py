"""A webhook receiver for tests: a real HTTP server on 127.0.0.1 in a thread of the test
process, recording every request, answering with the statuses a test scripts, and able to
hold a request until the test lets it go."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WAIT = 60  # seconds a test waits for a request before failing


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # names in lowercase
    body: bytes


class Receiver:
    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.statuses: deque[int] = deque()
        self.arrived = threading.Condition()
        self.hold = False
        self.body = b"ok"  # what every answer carries
        self.released = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def answer(self, *statuses: int) -> None:
        """Answer the next requests with these statuses, then 200."""
        self.statuses.extend(statuses)

    def hold_next(self) -> None:
        """The next request gets no answer until `release()`."""
        self.hold = True

    def release(self) -> None:
        self.released.set()

    def wait_for(self, count: int) -> list[Received]:
        """Until `count` requests have arrived (fails after WAIT seconds)."""
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.requests) >= count, timeout=WAIT), (
                f"{len(self.requests)} request(s) arrived, not {count}"
            )
            return list(self.requests)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                hold = receiver.hold
                receiver.hold = False
                status = receiver.statuses.popleft() if receiver.statuses else 200
                with receiver.arrived:
                    receiver.requests.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    receiver.arrived.notify_all()
                if hold:
                    receiver.released.wait(WAIT)
                try:
                    self.send_response(status)
                    self.send_header("content-length", str(len(receiver.body)))
                    self.end_headers()
                    self.wfile.write(receiver.body)
                except OSError:
                    pass  # the sender is gone (a killed worker)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    thread = threading.Thread(target=receiver.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release()
        receiver.server.shutdown()
        receiver.server.server_close()
        thread.join(timeout=10)
