"""Benchmark: realtime fan-out. WebSocket subscribers of the contract's `OnProductEvents`,
spread over two daphne processes sharing Redis, held by a Node client
(`bench/fanout_fleet.py`) so that the client is not what is measured.

- Latency: `--subscribers` on one product (`types: [PRICE_CHANGED]`); `--updates` price
  changes through HTTP, one at a time; the time from the event's commit (its `occurredAt`,
  taken inside the transaction, so slightly before the commit: the figure errs long) to the
  last subscriber receiving it, p50 and p99, and the mutation's own round trip.
- Sustained rate: events made by the domain service at a fixed rate for 3 s, raised step by
  step until some subscriber falls behind (an event missing at any subscriber 1 s after the
  end, or a socket closed).
- Redis commands per event during the latency run (INFO commandstats, before and after).
- `--idle N`: N more subscriptions (another product, never updated) opened first; the RSS of
  each daphne before and after them gives the memory per idle subscription.
- `--mixed`: instead, `--subscribers` over 100 products in 3 filter variants (all types;
  `[PRICE_CHANGED]`; `[STOCK_CHANGED]`), price changes on random products at `--mixed-rate`
  a second for 10 s; latency to the last subscriber that should get each event, and every
  event checked to reach exactly the subscribers whose filters match it.

The CPU share of each daphne and of the Node client (1.0 = one core) is printed beside each
figure.

    .venv/bin/python bench/fanout.py [--subscribers 1000] [--updates 50] [--idle 0] [--mixed]
        [--signed-in 0.5] [--ports 8301,8302]

`--signed-in F`: that share of the subscribers signs in, each as a customer of its own
(the others are anonymous), as on a storefront where some visitors are signed in.
`--ports`: the two daphne processes' ports (to run beside another benchmark).
`--peer`: after this API's runs, the same latency and sustained-rate runs with the
subscribers on PostGraphile v5 (two processes on `--peer-ports`, bench/postgraphile/ with
SUBSCRIPTIONS=1: LISTEN/NOTIFY from a trigger on the product event log, installed for
that phase only), the same commits made through this API.

Needs PostgreSQL seeded by bench/catalog_read.py (DATABASE_URL, default
postgresql://postgres@127.0.0.1:5432/shop_bench), Redis (REDIS_URL, default
redis://127.0.0.1:6379/3) and Node.js.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import json
import os
import random
import statistics
import sys
import time
import urllib.request
from contextlib import ExitStack
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import peers  # noqa: E402
from bench.fanout_fleet import CpuMeter, Fleet, ensure_client, listening_pid, rss_kib  # noqa: E402
from bench.harness import daphne_env, ensure_database, server  # noqa: E402

DOCUMENT = (ROOT / "contract" / "operations" / "realtime.graphql").read_text()
OPERATION = "OnProductEvents"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/shop_bench"
PEER_PORTS = (8311, 8312)
# The peer's subscription (bench/postgraphile/subscriptions.mjs), answering what the
# contract's OnProductEvents does for one product and `types: [PRICE_CHANGED]`.
PEER_DOCUMENT = (
    "subscription PeerProductEvents($id: Int!) { productEvents(productId: $id, "
    'type: "PRICE_CHANGED") { cursor type occurredAt productId '
    "product { id name price stock } } }"
)
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/3"
PORTS = (8301, 8302)
PRICES = itertools.count(1000)  # every change a new price: each makes a PRICE_CHANGED event
VARIANTS: tuple[list[str] | None, ...] = (None, ["PRICE_CHANGED"], ["STOCK_CHANGED"])


def post(url: str, query: str, variables: dict[str, Any], token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        url, data=json.dumps({"query": query, "variables": variables}).encode(), headers=headers
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def gid(pk: int) -> str:
    return base64.b64encode(f"Product:{pk}".encode()).decode()


def epoch_ms(occurred_at: str) -> float:
    return datetime.fromisoformat(occurred_at).timestamp() * 1000


async def until_delivered(fleet: Fleet, is_done: Any, seconds: float = 30) -> dict[str, Any]:
    """Polls the client's report until `is_done(report)`."""
    deadline = time.monotonic() + seconds
    while True:
        report = await fleet.report()
        if is_done(report):
            return report
        if time.monotonic() > deadline:
            raise SystemExit(
                f"not delivered within {seconds} s: closed {report['closed']}, "
                f"messages {report['messageTypes']}, {report['sockets']} sockets open, "
                f"events {report['events']}"
            )
        await asyncio.sleep(0.01)


def change_price(graphql_url: str, token: str, product_gid: str) -> float:
    """A new price through HTTP; the mutation's round trip in ms."""
    started = time.monotonic()
    result = post(
        graphql_url,
        (
            "mutation ($id: ID!, $p: Decimal!) { productUpdate(id: $id, input: {price: $p}) "
            "{ errors { code } } }"
        ),
        {"id": product_gid, "p": f"{next(PRICES)}.00"},
        token,
    )
    assert result["data"]["productUpdate"]["errors"] == [], result
    return (time.monotonic() - started) * 1000


