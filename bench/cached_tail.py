"""Where the cached read's p99 comes from (issue 11, item 3).

The heavy catalog read, anonymous, from the response cache (Redis, default TTL: no expiry
in a run), one daphne process running `bench/timed_asgi.py` (our application with a
stopwatch), wrk 2 threads x 8 connections with `--latency`, in settings that each remove
one suspect:

- `gc as before`: start-up objects not frozen (GC_FREEZE_AFTER_START_UP=0), as before
  project/gc_tuning.py;
- `pinned`: the same, with wrk on CPU 0 and daphne on CPU 1 (`taskset`), so that the load
  generator and the server stop taking each other's CPU (Redis and the other processes of
  the machine are not pinned);
- `1 connection`: the same, one connection, so no request ever queues behind another;
- `gc frozen`: the default now, `gc.freeze()` once the application is built, so that
  collections skip the start-up objects.

For each: wrk's p50 / p90 / p99, and the server's own figures for the same requests (time
inside the application, GC pauses, event loop lag: see bench/timed_asgi.py). Rounds
alternate the settings; medians are reported.

    .venv/bin/python -m bench.cached_tail [--rounds 3] [--duration 10]
"""

from __future__ import annotations

import json
import os
import statistics
import urllib.request
from contextlib import ExitStack

from bench.catalog_read import DAPHNE, arguments, prepare
from bench.harness import DEFAULT_REDIS_URL, ROOT, daphne_env, server
from bench.peers import QUERIES, query_body
from bench.rounds import Contender, measure

SETTINGS = {
    # name: (extra environment, daphne's CPU list, wrk's CPU list, connections)
    "gc as before": ({"GC_FREEZE_AFTER_START_UP": "0"}, None, None, 8),
    "pinned": ({"GC_FREEZE_AFTER_START_UP": "0"}, "1", "0", 8),
    "1 connection": ({"GC_FREEZE_AFTER_START_UP": "0"}, None, None, 1),
    "gc frozen": ({}, None, None, 8),
}


def timing(url: str) -> dict:
    with urllib.request.urlopen(url.replace("/graphql/", "/__timing"), timeout=30) as answer:
        return json.loads(answer.read())


def gc_total(gc: dict) -> float:
    return sum(g.get("total_ms", 0) for g in gc.values())


def gc_max(gc: dict) -> float:
    return max(g.get("max_ms", 0) for g in gc.values())


def main() -> None:
    args = arguments("Where the cached read's p99 comes from.").parse_args()
    database_url = prepare(args.products)
    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    body = query_body(QUERIES / "catalog_ours.graphql")
    rows: dict[str, list[dict]] = {name: [] for name in SETTINGS}
    with ExitStack() as stack:
        urls = {}
        for port, (name, (extra, cpus, _, _)) in enumerate(SETTINGS.items(), start=8121):
            env = daphne_env(
                database_url,
                REDIS_URL=redis_url,
                CACHE_KEY_PREFIX=f"bench-cached-tail-{port}-{database_url.rsplit('/', 1)[1]}",
                **extra,
            )
            env.pop("RESPONSE_CACHE_TTL", None)
            command = [DAPHNE, "-b", "127.0.0.1", "-p", str(port), "bench.timed_asgi:application"]
            if cpus:
                command = ["taskset", "-c", cpus, *command]
            urls[name] = stack.enter_context(
                server(command, {**env, "PYTHONPATH": str(ROOT)}, port)
            )
        for name, url in urls.items():  # warm-up: the entry filed, the copy in memory
            measure(Contender(name, url, body), duration=3, connections=8)
        for number in range(1, args.rounds + 1):
            for name, url in urls.items():
                _, _, wrk_cpus, connections = SETTINGS[name]
                timing(url)  # start the server's figures afresh
                figures = measure(
                    Contender(name, url, body),
                    duration=args.duration,
                    connections=connections,
                    cpus=wrk_cpus,
                )
                figures["server"] = timing(url)
                rows[name].append(figures)
                print(f"round {number} {name:<13} {json.dumps(figures)}", flush=True)
    print(
        "\n| setting | req/s | wrk p50 | p90 | p99 | p99/p50 | server p50 | server p99 "
        "| GC pauses (total) | GC max | loop lag p99 | max | server CPU / wall |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, results in rows.items():

        def median(pick, results: list[dict] = results) -> float:
            return statistics.median(pick(r) for r in results)

        p50, p99 = median(lambda r: r["p50_ms"]), median(lambda r: r["p99_ms"])
        print(
            f"| {name} | {median(lambda r: r['rps']):,.0f} | {p50:.1f} ms "
            f"| {median(lambda r: r['p90_ms']):.1f} ms | {p99:.1f} ms | {p99 / p50:.1f} "
            f"| {median(lambda r: r['server']['request']['p50_ms']):.2f} ms "
            f"| {median(lambda r: r['server']['request']['p99_ms']):.2f} ms "
            f"| {median(lambda r: gc_total(r['server']['gc'])):.0f} ms "
            f"| {median(lambda r: gc_max(r['server']['gc'])):.1f} ms "
            f"| {median(lambda r: r['server']['loop_lag']['p99_ms']):.1f} ms "
            f"| {median(lambda r: r['server']['loop_lag']['max_ms']):.1f} ms "
            f"| {median(lambda r: r['server']['cpu_share']):.2f} |"
        )


if __name__ == "__main__":
    main()
