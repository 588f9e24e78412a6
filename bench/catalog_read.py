"""Benchmark: the heavy catalog read (issue 11), ours against its peers.

First 100 published products, newest first, with category, images and the 5 newest
reviews with authors, on PostgreSQL seeded with `seed_demo --products 2000`, under wrk
(2 threads, 8 connections). Contenders, each one server process:

- `ours`: signed in (a customer's bearer token: the response cache never applies to it),
  so compiled plans and no cache; `ours+cache`: anonymous, response cache on (Redis,
  default TTL), the storefront's repeated read;
- `graphene`: graphene-django hand-optimised (`bench/graphene_peer/`);
- `postgraphile`: PostGraphile v5, one Node process (`bench/postgraphile/`);
- `floor`: one hand-written json_agg statement under daphne (`bench/json_agg_floor.py`).

Before the rounds, every contender's answer is checked to hold the same data, field by
field (`bench/answers.py`). Rounds alternate the contenders; medians are reported.

    .venv/bin/python -m bench.catalog_read [--rounds 3] [--duration 10] [--connections 8]
        [--baseline REV]

With `--baseline REV`, our code at REV (its tree from `git archive`, first on PYTHONPATH,
response cache off, signed in) runs as one more contender, to show that a change does not
slow reads. `bench/issue11.py` runs these contenders and the contract documents' together.

Needs PostgreSQL (DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/shop_bench)
and Redis (REDIS_URL, default redis://127.0.0.1:6379/0); installs `wrk` (Debian), the
graphene peer's virtual environment and the PostGraphile peer's packages when missing.
"""

from __future__ import annotations

import argparse
import os
from contextlib import ExitStack
from pathlib import Path

from bench import peers
from bench.answers import assert_same_catalog
from bench.harness import (
    CUSTOMER,
    DEFAULT_DATABASE_URL,
    DEFAULT_REDIS_URL,
    ROOT,
    baseline_tree,
    daphne_env,
    ensure_database,
    server,
    sign_in,
)
from bench.rounds import Contender, medians, ms, ratio, run_rounds, save

APP = "project.asgi:application"
DAPHNE = str(ROOT / ".venv" / "bin" / "daphne")


def ours_server(env: dict[str, str], port: int, cwd: Path = ROOT):
    command = [DAPHNE, "-b", "127.0.0.1", "-p", str(port), APP]
    return server(command, {**env, "PYTHONPATH": str(cwd)}, port, cwd=cwd)


def heavy_contenders(
    stack: ExitStack, database_url: str, *, baseline: str | None = None
) -> tuple[list[Contender], str]:
    """The heavy read's contenders, servers started in `stack` and answers checked; and the
    URL of our plans-on, cache-off server (the contract benchmark reuses it)."""
    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    uncached_env = daphne_env(database_url, RESPONSE_CACHE_TTL="0")
    # The prefix names the database: the catalog version lives under it in Redis, and two
    # databases must not share one.
    prefix = f"bench-catalog-read-{database_url.rsplit('/', 1)[1]}"
    cached_env = daphne_env(
        database_url, REDIS_URL=redis_url, CACHE_KEY_PREFIX=prefix, CHANNEL_LAYER_PREFIX=prefix
    )
    cached_env.pop("RESPONSE_CACHE_TTL", None)
    ours = stack.enter_context(ours_server(uncached_env, 8101))
    cached = stack.enter_context(ours_server(cached_env, 8103))
    graphene = stack.enter_context(peers.graphene_server(database_url, 8102))
    postgraphile = stack.enter_context(peers.postgraphile_server(database_url, 8105))
    floor = stack.enter_context(peers.floor_server(database_url, 8106))
    signed_in = {"Authorization": f"Bearer {sign_in(ours, *CUSTOMER)}"}
    ours_body = peers.query_body(peers.QUERIES / "catalog_ours.graphql")
    contenders = [
        Contender("ours (signed in, no cache)", ours, ours_body, signed_in),
        Contender("ours+cache (anonymous)", cached, ours_body),
        Contender(
            "graphene", graphene, peers.query_body(peers.QUERIES / "catalog_graphene.graphql")
        ),
        Contender(
            "postgraphile",
            postgraphile,
            peers.query_body(peers.QUERIES / "catalog_postgraphile.graphql"),
        ),
        Contender("floor (json_agg)", floor, ours_body),
    ]
    if baseline:
        tree = baseline_tree(baseline, stack)
        url = stack.enter_context(ours_server(uncached_env, 8104, cwd=tree))
        token = {"Authorization": f"Bearer {sign_in(url, *CUSTOMER)}"}
        contenders.append(Contender(f"ours@{baseline[:10]}", url, ours_body, token))
    assert_same_catalog({c.name: c.answer() for c in contenders}, expected_products=100)
    print(f"answers checked: the same {len(contenders)} times, field by field", flush=True)
    return contenders, ours


def heavy_table(summary: dict[str, dict[str, float]]) -> list[str]:
    """The issue 11 table of the heavy read, as Markdown lines."""
    graphene = summary["graphene"]["rps"]
    postgraphile = summary["postgraphile"]["rps"]
    lines = [
        "| contender | req/s | p50 | p99 | p99/p50 | vs graphene | vs PostGraphile |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, figures in summary.items():
        lines.append(
            f"| {name} | {figures['rps']:,.1f} | {ms(figures['p50_ms'])} | {ms(figures['p99_ms'])} "
            f"| {ratio(figures['p99_ms'], figures['p50_ms']).rstrip('x')} "
            f"| {ratio(figures['rps'], graphene)} | {ratio(figures['rps'], postgraphile)} |"
        )
    return lines


def arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--products", type=int, default=2000)
    return parser


def prepare(products: int) -> str:
    """The database seeded, the peers installed; the database URL."""
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    peers.ensure_wrk()
    peers.ensure_graphene()
    ensure_database(database_url, products, daphne_env(database_url))
    peers.ensure_postgraphile(database_url)
    return database_url


def main() -> None:
    parser = arguments("The heavy catalog read against its peers.")
    parser.add_argument("--baseline", help="a git revision of ours to run beside the current code")
    args = parser.parse_args()
    database_url = prepare(args.products)
    with ExitStack() as stack:
        contenders, _ = heavy_contenders(stack, database_url, baseline=args.baseline)
        results = run_rounds(
            contenders, rounds=args.rounds, duration=args.duration, connections=args.connections
        )
    summary = medians(results)
    print("\nmedians:")
    print("\n".join(heavy_table(summary)))
    print(save("catalog_read", {"args": vars(args), "rounds": results, "medians": summary}))


if __name__ == "__main__":
    main()