async def warm_up(
    fleet: Fleet, graphql_url: str, token: str, product_gid: str, expected: int
) -> None:
    """Until one update reaches every subscriber: a live-only subscription starts after the
    newest event when it has set itself up, which on a busy machine can be seconds after
    its subscribe message; an event before that is rightly not sent to it."""
    for _ in range(20):
        await fleet.reset()
        await asyncio.to_thread(change_price, graphql_url, token, product_gid)
        try:
            await until_delivered(
                fleet, lambda r: any(e["count"] >= expected for e in r["events"].values()), 10
            )
            return
        except SystemExit:
            continue
    raise SystemExit("the subscriptions were not all listening after 20 updates")


async def measure_latency(
    fleet: Fleet, graphql_url: str, token: str, product_gid: str, updates: int, expected: int
) -> dict[str, float]:
    await warm_up(fleet, graphql_url, token, product_gid, expected)
    latencies, round_trips = [], []
    for _ in range(updates):
        await fleet.reset()
        round_trips.append(await asyncio.to_thread(change_price, graphql_url, token, product_gid))
        report = await until_delivered(
            fleet, lambda r: any(e["count"] >= expected for e in r["events"].values())
        )
        (event,) = report["events"].values()
        assert event["count"] == expected and report["duplicates"] == 0, report
        latencies.append(event["last"] - epoch_ms(event["occurredAt"]))
    return {
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1),
        "mutation_p50_ms": round(statistics.median(round_trips), 1),
    }


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    import django

    django.setup()


def customer_tokens(count: int) -> list[str]:
    """Access tokens of `count` customers of the benchmark, each its own (made once)."""
    setup_django()
    from domain.accounts.models import User
    from domain.accounts.tokens import access_token_encode

    tokens = []
    for n in range(count):
        email = f"fanout-customer-{n}@example.com"
        user = User.objects.filter(email=email).first() or User.objects.create_user(email)
        tokens.append(access_token_encode(user))
    return tokens


def domain() -> tuple[Any, Any]:
    """The staff user and the product service, from this process (real events: committed,
    logged, published)."""
    setup_django()
    from asgiref.sync import sync_to_async

    from domain.accounts.models import User
    from domain.catalog.services import product_update

    staff = User.objects.get(email="staff@example.com")
    return staff, sync_to_async(product_update)


async def paced(change: Any, staff: Any, targets: list[int], rate: float) -> float:
    """Price changes on `targets` (product pks) at `rate` a second; how late it ended."""
    started = time.time()
    for n, pk in enumerate(targets):
        await change(actor=staff, product_id=pk, price=Decimal(next(PRICES)))
        await asyncio.sleep(max(0.0, started + (n + 1) / rate - time.time()))
    return time.time() - started - len(targets) / rate


async def sustained_rate(fleet: Fleet, product_pk: int, expected: int) -> int:
    staff, change = await asyncio.to_thread(domain)
    best = 0
    for rate in (1, 2, 3, 5, 10, 20, 30, 40, 60, 80, 120, 160):
        await fleet.reset()
        late = await paced(change, staff, [product_pk] * rate * 3, rate)
        await asyncio.sleep(1.0)
        report = await fleet.report()
        events = report["events"].values()
        kept_up = (
            late < 1
            and len(events) == rate * 3
            and all(e["count"] == expected for e in events)
            and not report["closed"]
        )
        print(f"  {rate:4d} events/s for 3 s: {'kept up' if kept_up else 'fell behind'}")
        if not kept_up:
            break
        best = rate
    return best


def redis_commands(redis_url: str) -> dict[str, int]:
    """Redis's count of calls of each command since it started (INFO commandstats)."""
    import redis

    stats = redis.Redis.from_url(redis_url).info("commandstats")
    return {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()}


def per_event(before: dict[str, int], after: dict[str, int], events: int) -> dict[str, float]:
    """Commands Redis served per event (each update's mutation and its fan-out, and
    whatever else used this Redis meanwhile), the busiest first, and their total."""
    moved = {name: after[name] - before.get(name, 0) for name in after}
    rows = sorted(((n, c / events) for n, c in moved.items() if c), key=lambda r: -r[1])
    return {"total": round(sum(c for _, c in rows), 1), **{n: round(c, 1) for n, c in rows}}


