"""Benchmark: how long a daphne process takes to drain on SIGTERM (issue 12, item 6).

One daphne process (embedded database, DEBUG off) holds `--sockets` WebSocket clients
(graphql-transport-ws, each with a live `productEvents` subscription; half of them on the
legacy graphql-ws protocol with `--legacy`). This process then sends the daphne SIGTERM and
records, from the signal: when the first and the last client received their close frame
(and with which codes), when the process exited (and its status), and how the drain
ended (its log line: drained in how long, or cut at the deadline). Each round starts a
fresh process.

    .venv/bin/python bench/restart_drain.py [--sockets 1000] [--rounds 3] [--legacy]

Traffic goes only to 127.0.0.1; the run ends by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import websockets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.support.daphne import clean_env, daphne_process, manage  # noqa: E402

SUBSCRIPTION = "subscription { productEvents { cursor type } }"
PROTOCOLS = {"graphql-transport-ws": "subscribe", "graphql-ws": "start"}


async def _subscriber(url: str, protocol: str, ready: asyncio.Event, closes: list) -> None:
    async with websockets.connect(
        url, subprotocols=[protocol], open_timeout=60, max_queue=None
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        while json.loads(await ws.recv())["type"] != "connection_ack":
            pass
        payload = {"query": SUBSCRIPTION}
        await ws.send(json.dumps({"id": "1", "type": PROTOCOLS[protocol], "payload": payload}))
        ready.set()
        try:
            while True:
                await ws.recv()
        except websockets.ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd is not None else 1006
            closes.append((time.monotonic(), code))


async def _round(daphne, sockets: int, legacy: bool) -> dict[str, float | str]:
    url = daphne.base_url.replace("http://", "ws://") + "/graphql/"
    closes: list[tuple[float, int]] = []
    tasks, readies = [], []
    for index in range(sockets):
        protocol = "graphql-ws" if legacy and index % 2 else "graphql-transport-ws"
        ready = asyncio.Event()
        readies.append(ready)
        tasks.append(asyncio.create_task(_subscriber(url, protocol, ready, closes)))
        if index % 50 == 49:
            await asyncio.gather(*(r.wait() for r in readies))
    await asyncio.gather(*(r.wait() for r in readies))
    await asyncio.sleep(1)  # every subscription started on the server
    signalled = time.monotonic()
    daphne.process.send_signal(signal.SIGTERM)

    def wait() -> tuple[int, float]:  # the moment of the exit, not of this loop's next turn
        return daphne.process.wait(60), time.monotonic()

    status, exited_at = await asyncio.to_thread(wait)
    exited = exited_at - signalled
    await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout=30)
    moments = sorted(at - signalled for at, _ in closes)
    log = daphne.log.read_text()
    return {
        "first_close_ms": moments[0] * 1000,
        "last_close_ms": moments[-1] * 1000,
        "exit_ms": exited * 1000,
        "status": status,
        "codes": dict(Counter(code for _, code in closes)),
        # realtime/draining.py's last word: drained in how long, or cut at the deadline
        "drain": [line for line in log.splitlines() if line.startswith(("Drained", "Drain "))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--legacy", action="store_true", help="half the clients on graphql-ws")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.sockets)), hard))
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-restart-") as var_dir:
        env = clean_env(
            DEBUG="0",
            SECRET_KEY="bench-restart",
            VAR_DIR=var_dir,
            ALLOWED_HOSTS="127.0.0.1",
            LOG_LEVEL="WARNING",
            WS_MAX_SUBSCRIPTIONS="20",
        )
        migrated = manage("migrate", "--noinput", env=env)
        assert migrated.returncode == 0, migrated.stderr
        for number in range(1, args.rounds + 1):
            with daphne_process(env, timeout=120) as daphne:
                result = asyncio.run(_round(daphne, args.sockets, args.legacy))
            results.append(result)
            print(f"round {number}: {result}", flush=True)
    for key in ("first_close_ms", "last_close_ms", "exit_ms"):
        print(f"median {key}: {statistics.median(r[key] for r in results):.0f}")
    print(f"exit statuses: {[r['status'] for r in results]}")


if __name__ == "__main__":
    main()
