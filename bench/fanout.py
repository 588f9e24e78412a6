"""Benchmark: realtime fan-out. 1,000 WebSocket subscribers to `productEvents`, spread over
two daphne processes sharing Redis; one `productUpdate` (price change) at a time through
HTTP.

Reports, over `--updates` updates, the time from the event's commit (its `occurredAt`,
taken inside the transaction, so slightly before the commit: the figure errs long) to the
last subscriber receiving it, p50 and p99; then the sustained rate: events published to
the product's group at a fixed rate for a few seconds, raised step by step until some
subscriber falls behind (misses an event within a second of the end, or is closed).

    .venv/bin/python bench/fanout.py [--subscribers 1000] [--updates 50] [--signed-in 0.5]
        [--ports 8301,8302]

`--signed-in F`: that share of the subscribers signs in, each as a customer of its own
(the others are anonymous), as on a storefront where some visitors are signed in.
`--ports`: the two daphne processes' ports (to run beside another benchmark).

Needs PostgreSQL seeded by bench/catalog_read.py (DATABASE_URL, default
postgresql://postgres@127.0.0.1:5432/shop_bench) and Redis (REDIS_URL, default
redis://127.0.0.1:6379/3).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
import urllib.request
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import websockets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.catalog_read import ensure_database, server  # noqa: E402

DOCUMENT = (ROOT / "contract" / "operations" / "realtime.graphql").read_text()
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/shop_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/3"
PORTS = (8301, 8302)
UPDATE_PRICE = (
    "mutation ($id: ID!, $p: Decimal!) { productUpdate(id: $id, input: {price: $p}) "
    "{ errors { code } } }"
)


class Subscriber:
    def __init__(self, url: str, product_gid: str, token: str | None = None) -> None:
        self.url = url
        self.product_gid = product_gid
        self.token = token
        self.received: dict[str, float] = {}  # cursor -> arrival time
        self.closed: int | None = None
        self.refused: dict[str, Any] | None = None  # the subscription's error, if any
        self.ready = asyncio.Event()

    async def run(self) -> None:
        async with websockets.connect(
            self.url, subprotocols=["graphql-transport-ws"], max_queue=None, open_timeout=60
        ) as ws:
            init = {"authorization": f"Bearer {self.token}"} if self.token else {}
            await ws.send(json.dumps({"type": "connection_init", "payload": init}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {
                            "query": DOCUMENT,
                            "operationName": "OnProductEvents",
                            "variables": {
                                "productIds": [self.product_gid],
                                "types": ["PRICE_CHANGED"],
                            },
                        },
                    }
                )
            )
            self.ready.set()
            try:
                async for raw in ws:
                    now = time.time()
                    message = json.loads(raw)
                    if message.get("type") in {"error", "complete"}:
                        self.refused = message
                    if message.get("type") == "next":
                        event = message["payload"]["data"]["productEvents"]
                        self.received[event["cursor"]] = now
                        self.last_event = event
            except websockets.ConnectionClosed as closed:
                self.closed = closed.rcvd.code if closed.rcvd else -1


async def subscribed(subscriber: Subscriber, task: asyncio.Task[None]) -> None:
    """Until `subscriber` has subscribed; its own error if it failed first (instead of
    waiting for ever)."""
    ready = asyncio.ensure_future(subscriber.ready.wait())
    await asyncio.wait({ready, task}, return_when=asyncio.FIRST_COMPLETED)
    if not subscriber.ready.is_set():
        ready.cancel()
        task.result()  # raises what stopped it
        raise SystemExit("a subscriber's connection ended before it subscribed")


def post(url: str, query: str, variables: dict[str, Any], token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        url, data=json.dumps({"query": query, "variables": variables}).encode(), headers=headers
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


async def measure_latency(
    subscribers: list[Subscriber], graphql_url: str, token: str, product_gid: str, updates: int
) -> list[float]:
    latencies = []
    for n in range(updates):
        before = {id(s): len(s.received) for s in subscribers}
        price = f"{100 + n}.00"
        result = await asyncio.to_thread(
            post,
            graphql_url,
            UPDATE_PRICE,
            {"id": product_gid, "p": price},
            token,
        )
        assert result["data"]["productUpdate"]["errors"] == [], result
        deadline = time.time() + 30
        while any(len(s.received) == before[id(s)] for s in subscribers):
            if time.time() > deadline:
                missing = [s for s in subscribers if len(s.received) == before[id(s)]]
                closed = sorted({s.closed for s in missing if s.closed is not None})
                refused = next((s.refused for s in missing if s.refused), None)
                raise SystemExit(
                    f"update {n} did not reach {len(missing)} of {len(subscribers)} subscribers"
                    f" within 30 s (close codes among them: {closed}; a refusal: {refused})"
                )
            await asyncio.sleep(0.005)
        occurred = datetime.fromisoformat(subscribers[0].last_event["occurredAt"]).timestamp()
        last = max(max(s.received.values()) for s in subscribers)
        latencies.append((last - occurred) * 1000)
    return latencies


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    import django

    django.setup()


def customer_tokens(count: int) -> list[str]:
    """Access tokens of `count` customers of the benchmark (made once, no password)."""
    setup_django()
    from domain.accounts.models import User
    from domain.accounts.tokens import access_token_encode

    tokens = []
    for n in range(count):
        email = f"fanout-customer-{n}@example.com"
        user = User.objects.filter(email=email).first() or User.objects.create_user(email)
        tokens.append(access_token_encode(user))
    return tokens


async def warm_up(
    subscribers: list[Subscriber], graphql_url: str, token: str, product_gid: str
) -> None:
    """Until every subscription listens: an update every 10 s (up to 5 minutes) until each
    subscriber has received one. A subscription takes its starting position when the
    server has set it up, which on a busy machine can be many seconds after it was sent;
    one that starts after an update never receives it."""
    deadline = time.time() + 300
    price = 9000
    while any(not s.received for s in subscribers):
        if time.time() > deadline:
            missing = sum(1 for s in subscribers if not s.received)
            raise SystemExit(f"{missing} subscriptions still not listening after 5 minutes")
        price += 1
        await asyncio.to_thread(
            post, graphql_url, UPDATE_PRICE, {"id": product_gid, "p": f"{price}.00"}, token
        )
        started = time.time()
        while any(not s.received for s in subscribers) and time.time() - started < 10:
            await asyncio.sleep(0.05)
    print(f"  every subscription listening ({price - 9000} warm-up updates)")


async def sustained_rate(subscribers: list[Subscriber], product_pk: int) -> float:
    """Highest rate (price changes a second, 3-second bursts, made by the domain service in
    this process: real events, committed and published) that every subscriber fully kept
    up with."""
    setup_django()
    from decimal import Decimal

    from asgiref.sync import sync_to_async

    from domain.accounts.models import User
    from domain.catalog.models import Product
    from domain.catalog.services import product_update

    staff = await sync_to_async(User.objects.get)(email="staff@example.com")
    product = await sync_to_async(Product.objects.get)(pk=product_pk)
    change = sync_to_async(product_update)
    best = 0.0
    price = 1000
    for rate in (1, 2, 3, 5, 10, 20, 40, 80, 160):
        counts = {id(s): len(s.received) for s in subscribers}
        total = rate * 3
        started = time.time()
        for n in range(total):
            price += 1
            await change(actor=staff, product_id=product.pk, price=Decimal(price))
            await asyncio.sleep(max(0.0, started + (n + 1) / rate - time.time()))
        late = time.time() - started - 3
        await asyncio.sleep(1.0)
        kept_up = late < 1 and all(
            len(s.received) - counts[id(s)] == total and s.closed is None for s in subscribers
        )
        print(f"  {rate:4d} events/s for 3 s: {'kept up' if kept_up else 'fell behind'}")
        if not kept_up:
            break
        best = rate
    return best


async def run(
    args: argparse.Namespace,
    urls: list[str],
    graphql_url: str,
    token: str,
    product_pk: int,
    product_gid: str,
) -> dict[str, Any]:
    signed_in = round(args.subscribers * args.signed_in)
    tokens = await asyncio.to_thread(customer_tokens, signed_in) if signed_in else []
    # the signed-in ones drawn at random (the same draw every run), on both processes
    signing_in = set(random.Random(0).sample(range(args.subscribers), signed_in))
    subscribers = [
        Subscriber(urls[n % len(urls)], product_gid, tokens.pop() if n in signing_in else None)
        for n in range(args.subscribers)
    ]
    tasks = []
    for batch in range(0, len(subscribers), 100):
        started = [(s, asyncio.create_task(s.run())) for s in subscribers[batch : batch + 100]]
        tasks += [task for _, task in started]
        await asyncio.gather(*(subscribed(s, task) for s, task in started))
    await warm_up(subscribers, graphql_url, token, product_gid)
    latencies = await measure_latency(subscribers, graphql_url, token, product_gid, args.updates)
    rate = await sustained_rate(subscribers, product_pk)
    for task in tasks:
        task.cancel()
    latencies.sort()
    return {
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "max_ms": latencies[-1],
        "sustained_events_per_s": rate,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--updates", type=int, default=50)
    parser.add_argument("--signed-in", type=float, default=0.0)
    parser.add_argument("--ports", default=",".join(map(str, PORTS)))
    args = parser.parse_args()
    ports = [int(port) for port in args.ports.split(",")]
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench"),
        }
    )
    env = {
        **os.environ,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "LOG_LEVEL": "WARNING",
        # no per-client cost budget: the benchmark is one client (127.0.0.1) asking far
        # more than any real one, and its subscriptions would be refused
        "GRAPHQL_COST_BUDGET_ANONYMOUS": "0",
        "GRAPHQL_COST_BUDGET_USER": "0",
    }
    ensure_database(database_url, 2000, env)
    daphne = str(ROOT / ".venv" / "bin" / "daphne")
    with ExitStack() as stack:
        graphql_urls = [
            stack.enter_context(
                server(
                    [
                        daphne,
                        *("-b", "127.0.0.1", "-p", str(port)),
                        # daphne refuses (HTTP 403) a handshake the application has not
                        # accepted within 5 s: a busy machine opening 100 at once needs more
                        *("--websocket_connect_timeout", "60"),
                        "project.asgi:application",
                    ],
                    env,
                    port,
                    start_within=180,  # two Django processes starting on a busy machine
                )
            )
            for port in ports
        ]
        token = post(
            graphql_urls[0],
            'mutation { tokenCreate(email: "staff@example.com", '
            'password: "demo-staff-password") { token } }',
            {},
        )["data"]["tokenCreate"]["token"]
        first = post(graphql_urls[0], "{ products(first: 1) { edges { node { id } } } }", {})
        product_gid = first["data"]["products"]["edges"][0]["node"]["id"]
        import base64

        product_pk = int(base64.b64decode(product_gid).decode().split(":")[1])
        ws_urls = [u.replace("http://", "ws://") for u in graphql_urls]
        figures = asyncio.run(run(args, ws_urls, graphql_urls[1], token, product_pk, product_gid))
    print(json.dumps(figures, indent=2))
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (results / f"fanout-{stamp}.json").write_text(
        json.dumps({"args": vars(args), "figures": figures}, indent=2)
    )


if __name__ == "__main__":
    main()