async def single_product(
    args: argparse.Namespace, fleet: Fleet, urls: list[str], graphql_url: str, token: str
) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    pids = {f"daphne :{port}": listening_pid(port) for port in args.ports}
    if args.idle:
        before = {name: rss_kib(pid) for name, pid in pids.items()}
        per_process = args.idle // len(urls)
        for url in urls:
            await fleet.open(
                url, DOCUMENT, OPERATION, {"productIds": [gid(args.idle_pk)]}, per_process
            )
        await asyncio.sleep(2)
        after = {name: rss_kib(pid) for name, pid in pids.items()}
        figures["idle"] = {
            "subscriptions": per_process * len(urls),
            "rss_kib_before": before,
            "rss_kib_after": after,
            "kib_per_idle_subscription": round(
                sum(after[n] - before[n] for n in pids) / (per_process * len(urls)), 1
            ),
        }
    variables = {"productIds": [gid(args.product_pk)], "types": ["PRICE_CHANGED"]}
    signed_in = round(args.subscribers * args.signed_in)
    tokens = await asyncio.to_thread(customer_tokens, signed_in) if signed_in else []
    # which subscribers sign in: drawn at random (the same draw every run)
    signing_in = set(random.Random(0).sample(range(args.subscribers), signed_in))
    per_url: list[list[str | None]] = [[] for _ in urls]
    for n in range(args.subscribers):
        per_url[n % len(urls)].append(tokens.pop() if n in signing_in else None)
    for url, url_tokens in zip(urls, per_url, strict=True):
        await fleet.open(url, DOCUMENT, OPERATION, variables, len(url_tokens), url_tokens)
    await asyncio.sleep(2)  # every subscription is listening
    meter = CpuMeter(pids, fleet)
    await meter.start()
    commands_before = redis_commands(args.redis_url)
    figures["latency"] = await measure_latency(
        fleet, graphql_url, args.token, gid(args.product_pk), args.updates, args.subscribers
    )
    figures["latency"]["cpu"] = await meter.shares()
    figures["latency"]["redis_commands_per_event"] = per_event(
        commands_before, redis_commands(args.redis_url), args.updates
    )
    figures["sustained_events_per_s"] = await sustained_rate(
        fleet, args.product_pk, args.subscribers
    )
    return figures


