"""Threads that each use their own database connection (PostgreSQL): released together,
or interleaved on an explicit signal, the server's own lock table."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connection

POLL = 0.01  # seconds between looks at pg_locks


def backend_pid() -> int:
    """The backend pid of this thread's database connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def until_waiting_on_a_lock(
    started: dict[str, int], thread: threading.Thread, *, timeout: float = 30
) -> None:
    """Until the connection whose pid `thread` records in `started["pid"]` waits for a lock
    another transaction holds (PostgreSQL reports no such wait as an event, so this polls
    pg_locks; it fails if the thread ends first or the wait never comes)."""
    deadline = time.monotonic() + timeout
    while True:
        assert time.monotonic() < deadline, "the thread never reached a lock"
        assert thread.is_alive(), "the thread finished without waiting for a lock"
        pid = started.get("pid")
        if pid is not None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted", [pid])
                if cursor.fetchone():
                    return
        time.sleep(POLL)


def all_at_once(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run every job in its own thread, released together; the results (or the exception
    each raised), in job order."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = jobs[index]()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
