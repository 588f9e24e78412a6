"""Realtime in /metrics, as a scraper sees it: sockets, subscriptions by operation, events
published and delivered with their commit-to-send latency, replays, the poller's
wake-ups, slow-consumer closes and shared executions. In-process (Channels'
communicator); a daphne run is in tests/project/test_metrics_over_daphne.py."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
from asgiref.sync import sync_to_async

from domain.catalog import services as catalog
from realtime import bus
from tests.factories import make_product, make_user
from tests.support.graphql import contract_document
from tests.support.ids import global_id
from tests.support.metrics import TOKEN, Scrape, moved, scrape
from tests.support.websocket import joining, overflow_a_stuck_subscriber

pytestmark = [pytest.mark.django_db(transaction=True)]

REALTIME = contract_document("realtime")
UNNAMED = "subscription { productEvents { cursor } }"
CONNECTIONS = "realtime_open_websocket_connections"
ACTIVE = "graphql_active_subscriptions"
PUBLISHED = "realtime_events_published_total"
DELIVERED = "realtime_events_delivered_total"
LATENCY_COUNT = "realtime_commit_to_send_seconds_count"
LATENCY_SUM = "realtime_commit_to_send_seconds_sum"
REPLAYS = "realtime_log_replays_total"
WAKEUPS = "realtime_log_poller_wakeups_total"
SLOW_CLOSES = "realtime_slow_consumer_closes_total"
SHARED = "graphql_subscription_shared_executions_total"


@pytest.fixture(autouse=True)
def _metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN


async def _eventually(check: Callable[[Scrape], bool], timeout: float = 5) -> Scrape:
    """Scrape until `check` holds (what ends a socket or a subscription runs after the
    client's last message)."""
    deadline = time.monotonic() + timeout
    while True:
        current = await scrape()
        if check(current):
            return current
        assert time.monotonic() < deadline, "the metrics never got there"
        await asyncio.sleep(0.02)


async def _delivered(before: Scrape, path: str, count: int) -> Scrape:
    """Scrape until `count` events of the product stream were delivered by `path` since
    `before`."""
    return await _eventually(
        lambda now: moved(before, now, DELIVERED, stream="product", path=path) == count
    )


async def _subscribe(socket, product, **variables) -> str:
    async with joining(bus.product_group(product.pk)):
        return await socket.subscribe(
            REALTIME,
            {"productIds": [global_id("Product", product.pk)], **variables},
            "OnProductEvents",
        )


async def _adjust(staff, product, delta: int = 1) -> None:
    await sync_to_async(catalog.stock_adjust)(actor=staff, product_id=product.pk, delta=delta)


async def test_open_websocket_connections_follow_the_sockets(open_ws):
    # given
    before = await scrape()
    # when two sockets open
    first = await open_ws()
    await open_ws()
    opened = await scrape()
    # then
    assert moved(before, opened, CONNECTIONS) == 2
    # and when one closes, it is counted out
    await first.close()
    after = await _eventually(lambda now: moved(before, now, CONNECTIONS) == 1)
    assert moved(before, after, CONNECTIONS) == 1


async def test_active_subscriptions_are_counted_by_contract_operation_or_other(open_ws):
    # given
    product = await sync_to_async(make_product)()
    socket = await open_ws()
    before = await scrape()
    # when a contract subscription, an unnamed one and one under a made-up name start
    named = await _subscribe(socket, product)
    async with joining(bus.ALL_PRODUCTS_GROUP):
        await socket.subscribe(UNNAMED)
    async with joining(bus.ALL_PRODUCTS_GROUP):
        await socket.subscribe(
            "subscription MadeUp123 { productEvents { cursor } }", operation_name="MadeUp123"
        )
    running = await scrape()
    # then
    assert moved(before, running, ACTIVE, operation="OnProductEvents") == 1
    assert moved(before, running, ACTIVE, operation="other") == 2
    assert "MadeUp123" not in running.label_values(ACTIVE, "operation")
    # and when the named one completes, then the socket closes, they are counted out
    await socket.communicator.send_json_to({"id": named, "type": "complete"})
    await _eventually(lambda now: moved(before, now, ACTIVE, operation="OnProductEvents") == 0)
    await socket.close()
    await _eventually(lambda now: moved(before, now, ACTIVE, operation="other") == 0)


async def test_an_event_is_counted_published_once_and_delivered_to_each_subscriber(open_ws):
    # given two subscribers of a product
    staff = await sync_to_async(make_user)(is_staff=True)
    product = await sync_to_async(make_product)(stock=5)
    sockets = [await open_ws(), await open_ws()]
    for socket in sockets:
        await _subscribe(socket, product)
    before = await scrape()
    # when its stock changes once
    await _adjust(staff, product)
    for socket in sockets:
        await socket.next_data()
    # then one event was published, and delivered twice, live, each delivery timed
    after = await _delivered(before, "live", 2)
    assert moved(before, after, PUBLISHED, stream="product") == 1
    assert moved(before, after, DELIVERED, stream="product", path="replay") == 0
    assert moved(before, after, LATENCY_COUNT, stream="product") == 2
    assert 0 < moved(before, after, LATENCY_SUM, stream="product") < 20
    assert (
        moved(before, after, "realtime_commit_to_send_seconds_bucket", stream="product", le="+Inf")
        == 2
    )


async def test_a_resume_counts_one_replay_and_its_events_as_replayed_not_timed(open_ws):
    # given a subscriber that got one event, then went away while two more happened
    staff = await sync_to_async(make_user)(is_staff=True)
    product = await sync_to_async(make_product)(stock=5)
    socket = await open_ws()
    await _subscribe(socket, product)
    await _adjust(staff, product)
    cursor = (await socket.next_data())["data"]["productEvents"]["cursor"]
    await socket.close()
    await _adjust(staff, product)
    await _adjust(staff, product)
    before = await scrape()
    # when it resumes from its cursor
    resumed = await open_ws()
    await _subscribe(resumed, product, after=cursor)
    for _ in range(2):
        await resumed.next_data()
    # then one replay, two events delivered as replayed, none timed
    after = await _delivered(before, "replay", 2)
    assert moved(before, after, REPLAYS, stream="product") == 1
    assert moved(before, after, DELIVERED, stream="product", path="live") == 0
    assert moved(before, after, LATENCY_COUNT, stream="product") == 0


async def test_a_lost_live_message_counts_a_poller_wakeup(open_ws, settings, monkeypatch):
    # given a subscriber, the poller on, and a change whose live message is lost
    settings.WS_LOG_POLL_INTERVAL = 0.2
    staff = await sync_to_async(make_user)(is_staff=True)
    product = await sync_to_async(make_product)(stock=5)
    socket = await open_ws()
    await _subscribe(socket, product)
    before = await scrape()
    monkeypatch.setattr(bus, "publish", lambda groups, event: None)
    # when
    await _adjust(staff, product)
    await socket.next_data()
    # then the poller woke it, once, and the event was delivered live
    after = await _delivered(before, "live", 1)
    assert moved(before, after, WAKEUPS, stream="product") == 1
    assert moved(before, after, PUBLISHED, stream="product") == 0


async def test_a_subscriber_closed_for_falling_behind_is_counted_by_code_and_cause(
    open_ws, settings, monkeypatch
):
    # given a subscriber that may have 2 events waiting, stuck on reading the log
    settings.WS_MAX_PENDING_EVENTS = 2
    product = await sync_to_async(make_product)(stock=100)
    socket = await open_ws()
    await _subscribe(socket, product)
    before = await scrape()
    # when more events arrive than it may have waiting, its database thread held
    await overflow_a_stuck_subscriber(product, monkeypatch)
    output = await socket.communicator.receive_output(timeout=5)
    assert (output["type"], output["code"]) == ("websocket.close", 1013)
    # then
    after = await scrape()
    assert moved(before, after, SLOW_CLOSES, code="1013", cause="pending_events") == 1
    assert moved(before, after, SLOW_CLOSES, code="1013", cause="unsent_bytes") == 0


async def test_subscribers_sharing_an_execution_count_one_miss_and_the_rest_hits(open_ws):
    # given three anonymous subscribers with the same document and variables
    staff = await sync_to_async(make_user)(is_staff=True)
    product = await sync_to_async(make_product)(stock=5)
    sockets = [await open_ws() for _ in range(3)]
    for socket in sockets:
        await _subscribe(socket, product)
    before = await scrape()
    # when one event reaches them
    await _adjust(staff, product)
    for socket in sockets:
        await socket.next_data()
    # then it was executed once, and the other two took that execution
    after = await scrape()
    assert moved(before, after, SHARED, result="miss") == 1
    assert moved(before, after, SHARED, result="hit") == 2