async def mixed(
    args: argparse.Namespace, fleet: Fleet, urls: list[str], products: list[int]
) -> dict[str, Any]:
    """Subscribers over 100 products in 3 filter variants; price changes on random ones."""
    plan: dict[int, list[int]] = {pk: [0, 0, 0] for pk in products}  # pk -> per variant
    for n in range(args.subscribers):
        pk, variant = products[n % len(products)], (n // len(products)) % len(VARIANTS)
        plan[pk][variant] += 1
    for n, (pk, counts) in enumerate(plan.items()):
        for variant, count in enumerate(counts):
            if count:
                variables: dict[str, Any] = {"productIds": [gid(pk)]}
                if VARIANTS[variant] is not None:
                    variables["types"] = VARIANTS[variant]
                await fleet.open(urls[n % len(urls)], DOCUMENT, OPERATION, variables, count)
    staff, change = await asyncio.to_thread(domain)
    by_gid = {gid(pk): counts for pk, counts in plan.items()}
    for _ in range(10):  # until every subscription that price changes reach is listening
        await fleet.reset()
        await paced(change, staff, products, 50)
        await asyncio.sleep(3)
        seen = (await fleet.report())["events"].values()
        if sum(e["count"] for e in seen) == sum(2 * c[0] + c[1] for c in plan.values()):
            break
    else:
        raise SystemExit("the subscriptions were not all listening after 10 rounds")
    await fleet.reset()
    pids = {f"daphne :{port}": listening_pid(port) for port in args.ports}
    meter = CpuMeter(pids, fleet)
    await meter.start()
    targets = [random.choice(products) for _ in range(int(args.mixed_rate * 10))]
    late = await paced(change, staff, targets, args.mixed_rate)
    await asyncio.sleep(2.0)
    cpu = await meter.shares()
    report = await fleet.report()
    wrong, latencies, deliveries = 0, [], 0
    for event in report["events"].values():
        counts = by_gid[event["productId"]]
        expected = counts[0] + (event["type"] == "PRICE_CHANGED") * counts[1]
        expected += (event["type"] == "STOCK_CHANGED") * counts[2]
        wrong += event["count"] != expected
        deliveries += event["count"]
        latencies.append(event["last"] - epoch_ms(event["occurredAt"]))
    return {
        "products": len(products),
        "updates": len(targets),
        "rate_per_s": args.mixed_rate,
        "ended_late_s": round(late, 2),
        "events_seen": len(report["events"]),
        "events_with_wrong_count": wrong,
        "duplicates": report["duplicates"],
        "closed": report["closed"],
        "deliveries": deliveries,
        # Each price change makes UPDATED and PRICE_CHANGED: every delivery owed, seen or not.
        "deliveries_expected": sum(2 * plan[pk][0] + plan[pk][1] for pk in targets),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "cpu": cpu,
    }


async def peer_postgraphile(args: argparse.Namespace, graphql_url: str) -> dict[str, Any]:
    """The latency and sustained-rate runs again, the same commits made through this API,
    with the subscribers on PostGraphile (two Node processes; LISTEN/NOTIFY, each
    subscriber's plan run for each event) and only its NOTIFY trigger installed."""
    fleet = await Fleet.start()
    try:
        with peers.postgraphile_notifications(args.database_url):
            urls = [f"ws://127.0.0.1:{port}/graphql/" for port in args.peer_ports]
            per_process = args.subscribers // len(urls)
            for url in urls:
                await fleet.open(
                    url, PEER_DOCUMENT, "PeerProductEvents", {"id": args.product_pk}, per_process
                )
            await asyncio.sleep(2)
            expected = per_process * len(urls)
            pids = {f"postgraphile :{port}": listening_pid(port) for port in args.peer_ports}
            meter = CpuMeter(pids, fleet)
            await meter.start()
            latency = await measure_latency(
                fleet, graphql_url, args.token, gid(args.product_pk), args.updates, expected
            )
            latency["cpu"] = await meter.shares()
            return {
                "latency": latency,
                "sustained_events_per_s": await sustained_rate(fleet, args.product_pk, expected),
            }
    finally:
        await fleet.close()


async def run(args: argparse.Namespace, urls: list[str], graphql_url: str) -> dict[str, Any]:
    fleet = await Fleet.start()
    try:
        if args.mixed:
            return await mixed(args, fleet, urls, args.products)
        figures = await single_product(args, fleet, urls, graphql_url, args.token)
    finally:
        await fleet.close()
    if args.peer:
        figures["postgraphile"] = await peer_postgraphile(args, graphql_url)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--updates", type=int, default=50)
    parser.add_argument("--idle", type=int, default=0)
    parser.add_argument("--mixed", action="store_true")
    parser.add_argument("--mixed-rate", type=float, default=10.0)
    parser.add_argument("--signed-in", type=float, default=0.0)
    parser.add_argument("--ports", default=",".join(map(str, PORTS)))
    parser.add_argument("--peer", action="store_true")
    parser.add_argument("--peer-ports", default=",".join(map(str, PEER_PORTS)))
    args = parser.parse_args()
    args.ports = [int(port) for port in args.ports.split(",")]
    args.peer_ports = [int(port) for port in args.peer_ports.split(",")]
    ensure_client()
    database_url = args.database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = args.redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": "bench",  # as the servers (daphne_env): tokens made here are theirs
        }
    )
    # The load client is one address holding thousands of subscriptions: a client no real
    # one resembles, so its live-cost bound is off too (daphne_env turns off the budgets).
    env = daphne_env(database_url, REDIS_URL=redis_url, GRAPHQL_MAX_LIVE_COST=str(10**9))
    ensure_database(database_url, 2000, env)
    daphne = str(ROOT / ".venv" / "bin" / "daphne")
    with ExitStack() as stack:
        graphql_urls = [
            stack.enter_context(
                server(
                    [
                        daphne,
                        "-b",
                        "127.0.0.1",
                        "-p",
                        str(port),
                        # Thousands of handshakes in a burst on 2 busy cores: a late accept is
                        # not refused (daphne's default refuses it with 403 after 5 s).
                        "--websocket_connect_timeout",
                        "60",
                        "project.asgi:application",
                    ],
                    env,
                    port,
                    start_within=180,  # two processes starting on a busy 2-core machine
                )
            )
            for port in args.ports
        ]
        if args.peer and not args.mixed:
            peers.ensure_postgraphile(database_url)
            for port in args.peer_ports:
                stack.enter_context(
                    peers.postgraphile_server(database_url, port, subscriptions=True)
                )
        args.token = post(
            graphql_urls[0],
            'mutation { tokenCreate(email: "staff@example.com", '
            'password: "demo-staff-password") { token } }',
            {},
        )["data"]["tokenCreate"]["token"]
        listed = post(graphql_urls[0], "{ products(first: 100) { edges { node { id } } } }", {})
        args.products = [
            int(base64.b64decode(edge["node"]["id"]).decode().split(":")[1])
            for edge in listed["data"]["products"]["edges"]
        ]
        args.product_pk, args.idle_pk = args.products[0], args.products[1]
        ws_urls = [u.replace("http://", "ws://") for u in graphql_urls]
        figures = asyncio.run(run(args, ws_urls, graphql_urls[1]))
    print(json.dumps(figures, indent=2))
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    recorded = {k: v for k, v in vars(args).items() if k not in {"token", "products"}}
    (results / f"fanout-{stamp}.json").write_text(
        json.dumps({"args": recorded, "figures": figures}, indent=2)
    )


if __name__ == "__main__":
    main()
