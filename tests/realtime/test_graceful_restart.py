"""A rolling restart, from outside: real daphne processes, real WebSocket clients on both
protocols, real PostgreSQL and Redis. SIGTERM makes a process close its sockets with 1001,
refuse new connections, let in-flight requests answer, and exit within its bound; clients
resume on another process from their last cursor and miss nothing."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
import websockets
from django.db import connection, connections, transaction

from domain.accounts.tokens import access_token_encode
from domain.catalog.models import Product
from realtime.graceful_shutdown import SHUTDOWN_STOP_SECONDS
from tests.factories import make_product, make_user
from tests.support.daphne import (
    DaphneProcess,
    daphne_env_on_test_services,
    daphne_process,
    post_graphql,
)
from tests.support.graphql import STOCK_ADJUST, contract_document
from tests.support.ids import global_id
from tests.support.metrics import listening

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

REALTIME = contract_document("realtime")
# Each protocol's names for "start an operation" and "an operation's result".
PROTOCOLS = {"graphql-transport-ws": ("subscribe", "next"), "graphql-ws": ("start", "data")}
UPDATES = 40
SIGTERM_AFTER = 8  # events each subscriber has received when the process is told to stop
GRACE = 10


def _ws_url(daphne: DaphneProcess) -> str:
    return daphne.base_url.replace("http://", "ws://") + "/graphql/"


async def _subscription(
    url: str, subprotocol: str, variables: dict[str, Any], events: list[dict[str, Any]]
) -> int:
    """Append the subscription's events to `events` until the server closes the socket:
    the close code it sent (1006 when it sent none)."""
    start, result = PROTOCOLS[subprotocol]
    async with websockets.connect(url, subprotocols=[subprotocol], open_timeout=30) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        while json.loads(await ws.recv())["type"] != "connection_ack":
            pass
        payload = {"query": REALTIME, "operationName": "OnProductEvents", "variables": variables}
        await ws.send(json.dumps({"id": "1", "type": start, "payload": payload}))
        try:
            while True:
                message = json.loads(await ws.recv())
                if message["type"] == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                elif message["type"] == result:
                    assert "errors" not in message["payload"], message
                    events.append(message["payload"]["data"]["productEvents"])
                else:
                    assert message["type"] == "ka", message  # the legacy keep-alive
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else 1006


async def _resuming_subscriber(
    urls: list[str],
    subprotocol: str,
    product_id: str,
    events: list[dict[str, Any]],
    closes: list[int],
) -> None:
    """Subscribe on each of `urls` in turn, each time from the last cursor received, until
    the last process closes the socket (cancel the task to stop); each close code the
    servers sent is appended to `closes`."""
    for url in urls:
        variables: dict[str, Any] = {"productIds": [product_id]}
        if events:
            variables["after"] = events[-1]["cursor"]
        closes.append(await _subscription(url, subprotocol, variables, events))


async def _until(condition, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(condition):
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        await asyncio.sleep(0.05)


def _refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def _exit_after(daphne: DaphneProcess, signalled_at: float, bound: float) -> tuple[int, float]:
    """The process's exit status and how long after `signalled_at` it exited."""
    status = daphne.process.wait(timeout=bound + 10)
    return status, time.monotonic() - signalled_at


@pytest.fixture
def staff_token() -> str:
    return access_token_encode(make_user(email="staff@example.com", is_staff=True))


def test_a_rolling_restart_loses_no_event_and_repeats_none(staff_token):
    # given two processes, and on A one subscriber per protocol
    product = make_product(stock=0)
    product_id = global_id("Product", product.pk)
    env = daphne_env_on_test_services(SHUTDOWN_GRACE_SECONDS=str(GRACE))
    with daphne_process(env) as a, daphne_process(env) as b:
        received: dict[str, list[dict[str, Any]]] = {subprotocol: [] for subprotocol in PROTOCOLS}
        closes: dict[str, list[int]] = {subprotocol: [] for subprotocol in PROTOCOLS}

        def write_continuously() -> None:
            # every change goes through B, one at a time, while A stops
            for _ in range(UPDATES):
                answer = post_graphql(
                    b.base_url, STOCK_ADJUST, {"id": product_id, "d": 1}, staff_token
                )
                assert answer["data"]["stockAdjust"]["errors"] == [], answer
                time.sleep(0.05)

        async def scenario() -> tuple[int, float]:
            before = await asyncio.to_thread(listening, a.base_url)
            subscribers = [
                asyncio.create_task(
                    _resuming_subscriber(
                        [_ws_url(a), _ws_url(b)],
                        subprotocol,
                        product_id,
                        received[subprotocol],
                        closes[subprotocol],
                    )
                )
                for subprotocol in PROTOCOLS
            ]
            await _until(
                lambda: listening(a.base_url) == before + len(PROTOCOLS),
                "both subscribers listen on A",
            )
            writer = asyncio.create_task(asyncio.to_thread(write_continuously))
            await _until(
                lambda: all(len(events) >= SIGTERM_AFTER for events in received.values()),
                f"each subscriber has {SIGTERM_AFTER} events",
            )
            # when A is told to stop, with changes still being made
            signalled_at = time.monotonic()
            a.process.send_signal(signal.SIGTERM)
            exited = await asyncio.to_thread(
                _exit_after, a, signalled_at, GRACE + SHUTDOWN_STOP_SECONDS
            )
            await writer
            await _until(
                lambda: all(len(events) >= UPDATES for events in received.values()),
                "every event arrived",
            )
            await asyncio.sleep(1)  # time for any event that would arrive twice
            for task in subscribers:
                task.cancel()
            await asyncio.gather(*subscribers, return_exceptions=True)
            return exited

        status, took = asyncio.run(scenario())

    # then each subscriber was told A was going away, and resumed on B
    assert closes == {subprotocol: [1001] for subprotocol in PROTOCOLS}
    # and got every change once, in order, across the restart
    for subprotocol, events in received.items():
        assert [event["product"]["stock"] for event in events] == list(range(1, UPDATES + 1)), (
            subprotocol
        )
        assert len({event["cursor"] for event in events}) == UPDATES
        assert {event["type"] for event in events} == {"STOCK_CHANGED"}
    # and A exited cleanly (drained: not cut by the watchdog), well within its bound
    assert status == 0
    assert took < GRACE


