"""Benchmark: the anonymous response cache while someone writes (issue 9, item 7).

The heavy catalog read (`bench/queries/catalog_ours.graphql`) under wrk, with the cache on
(Redis), in three settings:

- `quiet`: nobody writes;
- `no-op writes`: one signed-in customer sends `reviewUpdate(id, input: {})` for their
  review of a product on the page, back to back (the attack of issue 9: each used to move
  the catalog's read version and so empty the cache);
- `real changes`: staff change the stock of a product on the page once a second (each
  must be seen at once, so each empties the cache for the page: all concurrent readers
  missed together before single flight).

With `--baseline REV`, the code at REV runs beside the current one (its tree from `git
archive`, first on PYTHONPATH; on another port, with its own cache prefix), and rounds
alternate the two.

    .venv/bin/python -m bench.cache_writes [--baseline REV] [--rounds 3] [--duration 10]

Needs PostgreSQL (DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/shop_bench)
and Redis (REDIS_URL, default redis://127.0.0.1:6379/0); installs `wrk` when missing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import threading
import time
import urllib.request
from contextlib import ExitStack
from typing import Any

from bench.harness import (
    ROOT,
    baseline_tree,
    daphne_env,
    ensure_database,
    server,
    sh,
    wrk_figures,
    wrk_output,
)

BENCH = ROOT / "bench"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/shop_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
STAFF = ("staff@example.com", "demo-staff-password")
WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = BODY
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) hit = 0; miss = 0; shared = 0; stale = 0; other = 0 end
function response(status, headers, body)
  local x = headers["X-Cache"] or headers["x-cache"]
  if x == "hit" then hit = hit + 1
  elseif x == "miss" then miss = miss + 1
  elseif x == "shared" then shared = shared + 1
  elseif x == "stale" then stale = stale + 1
  else other = other + 1 end
end
function done(summary, latency, requests)
  local h, m, s, st, o = 0, 0, 0, 0, 0
  for _, t in ipairs(threads) do
    h = h + t:get("hit"); m = m + t:get("miss"); s = s + t:get("shared")
    st = st + t:get("stale"); o = o + t:get("other")
  end
  io.write(string.format("XCACHE %d %d %d %d %d\\n", h, m, s, st, o))
end
"""


