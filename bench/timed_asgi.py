"""Our ASGI application with a stopwatch, for `bench/cached_tail.py` only.

It wraps `project.asgi.application` and records, in the server process:

- each HTTP request's time inside the application (first call to the last body sent);
- each garbage collection's pause (`gc.callbacks`), per generation;
- the event loop's lag: a task asks to wake every 5 ms and records how late it wakes
  (a late wake-up is time the loop could not run anything: CPU taken by another process,
  a GC pause, or a request's own synchronous work);
- the process's CPU time over the wall time (`cpu_share`: 1.0 is a whole core; well
  below 1 while requests wait means the process was waiting for a CPU or for I/O).

`GET /__timing` answers the figures gathered since the previous call as JSON, and starts
again. Whether start-up objects are frozen is the project's own setting
(GC_FREEZE_AFTER_START_UP, project/gc_tuning.py).
"""

from __future__ import annotations

import asyncio
import gc
import json
import time
from typing import Any

from project.asgi import application as project_application

_requests: list[float] = []
_gc: dict[int, list[float]] = {0: [], 1: [], 2: []}
_lag: list[float] = []
_gc_started = 0.0
_monitor: asyncio.Task[None] | None = None
_since = (time.perf_counter(), time.process_time())


def _on_gc(phase: str, info: dict[str, Any]) -> None:
    global _gc_started
    if phase == "start":
        _gc_started = time.perf_counter()
    else:
        _gc[info["generation"]].append(time.perf_counter() - _gc_started)


gc.callbacks.append(_on_gc)


async def _watch_lag() -> None:
    period = 0.005
    while True:
        asked = time.perf_counter()
        await asyncio.sleep(period)
        _lag.append(time.perf_counter() - asked - period)


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"count": 0}
    ordered = sorted(values)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 3)

    return {
        "count": len(values),
        "p50_ms": at(0.50),
        "p90_ms": at(0.90),
        "p99_ms": at(0.99),
        "max_ms": round(ordered[-1] * 1000, 3),
        "total_ms": round(sum(values) * 1000, 1),
    }


def _report() -> bytes:
    global _since
    wall, cpu = time.perf_counter() - _since[0], time.process_time() - _since[1]
    _since = (time.perf_counter(), time.process_time())
    figures = {
        "cpu_share": round(cpu / wall, 3),
        "request": _percentiles(_requests),
        "gc": {str(g): _percentiles(pauses) for g, pauses in _gc.items()},
        "loop_lag": _percentiles(_lag),
    }
    _requests.clear()
    _lag.clear()
    for pauses in _gc.values():
        pauses.clear()
    return json.dumps(figures).encode()


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global _monitor
    if _monitor is None:
        _monitor = asyncio.get_running_loop().create_task(_watch_lag())
    if scope["type"] == "http" and scope["path"] == "/__timing":
        body = _report()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})
        return
    if scope["type"] != "http":
        return await project_application(scope, receive, send)
    started = time.perf_counter()

    async def timed_send(message: dict[str, Any]) -> None:
        await send(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            _requests.append(time.perf_counter() - started)

    await project_application(scope, receive, timed_send)
