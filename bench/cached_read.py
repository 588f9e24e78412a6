"""Benchmark: the cached anonymous read (issue 11, item 3), this code beside an older one.

The heavy catalog read (`bench/queries/catalog_ours.graphql`, anonymous, so from the
response cache) under wrk, nobody writing, in two settings:

- `default`: each server with its own default RESPONSE_CACHE_TTL (the baseline's 30 s,
  whose expiry every 30 s makes every connection wait for one recomputation; this code's
  1 h, a safety bound only);
- `expiring`: both with RESPONSE_CACHE_TTL=`--expiry` seconds (5), so that every round
  crosses a few expiries: the baseline's readers wait for the recomputation, this code's
  get the entry of the same version while one request recomputes it (`X-Cache: stale`).

Before the rounds, both servers' answers are checked byte for byte against each other.
Rounds alternate the servers; medians are reported.

    .venv/bin/python -m bench.cached_read --baseline REV [--rounds 3] [--duration 15]

Needs PostgreSQL (DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/shop_bench)
and Redis (REDIS_URL, default redis://127.0.0.1:6379/0); installs `wrk` when missing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import urllib.request
from contextlib import ExitStack

from bench.cache_writes import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, wrk
from bench.harness import ROOT, baseline_tree, daphne_env, ensure_database, server, sh

BENCH = ROOT / "bench"


def answer(url: str, body: bytes) -> bytes:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.read()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", help="a git revision to run beside the current code")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--expiry", type=int, default=5)
    parser.add_argument("--products", type=int, default=2000)
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    env = daphne_env(database_url, REDIS_URL=redis_url)
    env.pop("RESPONSE_CACHE_TTL", None)
    if shutil.which("wrk") is None:
        sh("apt-get", "install", "-y", "-q", "wrk")
    ensure_database(database_url, args.products, env)
    body = json.dumps({"query": (BENCH / "queries/catalog_ours.graphql").read_text()}).encode()
    daphne = str(ROOT / ".venv" / "bin" / "daphne")
    trees = {"current": ROOT}
    with ExitStack() as stack:
        if args.baseline:
            trees["baseline"] = baseline_tree(args.baseline, stack)
        servers: dict[tuple[str, str], str] = {}
        port = 8140
        for setting, ttl in (("default", None), ("expiring", str(args.expiry))):
            for name, tree in trees.items():
                port += 1
                server_env = {
                    **env,
                    "CACHE_KEY_PREFIX": f"bench-cached-read-{name}-{setting}",
                    "CHANNEL_LAYER_PREFIX": f"bench-asgi-{name}-{setting}",
                    "PYTHONPATH": str(tree),
                    **({"RESPONSE_CACHE_TTL": ttl} if ttl else {}),
                }
                command = [daphne, "-b", "127.0.0.1", "-p", str(port), "project.asgi:application"]
                servers[setting, name] = stack.enter_context(
                    server(command, server_env, port, cwd=tree)
                )
        # Image URLs are absolute: each server's own port is in its answer.
        answers = {
            key: answer(url, body).replace(url.split("/")[2].encode(), b"HOST")
            for key, url in servers.items()
        }
        assert len(set(answers.values())) == 1, "the servers' answers differ"
        print(f"answers identical ({len(next(iter(answers.values())))} bytes)", flush=True)
        for url in servers.values():  # warm-up
            wrk(url, body, duration=3, connections=args.connections)
        rounds: dict[tuple[str, str], list[dict[str, float]]] = {}
        for number in range(1, args.rounds + 1):
            for key, url in servers.items():
                figures = wrk(url, body, duration=args.duration, connections=args.connections)
                rounds.setdefault(key, []).append(figures)
                print(f"round {number} {key[0]:9} {key[1]:8} {figures}", flush=True)
        print()
        print("| TTL | code | req/s | p50 | p99 | p99/p50 | computed | shared | stale |")
        print("|---|---|---|---|---|---|---|---|---|")
        for (setting, name), results in rounds.items():

            def median(field: str, results: list[dict[str, float]] = results) -> float:
                return statistics.median(r.get(field, 0.0) for r in results)

            ttl = f"{args.expiry} s" if setting == "expiring" else "default"
            print(
                f"| {ttl} | {name} | {median('rps'):.1f} | {median('p50_ms'):.1f} ms "
                f"| {median('p99_ms'):.1f} ms | {median('p99_ms') / median('p50_ms'):.1f} "
                f"| {median('computed_pct'):.2f} % | {median('shared_pct'):.2f} % "
                f"| {median('stale_pct'):.2f} % |"
            )


if __name__ == "__main__":
    main()
