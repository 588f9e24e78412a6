"""A client that stops reading, over a real daphne: once the bytes waiting for it pass
WS_MAX_UNSENT_BYTES it is closed with 1013 (and dropped if it still does not read), while a
client that reads keeps its connection; the paused one resumes by cursor, missing nothing."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from domain.catalog.services.products import stock_adjust
from domain.events.models import ProductEvent, ProductEventType
from graphql_api.subscriptions.cursors import encode_cursor
from tests.factories import make_product, make_staff
from tests.support.closing_app import REASON as CLOSING_APP_REASON
from tests.support.daphne import daphne_env_on_test_services, running_daphne
from tests.support.ids import global_id
from tests.support.metrics import listening, moved, scrape_url
from tests.support.raw_websocket import RawWebSocket

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

# Each event carries the product's long description: the kernel buffers between daphne and a
# paused client (the server's grows to about 2 MB) fill after about a hundred events, then
# WS_MAX_UNSENT_BYTES (its default, 256 KiB, far above one event: a client that reads never
# comes near it) a dozen more.
SUBSCRIPTION = """
subscription ($productIds: [ID!], $after: String) {
  productEvents(productIds: $productIds, types: [STOCK_CHANGED], after: $after) {
    cursor
    product { description }
  }
}
"""
DESCRIPTION = "A long description. " * 1000  # 20 kB
TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
TINY_RECEIVE_BUFFER = 4096  # the paused client's SO_RCVBUF, so its kernel buffers fill soon
MAX_EVENTS = 600  # published at most, waiting for the paused reader to be closed


def _until(condition: Callable[[], bool], what: str, deadline: float = 30.0) -> None:
    """Poll `condition` (a look at the server's metrics) until it holds; the deadline only
    ends a hang."""
    give_up = time.monotonic() + deadline
    while not condition():
        assert time.monotonic() < give_up, f"never: {what}"
        time.sleep(0.02)


class Subscriber:
    """`productEvents` of one product over either protocol, on a `RawWebSocket`."""

    def __init__(
        self,
        base_url: str,
        protocol: str,
        product_gid: str,
        *,
        after: str | None = None,
        receive_buffer: int | None = None,
    ) -> None:
        self.protocol = protocol
        self.socket = RawWebSocket(
            base_url.replace("http://", "ws://") + "/graphql/",
            protocol,
            receive_buffer=receive_buffer,
        )
        self.socket.send_json({"type": "connection_init", "payload": {}})
        assert self._message()["type"] == "connection_ack"
        self.socket.send_json(
            {
                "id": "1",
                "type": "subscribe" if protocol == TRANSPORT_WS else "start",
                "payload": {
                    "query": SUBSCRIPTION,
                    "variables": {"productIds": [product_gid], "after": after},
                },
            }
        )

    def _message(self) -> dict[str, Any] | None:
        while True:
            message = self.socket.receive_json()
            if message is None or message["type"] != "ka":  # the legacy keep-alive
                return message

    def next_event(self) -> dict[str, Any] | None:
        """The next event's payload, or None once the connection has ended."""
        message = self._message()
        if message is None:
            return None
        assert message["type"] in {"next", "data"}, message
        return message["payload"]["data"]["productEvents"]

    def cursor_of_next_event(self) -> str:
        event = self.next_event()
        assert event is not None, ("closed", self.socket.close_code, self.socket.reset)
        return event["cursor"]

    def all_events(self) -> list[dict[str, Any]]:
        """Every event until the connection ends."""
        events = []
        while (event := self.next_event()) is not None:
            events.append(event)
        return events


def _cursors_in_log(product: Any) -> list[str]:
    """Every STOCK_CHANGED event of `product` in the log, as the cursors clients get."""
    return [
        encode_cursor("product", event.pk, event.occurred_at.timestamp())
        for event in ProductEvent.objects.filter(
            product_id=product.pk, type=ProductEventType.STOCK_CHANGED
        ).order_by("id")
    ]


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
def test_a_paused_reader_is_closed_with_1013_and_resumes_by_cursor_missing_nothing(protocol):
    # given a paused reader and a reader that reads, on one product's events
    staff = make_staff()
    product = make_product(stock=0, description=DESCRIPTION)
    env = daphne_env_on_test_services(
        WS_SLOW_CLIENT_CLOSE_TIMEOUT="120"
    )  # time enough to read the close
    # (both start after a first event: from a cursor, a subscription's start is exact)
    stock_adjust(actor=staff, product_id=product.pk, delta=1)
    start, *_ = _cursors_in_log(product)
    with running_daphne(env) as base_url:
        paused = Subscriber(
            base_url,
            protocol,
            global_id("Product", product.pk),
            after=start,
            receive_buffer=TINY_RECEIVE_BUFFER,
        )
        reading = Subscriber(base_url, protocol, global_id("Product", product.pk), after=start)
        _until(lambda: listening(base_url) == 2, "both subscriptions listen")
        # when events keep coming, the reading client taking each one, until the server
        # lets go of the paused one
        received_by_reader = []
        for _ in range(MAX_EVENTS):
            stock_adjust(actor=staff, product_id=product.pk, delta=1)
            received_by_reader.append(reading.cursor_of_next_event())
            if listening(base_url) == 1:
                break
        else:
            pytest.fail(f"the paused reader was still subscribed after {MAX_EVENTS} events")
        # then the reading client keeps its connection and its subscription
        stock_adjust(actor=staff, product_id=product.pk, delta=1)
        received_by_reader.append(reading.cursor_of_next_event())
        assert [start, *received_by_reader] == _cursors_in_log(product)
        assert listening(base_url) == 1
        # and the paused one, reading again, finds events in order, then a 1013 close
        before_close = [event["cursor"] for event in paused.all_events()]
        assert paused.socket.close_code == 1013
        log = _cursors_in_log(product)[1:]  # after `start`
        assert before_close == log[: len(before_close)]
        assert 0 < len(before_close) < len(log)
        # when it resumes from the last cursor it received
        resumed = Subscriber(
            base_url, protocol, global_id("Product", product.pk), after=before_close[-1]
        )
        missed = [resumed.cursor_of_next_event() for _ in range(len(log) - len(before_close))]
        reading.socket.close()
        resumed.socket.close()
    # then it has every event, in order, none twice
    assert before_close + missed == log


def test_a_reader_that_never_reads_again_is_dropped_after_the_close():
    # given a paused reader, with no time after the close to read it
    staff = make_staff()
    product = make_product(stock=0, description=DESCRIPTION)
    env = daphne_env_on_test_services(WS_SLOW_CLIENT_CLOSE_TIMEOUT="0")
    with running_daphne(env) as base_url:
        before = scrape_url(base_url)
        paused = Subscriber(
            base_url,
            TRANSPORT_WS,
            global_id("Product", product.pk),
            receive_buffer=TINY_RECEIVE_BUFFER,
        )
        _until(lambda: listening(base_url) == 1, "the subscription listens")
        # when events keep coming until the server lets go of it
        for _ in range(MAX_EVENTS):
            stock_adjust(actor=staff, product_id=product.pk, delta=1)
            if listening(base_url) == 0:
                break
        else:
            pytest.fail(f"the paused reader was still subscribed after {MAX_EVENTS} events")
        # then its TCP connection is gone: reading again ends in a reset, not a close frame
        paused.all_events()
        # and the process counted one slow consumer closed for its unsent bytes
        after = scrape_url(base_url)
    assert (paused.socket.reset, paused.socket.close_code) == (True, None)
    closes = "realtime_slow_consumer_closes_total"
    assert moved(before, after, closes, code="1013", cause="unsent_bytes") == 1
    assert moved(before, after, closes, code="1013", cause="pending_events") == 0


def test_an_application_close_with_1013_reaches_the_client_with_its_code_and_reason():
    # given an application that closes each connection at once with 1013 (as a
    # subscription that fell behind its queue does), behind daphne
    with running_daphne(
        daphne_env_on_test_services(), application="tests.support.closing_app:application"
    ) as (base_url):
        # when a client connects
        client = RawWebSocket(base_url.replace("http://", "ws://") + "/graphql/", TRANSPORT_WS)
        # then it gets that close, not autobahn's refusal of the code (1011)
        assert client.receive_json() is None
    assert (client.close_code, client.protocol.close_rcvd.reason) == (1013, CLOSING_APP_REASON)
