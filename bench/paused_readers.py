"""Benchmark: memory of one daphne process under WebSocket clients that stop reading.

`--readers` clients (default 200) subscribe to one product's events over
graphql-transport-ws and never read again (SO_RCVBUF 4 KiB, so their kernel buffers fill
at once); every 10 s each sends a `pong`, as a client that writes but never reads would
(daphne pings only clients that send nothing, and drops those that do not answer within
ping interval + ping timeout, 50 s by default). One more client reads everything. This
process changes the product's stock at `--rate` events a second for `--duration` seconds
through the domain service (real events: committed, logged, published; each carries the
product's `--description-bytes` description), then watches for `--settle` seconds more.
Every second it records the daphne process's RSS and how many of the paused clients'
TCP connections are still up (the server drops them WS_SLOW_CLIENT_CLOSE_TIMEOUT seconds
after closing them with 1013); at the end, how many events the reading client got and how
many "Exception inside application" daphne logged.

Each round runs the server twice, with WS_MAX_UNSENT_BYTES at its default and at 0 (no
bound: the behaviour before realtime/backpressure.py), alternating which goes first.

    .venv/bin/python bench/paused_readers.py [--readers 200] [--rounds 2]

Needs PostgreSQL (DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/shop_bench_paused,
created, migrated and seeded here) and Redis (REDIS_URL, default redis://127.0.0.1:6379/3).
Traffic goes only to 127.0.0.1; the run ends by itself.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import ExitStack, contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from socket import IPPROTO_TCP, TCP_INFO
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.support.raw_websocket import RawWebSocket  # noqa: E402

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/shop_bench_paused"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/3"
PORT = 8311
SUBSCRIPTION = """
subscription ($productIds: [ID!]) {
  productEvents(productIds: $productIds, types: [STOCK_CHANGED]) {
    cursor type occurredAt productId
    product { id name price stock isPublished description }
  }
}
"""
DEFAULT_BOUND = "default"
TCP_ESTABLISHED = 1  # tcp_info.tcpi_state (Linux)


def prepare_database(database_url: str, env: dict[str, str]) -> None:
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        if not connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
    for command in (
        ["migrate", "--noinput"],
        ["seed_demo", "--products", "20", "--if-empty", "--force"],
    ):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, timeout=600
        )


@contextmanager
def daphne(env: dict[str, str], log: Any):
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "daphne"),
            *("-b", "127.0.0.1", "-p", str(PORT), "project.asgi:application"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit("daphne did not start") from None
                time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def listeners(group: str) -> int:
    import redis

    prefix = os.environ["CHANNEL_LAYER_PREFIX"]
    with redis.Redis.from_url(os.environ["REDIS_URL"]) as client:
        return client.zcard(f"{prefix}:group:{group}")


def established(socket: RawWebSocket) -> bool:
    """Whether the client's TCP connection is still up (the server has not dropped it)."""
    state = socket.sock.getsockopt(IPPROTO_TCP, TCP_INFO, 1)[0]
    return state == TCP_ESTABLISHED


def subscribe(socket: RawWebSocket, product_gid: str) -> None:
    socket.send_json({"type": "connection_init", "payload": {}})
    assert socket.receive_json()["type"] == "connection_ack"
    socket.send_json(
        {
            "id": "1",
            "type": "subscribe",
            "payload": {"query": SUBSCRIPTION, "variables": {"productIds": [product_gid]}},
        }
    )


