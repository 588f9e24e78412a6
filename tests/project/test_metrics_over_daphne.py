"""/metrics of a real daphne process, scraped over HTTP while a client subscribes and
queries: the process's sockets and subscriptions, the events it delivered with their
commit-to-send latency, and its HTTP requests (on the test's PostgreSQL and Redis)."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from domain.catalog.services.products import stock_adjust
from domain.events.models import ProductEvent
from graphql_api.subscriptions.cursors import encode_cursor
from tests.factories import make_product, make_staff
from tests.support.daphne import daphne_env_on_test_services, running_daphne
from tests.support.graphql import contract_document
from tests.support.ids import global_id
from tests.support.metrics import TOKEN, Scrape, listening, moved, scrape_url
from tests.support.raw_websocket import RawWebSocket

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

REALTIME = contract_document("realtime")
STOREFRONT = contract_document("storefront")
REQUESTS = "graphql_http_requests_total"


def _post(base_url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{base_url}/graphql/",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.loads(response.read())


def _eventually(base_url: str, check: Callable[[Scrape], bool], what: str) -> Scrape:
    deadline = time.monotonic() + 20
    while not check(current := scrape_url(base_url)):
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.05)
    return current


def test_a_daphne_process_shows_its_subscriber_deliveries_and_requests():
    # given a daphne process with a metrics token, and a product
    staff = make_staff()
    product = make_product(stock=1)
    stock_adjust(actor=staff, product_id=product.pk, delta=1)
    first = ProductEvent.objects.filter(product_id=product.pk).latest("id")
    start = encode_cursor("product", first.pk, first.occurred_at.timestamp())
    env = daphne_env_on_test_services(METRICS_TOKEN=TOKEN)
    with running_daphne(env) as base_url:
        before = scrape_url(base_url)
        # when a client subscribes to the product's events
        client = RawWebSocket(
            base_url.replace("http://", "ws://") + "/graphql/", "graphql-transport-ws"
        )
        client.send_json({"type": "connection_init", "payload": {}})
        assert client.receive_json() == {"type": "connection_ack"}
        client.send_json(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {
                    "query": REALTIME,
                    "operationName": "OnProductEvents",
                    # from a cursor, the start is exact: the next change reaches it
                    "variables": {"productIds": [global_id("Product", product.pk)], "after": start},
                },
            }
        )
        subscribed = _eventually(
            base_url,
            lambda now: (
                moved(before, now, "graphql_active_subscriptions", operation="OnProductEvents") == 1
            ),
            "the subscription is counted",
        )
        # then the process counts its socket and its subscription
        assert moved(before, subscribed, "realtime_open_websocket_connections") == 1
        deadline = time.monotonic() + 20
        while listening(base_url) < 1:  # it listens: the next change reaches it
            assert time.monotonic() < deadline, "the subscription never listened"
            time.sleep(0.02)
        # when its stock changes, and the client gets the event
        stock_adjust(actor=staff, product_id=product.pk, delta=1)
        message = client.receive_json()
        assert message["type"] == "next", message
        # then the delivery is counted and timed (after a resume: one replay, nothing missed)
        delivered = _eventually(
            base_url,
            lambda now: (
                moved(before, now, "realtime_events_delivered_total", stream="product", path="live")
                == 1
            ),
            "the delivery is counted",
        )
        assert (
            moved(before, delivered, "realtime_commit_to_send_seconds_count", stream="product") == 1
        )
        # when a contract query is asked over HTTP
        answer = _post(base_url, {"query": STOREFRONT, "operationName": "CategoryTree"})
        assert "errors" not in answer
        # then it is counted under its name
        queried = scrape_url(base_url)
        assert moved(before, queried, REQUESTS, operation="CategoryTree", outcome="ok") == 1
        assert (
            moved(
                before,
                queried,
                "graphql_http_request_duration_seconds_count",
                operation="CategoryTree",
            )
            == 1
        )
        # and when the client goes away
        client.close()
        after = _eventually(
            base_url,
            lambda now: moved(before, now, "realtime_open_websocket_connections") == 0,
            "the socket is counted out",
        )
    assert moved(before, after, "graphql_active_subscriptions", operation="OnProductEvents") == 0
