"""Benchmark: the most expensive documents the default limits admit.

For a few document shapes (wide lists, deep nesting, many aliases), the largest page size
the default GRAPHQL_MAX_COST admits is found by asking the server (it answers
QUERY_TOO_COMPLEX with the cost when over), then that document is timed and its answer
weighed, anonymous, with the response cache and the cost budget off, on PostgreSQL seeded
with `seed_demo --products 2000` (as bench/catalog_read.py). One daphne process.

    .venv/bin/python bench/limits.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402
    DEFAULT_DATABASE_URL,
    daphne_env,
    ensure_database,
    server,
)

# Each shape: a document for a page size n (cost grows with n).
SHAPES: dict[str, Callable[[int], str]] = {
    "products with their reviews, text in full": lambda n: (
        "{ products(first: 100) { edges { node { name description"
        f" reviews(first: {n}) {{ edges {{ node {{ title body author {{ displayName }} }} }} }}"
        " } } } }"
    ),
    "30 aliases of products with images": lambda n: (
        "{ "
        + " ".join(
            f"a{i}: products(first: {n}) {{ edges {{ node {{ name description images"
            " { url altText position } } } }"
            for i in range(30)
        )
        + " }"
    ),
    "products -> reviews -> product -> reviews (the issue's bomb, shrunk)": lambda n: (
        f"{{ products(first: {n}) {{ edges {{ node {{ reviews(first: {n}) {{ edges {{ node {{"
        f" product {{ reviews(first: {n}) {{ edges {{ node {{ title body author"
        " { displayName } } } } } } } } } } } }"
    ),
    "n aliases of __schema, every list nested as deep as allowed": lambda n: (
        "{ "
        + " ".join(
            f"a{i}: __schema {{ types {{ name fields {{ name description args {{ name type"
            " { name } } type { name kind ofType { name ofType { name ofType { name fields {"
            " name description type { name kind } } } } } } } } }"
            for i in range(n)
        )
        + " }"
    ),
    "categories with their product counts": lambda n: (
        f"{{ categories(first: {n}) {{ edges {{ node {{ name productCount parent {{ name"
        " productCount } } } } }"
    ),
}


def post(url: str, query: str) -> tuple[dict[str, Any], int, float]:
    body = json.dumps({"query": query}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        content = response.read()
    return json.loads(content), len(content), time.perf_counter() - started


def admitted(response: dict[str, Any]) -> bool:
    """Answered without errors (a refusal by any limit, not only the cost, is not)."""
    return "errors" not in response


def largest_admitted(url: str, shape: Callable[[int], str]) -> int:
    low, high = 1, 100
    while low < high:
        middle = (low + high + 1) // 2
        if admitted(post(url, shape(middle))[0]):
            low = middle
        else:
            high = middle - 1
    return low


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    env = daphne_env(database_url, RESPONSE_CACHE_TTL="0")
    # A second server whose limit is 0 tells the cost of any document it refuses.
    probe_env = {**env, "GRAPHQL_MAX_COST": "0"}
    ensure_database(database_url, 2000, env)
    daphne = str(ROOT / ".venv" / "bin" / "daphne")
    app = "project.asgi:application"
    with (
        server([daphne, "-b", "127.0.0.1", "-p", "8111", app], env, 8111) as url,
        server([daphne, "-b", "127.0.0.1", "-p", "8112", app], probe_env, 8112) as probe,
    ):
        rows = []
        for name, shape in SHAPES.items():
            n = largest_admitted(url, shape)
            query = shape(n)
            refusal = post(probe, query)[0]
            assert "cost" in refusal["errors"][0].get("extensions", {}), (name, n, refusal)
            cost = refusal["errors"][0]["extensions"]["cost"]
            post(url, query)  # warm-up
            runs = [post(url, query) for _ in range(args.runs)]
            assert all("errors" not in body for body, _, _ in runs), runs[0][0]
            seconds = statistics.median(elapsed for _, _, elapsed in runs)
            size = runs[0][1]
            rows.append((name, n, cost, seconds, size))
            print(f"{name}: n={n} cost={cost} {seconds * 1000:.0f} ms {size / 1e6:.2f} MB")
    print("\n| shape | page size admitted | cost | time (median) | answer |")
    print("|---|---|---|---|---|")
    for name, n, cost, seconds, size in rows:
        print(f"| {name} | {n} | {cost:,} | {seconds * 1000:,.0f} ms | {size / 1e6:.2f} MB |")


if __name__ == "__main__":
    main()
