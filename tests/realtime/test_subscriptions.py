"""Subscriptions in-process (Channels' communicator): resume, rollback, visibility, limits
and the protocol's close codes."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction

from domain.accounts.tokens import access_token_encode
from domain.catalog import services as catalog
from domain.events.models import ProductEvent
from domain.orders import services as orders
from graphql_api.subscriptions.cursors import encode_cursor
from realtime import bus
from realtime.bus import Stream
from realtime.poller import running
from realtime.registry import runtime
from tests.factories import make_product, make_user
from tests.support.graphql import contract_document
from tests.support.ids import global_id
from tests.support.websocket import LEGACY_WS, joining, overflow_a_stuck_subscriber

pytestmark = [pytest.mark.django_db(transaction=True)]

REALTIME = contract_document("realtime")


POLL_INTERVAL = 0.2  # seconds, in the tests of the log poller (it is off in the others)


async def _subscribe_to_product(socket, product, **variables) -> None:
    """Subscribe to `product`'s events (OnProductEvents) and wait until it listens."""
    async with joining(bus.product_group(product.pk)):
        await socket.subscribe(
            REALTIME,
            {"productIds": [global_id("Product", product.pk)], **variables},
            "OnProductEvents",
        )


class PollerLooks:
    """Counts the log poller's looks at the event log (it reads through the reader the
    composition root gave it), so that a test can wait for the next ones. Install before
    the first subscription starts the poller."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.looks = 0
        self._looked = asyncio.Condition()
        reader = runtime.log_reader
        assert reader is not None, "the composition root gives the poller its reader"

        async def counting(**kwargs):
            result = await reader(**kwargs)
            async with self._looked:
                self.looks += 1
                self._looked.notify_all()
            return result

        monkeypatch.setattr(runtime, "log_reader", counting)

    async def wait(self, looks: int = 1) -> None:
        """Until the poller has looked `looks` more times."""
        target = self.looks + looks
        async with self._looked:
            await asyncio.wait_for(self._looked.wait_for(lambda: self.looks >= target), 10)


async def _events(socket, count: int) -> list[dict]:
    return [(await socket.next_data())["data"] for _ in range(count)]


async def _adjust(staff, product, delta: int) -> None:
    await sync_to_async(catalog.stock_adjust)(actor=staff, product_id=product.pk, delta=delta)


async def test_resume_sends_exactly_the_missed_events_then_live_ones(open_ws):
    staff = await sync_to_async(make_user)(is_staff=True)
    product = await sync_to_async(make_product)(stock=100)
    variables = {"productIds": [global_id("Product", product.pk)], "types": ["STOCK_CHANGED"]}
    # given a subscriber that received 3 events
    socket = await open_ws()
    async with joining(bus.product_group(product.pk)):
        await socket.subscribe(REALTIME, variables, "OnProductEvents")
    for _ in range(3):
        await _adjust(staff, product, -1)
    received = [e["productEvents"] for e in await _events(socket, 3)]
    # the product is read fresh at delivery: the last one shows the state after all three
    assert received[-1]["product"]["stock"] == 97
    # when it disconnects, 5 more changes happen, and it resumes from its last cursor
    await socket.close()
    for _ in range(5):
        await _adjust(staff, product, -1)
    resumed = await open_ws()
    await resumed.subscribe(
        REALTIME, {**variables, "after": received[-1]["cursor"]}, "OnProductEvents"
    )
    missed = [e["productEvents"] for e in await _events(resumed, 5)]
    await _adjust(staff, product, -1)
    live = (await resumed.next_data())["data"]["productEvents"]
    # then: exactly the 5 it missed, in order, then the live one, none twice
    all_cursors = [e["cursor"] for e in received + missed + [live]]
    assert len(set(all_cursors)) == 9
    assert [e["type"] for e in missed] == ["STOCK_CHANGED"] * 5
    ids = [int(base64.urlsafe_b64decode(c).decode().split(":")[1]) for c in all_cursors]
    assert ids == sorted(ids)
    assert live["product"]["stock"] == 91
    # and the next message is the next change: nothing was sent twice in between
    await _adjust(staff, product, -1)
    following = (await resumed.next_data())["data"]["productEvents"]
    assert following["product"]["stock"] == 90
    assert following["cursor"] not in all_cursors


async def test_an_event_whose_live_message_is_lost_still_arrives(open_ws, settings, monkeypatch):
    settings.WS_LOG_POLL_INTERVAL = POLL_INTERVAL
    poller = PollerLooks(monkeypatch)
    staff = await sync_to_async(make_user)(is_staff=True)
    product = await sync_to_async(make_product)(stock=5)
    socket = await open_ws()
    await _subscribe_to_product(socket, product)
    # given a change whose message never reaches the channel layer
    sent: list[dict] = []
    monkeypatch.setattr(bus, "publish", lambda groups, event: sent.append(event))
    await _adjust(staff, product, 4)
    assert len(sent) == 1
    # then the subscriber still gets it, from the log, within the poll interval
    event = (await socket.next_data(timeout=5))["data"]["productEvents"]
    assert (event["type"], event["product"]["stock"]) == ("STOCK_CHANGED", 9)
    # once: after the poller looked again, the next message is the next change
    await poller.wait(2)
    await _adjust(staff, product, 1)
    assert len(sent) == 2
    following = (await socket.next_data(timeout=5))["data"]["productEvents"]
    assert following["product"]["stock"] == 10


async def test_a_lost_message_arrives_although_other_events_keep_coming(
    open_ws, settings, monkeypatch
):
    settings.WS_LOG_POLL_INTERVAL = POLL_INTERVAL
    poller = PollerLooks(monkeypatch)
    staff = await sync_to_async(make_user)(is_staff=True)
    product = await sync_to_async(make_product)(stock=5, price=Decimal("10.00"))
    socket = await open_ws()
    await _subscribe_to_product(socket, product, types=["PRICE_CHANGED"])
    # given a price change whose message is lost
    publish = bus.publish
    monkeypatch.setattr(bus, "publish", lambda groups, event: None)
    await sync_to_async(catalog.product_update)(
        actor=staff, product_id=product.pk, price=Decimal("12.00")
    )
    monkeypatch.setattr(bus, "publish", publish)
    # when stock changes (which this subscriber does not want) keep arriving, one between
    # each of the poller's looks
    for _ in range(4):
        await _adjust(staff, product, 1)
        await poller.wait()
    # then the price change arrives anyway
    event = (await socket.next_data(timeout=5))["data"]["productEvents"]
    assert (event["type"], event["product"]["price"]) == ("PRICE_CHANGED", "12.00")


async def test_many_lost_messages_wake_a_subscriber_once_and_do_not_close_it(
    open_ws, settings, monkeypatch
):
    settings.WS_LOG_POLL_INTERVAL = POLL_INTERVAL
    settings.WS_MAX_PENDING_EVENTS = 2
    poller = PollerLooks(monkeypatch)
    staff = await sync_to_async(make_user)(is_staff=True)
    product = await sync_to_async(make_product)(stock=5)
    socket = await open_ws()
    await _subscribe_to_product(socket, product)
    # given more changes than the subscriber may have waiting, all of their messages lost
    monkeypatch.setattr(bus, "publish", lambda groups, event: None)
    for _ in range(5):
        await _adjust(staff, product, 1)
    # then it gets every one, in order, and stays open
    stocks = [
        (await socket.next_data(timeout=5))["data"]["productEvents"]["product"]["stock"]
        for _ in range(5)
    ]
    assert stocks == [10] * 5  # each read fresh at delivery
    # and, after the poller looked again, the next message is the next change
    await poller.wait(2)
    await _adjust(staff, product, 1)
    following = (await socket.next_data(timeout=5))["data"]["productEvents"]
    assert following["product"]["stock"] == 11


async def test_one_log_poller_per_stream_serves_every_subscription_and_stops_with_them(
    open_ws, settings
):
    settings.WS_LOG_POLL_INTERVAL = POLL_INTERVAL
    products = [await sync_to_async(make_product)() for _ in range(5)]
    sockets = [await open_ws() for _ in products]
    for socket, product in zip(sockets, products, strict=True):
        async with joining(bus.product_group(product.pk)):
            await socket.subscribe(
                REALTIME, {"productIds": [global_id("Product", product.pk)]}, "OnProductEvents"
            )
    # the poller is joined just after the groups: wait for the last subscription to reach it
    deadline = time.monotonic() + 5
    while (poller := running(Stream.PRODUCT)) is None or poller.watchers < 5:
        assert time.monotonic() < deadline, "the subscriptions never all watched the poller"
        await asyncio.sleep(0.01)
    assert poller.watchers == 5
    for socket in sockets:
        await socket.close()
    deadline = time.monotonic() + 5
    while running(Stream.PRODUCT) is not None:
        assert time.monotonic() < deadline, "the poller outlived its subscriptions"
        await asyncio.sleep(0.01)
    assert poller.watchers == 0
    assert poller.task is not None
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(poller.task, 5)
    assert poller.task.cancelled()


async def test_a_rolled_back_change_leaves_no_event_and_publishes_nothing(open_ws):
    staff = await sync_to_async(make_user)(is_staff=True)
    product = await sync_to_async(make_product)(stock=5)
    socket = await open_ws()
    await _subscribe_to_product(socket, product)

    def fail_after_writing() -> None:
        with transaction.atomic():
            catalog.stock_adjust(actor=staff, product_id=product.pk, delta=3)
            raise RuntimeError("something later in the same transaction fails")

    with pytest.raises(RuntimeError):
        await sync_to_async(fail_after_writing)()
    assert await sync_to_async(ProductEvent.objects.count)() == 0
    # then the next message is the next committed change, made on the stock as it was
    await _adjust(staff, product, 1)
    event = (await socket.next_data())["data"]["productEvents"]
    assert (event["type"], event["product"]["stock"]) == ("STOCK_CHANGED", 6)
    assert await sync_to_async(ProductEvent.objects.count)() == 1


async def test_unpublished_products_events_reach_staff_only(open_ws):
    staff = await sync_to_async(make_user)(is_staff=True)
    customer = await sync_to_async(make_user)()
    draft = await sync_to_async(make_product)(is_published=False, stock=5)
    published = await sync_to_async(make_product)(stock=5)
    staff_socket = await open_ws(init={"authorization": f"Bearer {access_token_encode(staff)}"})
    customer_socket = await open_ws(
        init={"authorization": f"Bearer {access_token_encode(customer)}"}
    )
    for socket in (staff_socket, customer_socket):
        async with joining(bus.ALL_PRODUCTS_GROUP):
            await socket.subscribe(REALTIME, {}, "OnProductEvents")
    await _adjust(staff, draft, 1)
    event = (await staff_socket.next_data())["data"]["productEvents"]
    assert event["type"] == "STOCK_CHANGED" and event["product"]["isPublished"] is False
    # the customer's next message is the next published product's change, not the draft's
    await _adjust(staff, published, 1)
    seen = (await customer_socket.next_data())["data"]["productEvents"]
    assert seen["productId"] == global_id("Product", published.pk)


async def test_order_events_reach_their_owner_only(open_ws):
    alice = await sync_to_async(make_user)()
    bob = await sync_to_async(make_user)()
    product = await sync_to_async(make_product)(stock=5, price=Decimal("3.00"))
    sockets = {}
    for who in (alice, bob):
        sockets[who.pk] = await open_ws(
            init={"authorization": f"Bearer {access_token_encode(who)}"}
        )
        async with joining(bus.user_orders_group(who.pk)):
            await sockets[who.pk].subscribe(REALTIME, {}, "OnMyOrderUpdates")
    order = await sync_to_async(orders.order_place)(
        actor=alice, lines=[orders.OrderLineRequest(product.pk, 2)]
    )
    event = (await sockets[alice.pk].next_data())["data"]["myOrderUpdates"]
    assert event["type"] == "CREATED"
    assert event["order"] == {
        "id": global_id("Order", order.pk),
        "number": order.number,
        "status": "PENDING",
        "total": "6.00",
    }
    await sync_to_async(orders.order_cancel)(actor=alice, order_id=order.pk)
    cancelled = (await sockets[alice.pk].next_data())["data"]["myOrderUpdates"]
    assert (cancelled["type"], cancelled["order"]["status"]) == ("STATUS_CHANGED", "CANCELLED")
    # bob's first message is about his own order, not alice's
    his = await sync_to_async(orders.order_place)(
        actor=bob, lines=[orders.OrderLineRequest(product.pk, 1)]
    )
    event = (await sockets[bob.pk].next_data())["data"]["myOrderUpdates"]
    assert (event["type"], event["order"]["number"]) == ("CREATED", his.number)


async def test_anonymous_my_order_updates_is_unauthenticated(open_ws):
    socket = await open_ws()
    operation = await socket.subscribe(REALTIME, {}, "OnMyOrderUpdates")
    message = await socket.receive()
    assert message["id"] == operation
    assert message["type"] in ("error", "next")
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    ("cursor", "code"),
    [
        ("garbage!!", "INVALID_CURSOR"),
        (encode_cursor("order", 5, time.time()), "INVALID_CURSOR"),
        (encode_cursor("product", 5, time.time() - 8 * 24 * 3600), "CURSOR_EXPIRED"),
    ],
)
async def test_bad_resume_cursors_are_errors_with_a_code(open_ws, cursor, code):
    socket = await open_ws()
    await socket.subscribe(REALTIME, {"after": cursor}, "OnProductEvents")
    message = await socket.receive()
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert [e["extensions"]["code"] for e in errors] == [code]


async def test_the_twenty_first_subscription_is_refused_and_the_connection_stays(open_ws):
    socket = await open_ws()
    for _ in range(20):
        await socket.subscribe(REALTIME, {}, "OnProductEvents")
    refused = await socket.subscribe(REALTIME, {}, "OnProductEvents")
    message = await socket.receive()
    assert message == {
        "id": refused,
        "type": "error",
        "payload": [{"message": "Subscription limit reached"}],
    }
    await socket.communicator.send_json_to({"type": "ping"})
    assert await socket.receive() == {"type": "pong"}


async def test_an_invalid_token_closes_with_4403(open_ws):
    socket = await open_ws(acknowledge=False)
    await socket.communicator.send_json_to(
        {"type": "connection_init", "payload": {"authorization": "Bearer not-a-token"}}
    )
    assert await socket.communicator.receive_output(timeout=5) == {
        "type": "websocket.close",
        "code": 4403,
        "reason": "Forbidden",
    }


async def test_an_invalid_token_on_the_legacy_protocol_is_refused_then_closed_with_4403(open_ws):
    socket = await open_ws(protocol=LEGACY_WS, acknowledge=False)
    await socket.communicator.send_json_to(
        {"type": "connection_init", "payload": {"authorization": "Bearer not-a-token"}}
    )
    refusal = await socket.receive()
    assert refusal["type"] == "connection_error"
    assert refusal["payload"]["code"] == "UNAUTHENTICATED"
    assert await socket.communicator.receive_output(timeout=5) == {
        "type": "websocket.close",
        "code": 4403,
        "reason": "Forbidden",
    }


async def test_a_valid_token_on_the_legacy_protocol_signs_the_connection_in(open_ws):
    customer = await sync_to_async(make_user)()
    product = await sync_to_async(make_product)(stock=5)
    socket = await open_ws(protocol=LEGACY_WS, acknowledge=False)
    await socket.communicator.send_json_to(
        {
            "type": "connection_init",
            "payload": {"authorization": f"Bearer {access_token_encode(customer)}"},
        }
    )
    assert (await socket.receive())["type"] == "connection_ack"
    async with joining(bus.user_orders_group(customer.pk)):
        await socket.communicator.send_json_to(
            {
                "id": "1",
                "type": "start",
                "payload": {"query": REALTIME, "operationName": "OnMyOrderUpdates"},
            }
        )
    order = await sync_to_async(orders.order_place)(
        actor=customer, lines=[orders.OrderLineRequest(product.pk, 1)]
    )
    message = await socket.receive()
    assert message["type"] == "data", message
    assert message["payload"]["data"]["myOrderUpdates"]["order"]["number"] == order.number


async def test_subscribing_before_the_acknowledgement_closes_with_4401(open_ws):
    socket = await open_ws(acknowledge=False)
    await socket.subscribe(REALTIME, {}, "OnProductEvents")
    output = await socket.communicator.receive_output(timeout=5)
    assert (output["type"], output["code"]) == ("websocket.close", 4401)


async def test_a_second_connection_init_closes_with_4429(open_ws):
    socket = await open_ws()
    await socket.communicator.send_json_to({"type": "connection_init"})
    output = await socket.communicator.receive_output(timeout=5)
    assert (output["type"], output["code"]) == ("websocket.close", 4429)


async def test_a_reused_operation_id_closes_with_4409(open_ws):
    socket = await open_ws()
    payload = {"query": REALTIME, "operationName": "OnProductEvents"}
    for _ in range(2):
        await socket.communicator.send_json_to(
            {"id": "same", "type": "subscribe", "payload": payload}
        )
    output = await socket.communicator.receive_output(timeout=5)
    assert (output["type"], output["code"]) == ("websocket.close", 4409)


async def test_an_invalid_message_closes_with_4400(open_ws):
    socket = await open_ws()
    await socket.communicator.send_json_to({"type": "no-such-type"})
    output = await socket.communicator.receive_output(timeout=5)
    assert (output["type"], output["code"]) == ("websocket.close", 4400)


async def test_no_connection_init_in_time_closes_with_4408(open_ws, settings):
    settings.WS_CONNECTION_INIT_TIMEOUT = 1
    socket = await open_ws(acknowledge=False)
    output = await socket.communicator.receive_output(timeout=5)
    assert (output["type"], output["code"]) == ("websocket.close", 4408)


async def test_the_legacy_protocol_delivers_events_too(open_ws):
    staff = await sync_to_async(make_user)(is_staff=True)
    product = await sync_to_async(make_product)(stock=5)
    socket = await open_ws(protocol=LEGACY_WS, acknowledge=False)
    await socket.communicator.send_json_to({"type": "connection_init", "payload": {}})
    assert (await socket.receive())["type"] == "connection_ack"
    async with joining(bus.product_group(product.pk)):
        await socket.communicator.send_json_to(
            {
                "id": "1",
                "type": "start",
                "payload": {
                    "query": REALTIME,
                    "operationName": "OnProductEvents",
                    "variables": {"productIds": [global_id("Product", product.pk)]},
                },
            }
        )
    await _adjust(staff, product, 2)
    message = await socket.receive()
    assert message["type"] == "data"
    assert message["payload"]["data"]["productEvents"]["product"]["stock"] == 7


async def test_a_subscriber_that_falls_behind_is_closed_with_1013(open_ws, settings, monkeypatch):
    settings.WS_MAX_PENDING_EVENTS = 2
    product = await sync_to_async(make_product)(stock=100)
    socket = await open_ws()
    await _subscribe_to_product(socket, product)
    # Given a subscriber stuck on its first event (its database thread held), when more
    # events arrive than it may have waiting
    await overflow_a_stuck_subscriber(product, monkeypatch)
    # then it is closed with "try again later", and told to resume
    output = await socket.communicator.receive_output(timeout=5)
    assert (output["type"], output["code"]) == ("websocket.close", 1013)
    assert "resume" in output["reason"]


@pytest.mark.parametrize("authorization", [5, ["Bearer x"], "Basic abc"])
async def test_a_malformed_authorization_closes_with_4403(open_ws, authorization):
    socket = await open_ws(acknowledge=False)
    await socket.communicator.send_json_to(
        {"type": "connection_init", "payload": {"authorization": authorization}}
    )
    output = await socket.communicator.receive_output(timeout=5)
    assert (output["type"], output["code"]) == ("websocket.close", 4403)


async def test_an_empty_authorization_means_anonymous(open_ws):
    socket = await open_ws(init={"authorization": ""})
    await socket.subscribe(REALTIME, {}, "OnMyOrderUpdates")
    message = await socket.receive()
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["UNAUTHENTICATED"]


async def test_page_limits_apply_inside_subscriptions(open_ws):
    socket = await open_ws()
    await socket.subscribe("subscription { productEvents { product { reviews { totalCount } } } }")
    message = await socket.receive()
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]


async def test_moving_a_product_out_of_a_category_reaches_that_categorys_subscribers(open_ws):
    from tests.factories import make_category

    staff = await sync_to_async(make_user)(is_staff=True)
    old, new = await sync_to_async(make_category)(), await sync_to_async(make_category)()
    product = await sync_to_async(make_product)(category=old)
    socket = await open_ws()
    async with joining(bus.category_group(old.pk)):
        await socket.subscribe(
            REALTIME, {"categoryIds": [global_id("Category", old.pk)]}, "OnProductEvents"
        )
    await sync_to_async(catalog.product_update)(
        actor=staff, product_id=product.pk, category_id=new.pk
    )
    event = (await socket.next_data())["data"]["productEvents"]
    assert (event["type"], event["productId"]) == ("UPDATED", global_id("Product", product.pk))


async def test_a_query_over_the_legacy_protocol_is_a_bad_request_not_an_internal_error(
    open_ws, caplog
):
    # given a legacy graphql-ws connection (it carries subscriptions only)
    socket = await open_ws(protocol=LEGACY_WS, acknowledge=False)
    await socket.communicator.send_json_to({"type": "connection_init", "payload": {}})
    assert (await socket.receive())["type"] == "connection_ack"
    # when a client starts a query on it
    await socket.communicator.send_json_to(
        {"id": "1", "type": "start", "payload": {"query": "{ __typename }"}}
    )
    # then it is told why, with a code, and nothing is logged as an incident
    message = await socket.receive()
    assert message == {
        "type": "error",
        "id": "1",
        "payload": {"message": "queries are not allowed", "extensions": {"code": "BAD_REQUEST"}},
    }
    assert not [r for r in caplog.records if r.name == "graphql_api.common.errors"]


async def test_a_subscription_completed_while_it_starts_sends_nothing_more(open_ws):
    # given two subscriptions to one product, the first completed at once (while it reads
    # its starting position in the database thread)
    staff = await sync_to_async(make_user)(is_staff=True)
    product = await sync_to_async(make_product)(stock=5)
    socket = await open_ws()
    variables = {"productIds": [global_id("Product", product.pk)]}
    group = bus.product_group(product.pk)
    first = await socket.subscribe(REALTIME, variables, "OnProductEvents")
    second = await socket.subscribe(REALTIME, variables, "OnProductEvents")
    await socket.communicator.send_json_to({"id": first, "type": "complete"})
    deadline = time.monotonic() + 10
    while [each.started for each in runtime.listeners_of(group)] != [True]:
        assert time.monotonic() < deadline, "not one subscription listening, and started"
        await asyncio.sleep(0.01)
    # when the product changes
    await _adjust(staff, product, 1)
    # then only the live subscription hears of it
    message = await socket.receive()
    assert (message["id"], message["type"]) == (second, "next")
    # and the next message is the live one's again, for the next change
    await _adjust(staff, product, 1)
    message = await socket.receive()
    assert (message["id"], message["type"]) == (second, "next")
    assert message["payload"]["data"]["productEvents"]["product"]["stock"] == 7
