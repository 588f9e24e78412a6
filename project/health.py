"""Liveness and readiness probes.

`/healthz` (liveness) answers 200 without touching anything: the process serves HTTP.
`/readyz` (readiness) checks what requests and subscriptions need, each bounded by
READYZ_TIMEOUT seconds and all at once: the database (`SELECT 1`), the cache (a read;
Redis in production) and the channel layer (a message sent to a fresh channel and
received back, realtime/probe.py). 200 when all pass; 503 naming the failing ones, and 503
with `"draining": true` once the process has been told to stop (SIGTERM,
realtime/draining.py), so that a load balancer sends it no new work. Neither
is cached, and neither says more than a check's name and "ok", "error" or "timeout" (the
error itself is logged)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from realtime.draining import process_draining
from realtime.probe import layer_round_trip

logger = logging.getLogger(__name__)
PROBE_KEY = "readyz:probe"


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _select_one() -> None:
    # In a thread of its own (not the request's), so its connection is given back here.
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()


async def _database() -> None:
    await sync_to_async(_select_one, thread_sensitive=False)()


async def _cache() -> None:
    await sync_to_async(cache.get, thread_sensitive=False)(PROBE_KEY)


CHECKS: dict[str, Callable[[], Awaitable[None]]] = {
    "database": _database,
    "cache": _cache,
    "channelLayer": layer_round_trip,
}


async def _bounded(name: str, check: Callable[[], Awaitable[None]], timeout: float) -> str:
    """ "ok", "error" or "timeout". A check that overruns is cancelled without waiting for
    it (a thread cannot be stopped; a channel layer's receive may not end at once)."""
    task = asyncio.ensure_future(check())
    done, _ = await asyncio.wait({task}, timeout=timeout)
    if not done:
        task.cancel()
        logger.warning("readiness check %s took longer than %ss", name, timeout)
        return "timeout"
    error = task.exception()
    if error is not None:
        logger.warning("readiness check %s failed", name, exc_info=error)
        return "error"
    return "ok"


@never_cache
async def readyz(request: HttpRequest) -> JsonResponse:
    timeout = settings.READYZ_TIMEOUT
    results = await asyncio.gather(
        *(_bounded(name, check, timeout) for name, check in CHECKS.items())
    )
    checks = dict(zip(CHECKS, results, strict=True))
    failing = [name for name, result in checks.items() if result != "ok"]
    if process_draining.active:
        return JsonResponse(
            {"status": "draining", "draining": True, "checks": checks, "failing": failing},
            status=503,
        )
    if failing:
        return JsonResponse(
            {"status": "unavailable", "checks": checks, "failing": failing}, status=503
        )
    return JsonResponse({"status": "ready", "checks": checks})