def run_once(args: argparse.Namespace, bound: str, env: dict[str, str]) -> dict[str, Any]:
    from domain.accounts.models import User
    from domain.catalog.models import Product
    from domain.catalog.services.products import product_update, stock_adjust
    from realtime import bus

    staff = User.objects.get(email="staff@example.com")
    product = Product.objects.filter(is_published=True, deleted_at__isnull=True).order_by("id")[0]
    product = product_update(
        actor=staff,
        product_id=product.pk,
        description="A long description. " * (args.description_bytes // 20),
    )
    product_gid = base64.b64encode(f"Product:{product.pk}".encode()).decode()
    group = bus.product_group(product.pk)
    server_env = dict(env)
    if bound != DEFAULT_BOUND:
        server_env["WS_MAX_UNSENT_BYTES"] = bound
    ws_url = f"ws://127.0.0.1:{PORT}/graphql/"
    timeline: list[dict[str, Any]] = []
    with ExitStack() as stack:
        log = stack.enter_context(tempfile.TemporaryFile("w+"))
        server = stack.enter_context(daphne(server_env, log))
        stale = listeners(group)
        paused = []
        for _ in range(args.readers):
            socket = RawWebSocket(ws_url, "graphql-transport-ws", receive_buffer=4096)
            stack.callback(socket.close)
            subscribe(socket, product_gid)
            paused.append(socket)
        reader = RawWebSocket(ws_url, "graphql-transport-ws")
        stack.callback(reader.close)
        subscribe(reader, product_gid)
        deadline = time.monotonic() + 60
        while listeners(group) < stale + args.readers + 1:
            if time.monotonic() > deadline:
                raise SystemExit("the subscriptions did not all start")
            time.sleep(0.1)
        received = 0
        reading = True

        def read() -> None:
            nonlocal received
            while reading:
                with suppress(TimeoutError):
                    message = reader.receive_json()
                    if message is None:
                        return
                    if message.get("type") == "next":
                        received += 1

        reader.sock.settimeout(1)
        thread = threading.Thread(target=read, daemon=True)
        thread.start()
        start = time.monotonic()
        baseline = rss_mib(server.pid)
        published = 0
        next_sample = next_pong = start
        delta = 1
        while True:
            now = time.monotonic()
            if now >= next_sample:
                timeline.append(
                    {
                        "t": round(now - start, 1),
                        "rss_mib": round(rss_mib(server.pid), 1),
                        "paused_open": sum(map(established, paused)),
                        "published": published,
                    }
                )
                next_sample += 1
            if now >= next_pong:
                for socket in paused:
                    with suppress(OSError):
                        socket.send_json({"type": "pong"})
                next_pong += 10
            if now - start >= args.duration + args.settle:
                break
            if now - start < args.duration and published < (now - start) * args.rate:
                stock_adjust(actor=staff, product_id=product.pk, delta=delta)
                delta = -delta
                published += 1
            else:
                time.sleep(0.01)
        reading = False
        thread.join(timeout=5)
        log.seek(0)
        errors = log.read().count("Exception inside application")
    rss = [sample["rss_mib"] for sample in timeline]
    return {
        "bound": bound,
        "baseline_rss_mib": round(baseline, 1),
        "peak_rss_mib": max(rss),
        "end_rss_mib": rss[-1],
        "peak_growth_mib": round(max(rss) - baseline, 1),
        "published": published,
        "reader_received": received,
        "paused_open_at_end": timeline[-1]["paused_open"],
        "daphne_application_errors": errors,
        "timeline": timeline,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--rate", type=float, default=10.0, help="events a second")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of events")
    parser.add_argument("--settle", type=float, default=10.0, help="seconds watched after")
    parser.add_argument("--description-bytes", type=int, default=8192)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--bounds",
        default=f"{DEFAULT_BOUND},0",
        help="WS_MAX_UNSENT_BYTES of each run in a round (`default`: the setting's default)",
    )
    args = parser.parse_args()
    env_defaults = {
        "DATABASE_URL": os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        "REDIS_URL": os.environ.get("REDIS_URL", DEFAULT_REDIS_URL),
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench"),
        "CHANNEL_LAYER_PREFIX": os.environ.get("CHANNEL_LAYER_PREFIX", "bench-paused"),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env_defaults)
    env = dict(os.environ)
    prepare_database(env["DATABASE_URL"], env)
    import django

    django.setup()
    results = []
    for round_ in range(args.rounds):
        bounds = args.bounds.split(",")
        order = bounds if round_ % 2 == 0 else bounds[::-1]
        for bound in order:
            result = run_once(args, bound, env)
            results.append(result)
            summary = {k: v for k, v in result.items() if k != "timeline"}
            print(json.dumps(summary), flush=True)
    figures = {}
    for bound in args.bounds.split(","):
        runs = [r for r in results if r["bound"] == bound]
        figures[bound] = {
            key: statistics.median(r[key] for r in runs)
            for key in ("baseline_rss_mib", "peak_rss_mib", "end_rss_mib", "peak_growth_mib")
        }
    print(json.dumps(figures, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / f"paused-readers-{stamp}.json").write_text(
        json.dumps({"args": vars(args), "figures": figures, "runs": results}, indent=2)
    )


if __name__ == "__main__":
    main()