def graphql(url: str, query: str, variables: dict[str, Any], token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(url, data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read())
    assert "errors" not in answer, answer
    (payload,) = answer["data"].values()
    assert not (isinstance(payload, dict) and payload.get("errors")), payload
    return payload


def sign_in(url: str, email: str, password: str) -> str:
    return graphql(
        url,
        "mutation ($e: String!, $p: String!) { tokenCreate(email: $e, password: $p) "
        "{ token errors { code } } }",
        {"e": email, "p": password},
    )["token"]


def set_up_writers(url: str) -> dict[str, Any]:
    """A fresh customer's review of the first product on the page; a staff token."""
    page = graphql(url, "{ products(first: 1) { edges { node { id } } } }", {})
    product_id = page["edges"][0]["node"]["id"]
    email, password = f"bench-{time.time_ns()}@example.com", "bench-pass-word-123"
    graphql(
        url,
        "mutation ($i: RegisterInput!) { register(input: $i) { errors { code } } }",
        {"i": {"email": email, "password": password, "displayName": "Bench"}},
    )
    customer = sign_in(url, email, password)
    review = graphql(
        url,
        "mutation ($i: ReviewCreateInput!) { reviewCreate(input: $i) "
        "{ review { id } errors { code } } }",
        {"i": {"productId": product_id, "rating": 4, "title": "Fine"}},
        customer,
    )["review"]
    return {
        "product_id": product_id,
        "review_id": review["id"],
        "customer": customer,
        "staff": sign_in(url, *STAFF),
    }


class Writer(threading.Thread):
    """Writes to `url` until stopped: no-op review updates back to back, or a real stock
    change once a second."""

    def __init__(self, url: str, kind: str, ids: dict[str, Any]) -> None:
        super().__init__(daemon=True)
        self.url, self.kind, self.ids = url, kind, ids
        self.stop = threading.Event()
        self.writes = 0

    def run(self) -> None:
        delta = 1
        while not self.stop.is_set():
            if self.kind == "no-op writes":
                graphql(
                    self.url,
                    "mutation ($id: ID!) { reviewUpdate(id: $id, input: {}) { errors { code } } }",
                    {"id": self.ids["review_id"]},
                    self.ids["customer"],
                )
            else:
                graphql(
                    self.url,
                    "mutation ($id: ID!, $d: Int!) { stockAdjust(productId: $id, delta: $d) "
                    "{ errors { code } } }",
                    {"id": self.ids["product_id"], "d": delta},
                    self.ids["staff"],
                )
                delta = -delta
                self.stop.wait(1.0)
            self.writes += 1


def wrk(url: str, body: bytes, *, duration: int, connections: int) -> dict[str, float]:
    script = WRK_SCRIPT.replace("BODY", json.dumps(body.decode()))
    output = wrk_output(url, script, duration=duration, connections=connections)
    counts = re.search(r"XCACHE (\d+) (\d+) (\d+) (\d+) (\d+)", output).groups()
    hit, miss, shared, stale, other = map(int, counts)
    total = max(hit + miss + shared + stale + other, 1)
    return {
        **wrk_figures(output),
        "computed_pct": 100.0 * (miss + other) / total,
        "shared_pct": 100.0 * shared / total,
        "stale_pct": 100.0 * stale / total,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", help="a git revision to run beside the current code")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--products", type=int, default=2000)
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    env = daphne_env(
        database_url,
        RESPONSE_CACHE_TTL="30",
        # Sign-in and registration limits would refuse the benchmark's own accounts.
        SIGN_IN_MAX_FAILURES_PER_IP="1000",
        REGISTER_MAX_PER_IP="1000",
    )
    if shutil.which("wrk") is None:
        sh("apt-get", "install", "-y", "-q", "wrk")
    ensure_database(database_url, args.products, env)
    body = json.dumps({"query": (BENCH / "queries/catalog_ours.graphql").read_text()}).encode()
    daphne = str(ROOT / ".venv" / "bin" / "daphne")
    app = "project.asgi:application"
    with ExitStack() as stack:
        servers: dict[str, str] = {}
        for name, port, tree in (("current", 8121, ROOT), ("baseline", 8122, None)):
            if name == "baseline":
                if not args.baseline:
                    continue
                tree = baseline_tree(args.baseline, stack)
            server_env = {
                **env,
                "REDIS_URL": redis_url,
                "CACHE_KEY_PREFIX": f"bench-cache-{name}",
                "CHANNEL_LAYER_PREFIX": f"bench-asgi-{name}",
                "PYTHONPATH": str(tree),
            }
            command = [daphne, "-b", "127.0.0.1", "-p", str(port), app]
            servers[name] = stack.enter_context(server(command, server_env, port, cwd=tree))
        ids = {name: set_up_writers(url) for name, url in servers.items()}
        scenarios = ("quiet", "no-op writes", "real changes")
        for url in servers.values():  # warm-up
            wrk(url, body, duration=3, connections=args.connections)
        rounds: dict[tuple[str, str], list[dict[str, float]]] = {}
        for number in range(1, args.rounds + 1):
            for scenario in scenarios:
                for name, url in servers.items():
                    writer = None
                    if scenario != "quiet":
                        writer = Writer(url, scenario, ids[name])
                        writer.start()
                    figures = wrk(url, body, duration=args.duration, connections=args.connections)
                    if writer is not None:
                        writer.stop.set()
                        writer.join()
                        figures["writes_per_s"] = writer.writes / args.duration
                    rounds.setdefault((scenario, name), []).append(figures)
                    print(f"round {number} {scenario:13} {name:8} {figures}", flush=True)
        print()
        print("| scenario | code | req/s | p50 | p99 | computed | shared | writes/s |")
        print("|---|---|---|---|---|---|---|---|")
        for (scenario, name), results in rounds.items():

            def median(field: str, results: list[dict[str, float]] = results) -> float:
                return statistics.median(r.get(field, 0.0) for r in results)

            print(
                f"| {scenario} | {name} | {median('rps'):.1f} | {median('p50_ms'):.0f} ms "
                f"| {median('p99_ms'):.0f} ms | {median('computed_pct'):.1f} % "
                f"| {median('shared_pct'):.1f} % | {median('writes_per_s'):.1f} |"
            )


if __name__ == "__main__":
    main()
