"""What one idle subscription holds in the process, by allocation site and object type:
N graphql-transport-ws subscriptions of `OnProductEvents` opened in-process (Channels'
communicator, so daphne's own per-connection objects are not counted) on shop_bench and
Redis db 3, compared by tracemalloc and gc with 20 opened before.

    .venv/bin/python -m bench.subscription_memory [N=300]
"""

import asyncio
import base64
import gc
import os
import sys
import tracemalloc
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.update(
    DJANGO_SETTINGS_MODULE="project.settings",
    DATABASE_URL=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/shop_bench"),
    REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3"),
    SECRET_KEY="bench",
    DEBUG="0",
    ALLOWED_HOSTS="*",
    GRAPHQL_MAX_LIVE_COST="1000000000",
)
from channels.testing import WebsocketCommunicator  # noqa: E402

from project.asgi import application  # noqa: E402

DOC = (ROOT / "contract" / "operations" / "realtime.graphql").read_text()
N = int(sys.argv[1]) if len(sys.argv) > 1 else 300


def short(filename: str) -> str:
    return filename.split("site-packages/")[-1].replace(str(ROOT) + "/", "")


def count_types() -> Counter[str]:
    return Counter(type(obj).__name__ for obj in gc.get_objects())


async def open_one(pk: int) -> WebsocketCommunicator:
    socket = WebsocketCommunicator(
        application,
        "/graphql/",
        subprotocols=["graphql-transport-ws"],
        headers=[(b"host", b"localhost")],
    )
    connected, _ = await socket.connect(timeout=10)
    assert connected
    await socket.send_json_to({"type": "connection_init", "payload": {}})
    assert (await socket.receive_json_from(timeout=10))["type"] == "connection_ack"
    variables = {"productIds": [base64.b64encode(f"Product:{pk}".encode()).decode()]}
    payload = {"query": DOC, "operationName": "OnProductEvents", "variables": variables}
    await socket.send_json_to({"id": "1", "type": "subscribe", "payload": payload})
    return socket


async def main() -> None:
    held = [await open_one(PRODUCT) for _ in range(20)]
    await asyncio.sleep(2)
    gc.collect()
    tracemalloc.start(1)
    before, types_before = tracemalloc.take_snapshot(), count_types()
    held += [await open_one(PRODUCT) for _ in range(N)]
    await asyncio.sleep(3)
    gc.collect()
    stats = tracemalloc.take_snapshot().compare_to(before, "lineno")
    types = count_types()
    objects = sum(types.values()) - sum(types_before.values())
    total = sum(stat.size_diff for stat in stats)
    print(f"per subscription: {total / N / 1024:.1f} KiB traced, {objects / N:.0f} gc objects")
    for stat in stats[:25]:
        frame = stat.traceback[0]
        size, count = stat.size_diff / N, stat.count_diff / N
        print(f"{size:8.0f} B {count:6.1f} blocks  {short(frame.filename)}:{frame.lineno}")
    grown = sorted(((types[name] - types_before[name]) / N, name) for name in types)
    print("objects per subscription:", ", ".join(f"{name} {n:.0f}" for n, name in grown[-15:]))
    os._exit(0)  # the sockets are not closed one by one


PRODUCT = int(os.environ.get("PRODUCT", "1999"))
asyncio.run(main())