@contextmanager
def _row_locked(product: Product) -> Iterator[threading.Event]:
    """Hold the product's row lock from another connection until the event is set (or the
    block ends): a stock change waits for it, so a request stays in flight."""
    release = threading.Event()
    locked = threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                Product.objects.select_for_update().get(pk=product.pk)
                locked.set()
                release.wait(timeout=60)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(timeout=20)
    try:
        yield release
    finally:
        release.set()
        holder.join(timeout=30)


def _waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def _until_sync(condition, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)


def _stock_change_in_flight(
    pool: ThreadPoolExecutor, daphne: DaphneProcess, product: Product, token: str
) -> Future[dict[str, Any]]:
    """A stock change of `product` (+2) posted to `daphne` from `pool`, once it waits for
    the row lock (`_row_locked`): a request in flight."""
    in_flight = pool.submit(
        post_graphql,
        daphne.base_url,
        STOCK_ADJUST,
        {"id": global_id("Product", product.pk), "d": 2},
        token,
        timeout=60,
    )
    _until_sync(lambda: _waiting_for_a_lock() == 1, "the change waits for the lock")
    return in_flight


def test_a_draining_process_refuses_new_connections_and_answers_requests_in_flight(
    staff_token,
):
    # given a process with a stock change in flight (waiting for a row lock)
    product = make_product(stock=10)
    env = daphne_env_on_test_services(SHUTDOWN_GRACE_SECONDS=str(GRACE))
    with daphne_process(env) as a, ThreadPoolExecutor(1) as pool:
        with _row_locked(product) as release:
            in_flight = _stock_change_in_flight(pool, a, product, staff_token)
            # when it is told to stop
            signalled_at = time.monotonic()
            a.process.send_signal(signal.SIGTERM)
            # then it refuses new connections while it still runs, draining
            _until_sync(lambda: _refuses_connections(a.port), "A refuses connections", 10)
            assert a.process.poll() is None
            time.sleep(1)
            assert a.process.poll() is None  # the request holds it
            release.set()
        # and the request in flight answers
        answer = in_flight.result(timeout=30)
        status, took = _exit_after(a, signalled_at, GRACE + SHUTDOWN_STOP_SECONDS)
    assert answer == {"data": {"stockAdjust": {"product": {"stock": 12}, "errors": []}}}
    assert status == 0
    assert took < GRACE


def test_a_request_still_running_at_the_end_of_the_grace_period_does_not_keep_it_alive(
    staff_token,
):
    # given a process with a short grace period and a request that outlasts it
    grace = 2
    product = make_product(stock=10)
    env = daphne_env_on_test_services(SHUTDOWN_GRACE_SECONDS=str(grace))
    with daphne_process(env) as a, ThreadPoolExecutor(1) as pool, _row_locked(product):
        in_flight = _stock_change_in_flight(pool, a, product, staff_token)
        # when it is told to stop
        signalled_at = time.monotonic()
        a.process.send_signal(signal.SIGTERM)
        # then it exits within its bound although the request never ends
        status, took = _exit_after(a, signalled_at, grace + SHUTDOWN_STOP_SECONDS)
        assert took < grace + SHUTDOWN_STOP_SECONDS + 2
        assert took >= grace
        with pytest.raises(OSError):  # the request was cut, not answered
            in_flight.result(timeout=30)
    assert status in (0, 1)  # 1: its thread was still in the database, the watchdog ended it
