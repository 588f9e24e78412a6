"""Benchmark: what the metrics (issue 12, item 4) cost where they are counted.

In one process, no server and no load generator, so that the machine's noise weighs on
both sides alike:

1. each instrumentation call by itself, beside `json.dumps` of a small `next` frame (a
   fixed yardstick: its ratio holds on a busy machine where absolute times do not);
2. the cached anonymous hit of the heavy catalog read through the fast path
   (graphql_api/http/fast_path.py, in front of Django's ASGI handler), hit by hit with
   the metrics and without them (the hit path's two metric calls, `observe_http` and the
   response cache's counter, replaced by no-ops), alternating; medians per round and of
   the paired differences.

    .venv/bin/python -m bench.metrics_overhead [--rounds 7] [--hits 300]

Needs PostgreSQL (DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/shop_bench,
seeded as bench.catalog_read seeds it) and Redis (REDIS_URL, default
redis://127.0.0.1:6379/0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
import timeit
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/shop_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def _setup() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "project.settings",
            "SECRET_KEY": "bench",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            "CACHE_KEY_PREFIX": "bench-metrics-overhead",
            "GRAPHQL_COST_BUDGET_ANONYMOUS": "0",
        }
    )
    import django

    django.setup()


def per_call(number: int) -> list[tuple[str, float]]:
    """Microseconds per call (best of 5 repeats), the yardstick first."""
    from graphql import parse

    from graphql_api import metrics as graphql_metrics
    from realtime import metrics as realtime_metrics

    operation = parse("subscription OnProductEvents { x }").definitions[0]
    subscription = graphql_metrics.SubscriptionMetrics(operation, "product", resumed=False)
    event = {"occurred_at": "2026-12-01T20:00:00.123456+00:00"}
    frame = {"id": "1", "type": "next", "payload": {"data": {"productEvents": {"type": "X"}}}}
    calls = {
        "json.dumps of a small `next` frame (yardstick)": lambda: json.dumps(frame),
        "counter inc (events published, cache result)": lambda: realtime_metrics.EVENTS_PUBLISHED[
            "product"
        ].inc(),
        "delivery: counted + latency observed (per subscriber)": lambda: subscription.sent(event),
        "HTTP request: counted + duration observed": lambda: graphql_metrics.observe_http(
            "CatalogPage", "ok", time.perf_counter()
        ),
    }
    return [
        (name, min(timeit.repeat(call, number=number, repeat=5)) / number * 1e6)
        for name, call in calls.items()
    ]


def _scope(body: bytes) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql/",
        "raw_path": b"/graphql/",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 80),
    }


async def _request(app: Any, body: bytes) -> tuple[int, bytes | None]:
    sent: list[dict[str, Any]] = []
    given = False

    async def receive() -> dict[str, Any]:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(_scope(body), receive, send)
    headers = {bytes(name).lower(): bytes(value) for name, value in sent[0]["headers"]}
    return sent[0]["status"], headers.get(b"x-cache")


async def hit_path(rounds: int, hits: int) -> dict[str, list[float]]:
    """Median microseconds per hit of each round, with and without the metrics."""
    from django.core.asgi import get_asgi_application

    from graphql_api.http import fast_path, response_cache

    app = fast_path.CachedAnswers(get_asgi_application())
    query = (ROOT / "bench/queries/catalog_ours.graphql").read_text()
    body = json.dumps({"query": query}).encode()
    status, _ = await _request(app, body)  # computed and filed (or already filed)
    assert status == 200
    status, source = await _request(app, body)
    assert (status, source) == (200, b"hit"), (status, source)

    class NoCounter:
        def inc(self, amount: float = 1) -> None:
            pass

    counted = (fast_path.observe_http, response_cache.RESPONSE_CACHE)
    silent = (lambda *args: None, {k: NoCounter() for k in ("hit", "stale", "shared", "miss")})
    sides = {"with metrics": counted, "without": silent}
    results: dict[str, list[float]] = {"with metrics": [], "without": [], "difference": []}
    for round_number in range(rounds):
        times: dict[str, list[float]] = {name: [] for name in sides}
        for hit in range(hits):
            # one hit of each, in alternating order: drift of the machine hits both alike
            order = list(sides) if (hit + round_number) % 2 == 0 else list(reversed(sides))
            for name in order:
                fast_path.observe_http, response_cache.RESPONSE_CACHE = sides[name]
                started = time.perf_counter()
                await _request(app, body)
                times[name].append((time.perf_counter() - started) * 1e6)
        for name, values in times.items():
            results[name].append(statistics.median(values))
        results["difference"].append(
            statistics.median(a - b for a, b in zip(*times.values(), strict=True))
        )
    fast_path.observe_http, response_cache.RESPONSE_CACHE = counted
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--hits", type=int, default=300)
    parser.add_argument("--calls", type=int, default=100_000)
    args = parser.parse_args()
    _setup()
    print("| call | µs per call | × yardstick |")
    print("|---|---|---|")
    figures = per_call(args.calls)
    yardstick = figures[0][1]
    for name, micros in figures:
        print(f"| {name} | {micros:.2f} | {micros / yardstick:.2f} |")
    results = asyncio.run(hit_path(args.rounds, args.hits))
    print()
    print(
        f"Cached hit through the fast path: per round, the median µs of {args.hits} hits "
        "with and without the metrics (alternating hit by hit), and the median of the "
        "paired differences:"
    )
    for name, medians in results.items():
        sign = "+" if name == "difference" else ""
        rounds = ", ".join(f"{m:{sign}.0f}" for m in medians)
        print(f"- {name}: {rounds} (median {statistics.median(medians):{sign}.0f})")


if __name__ == "__main__":
    main()
