"""Real daphne processes, a real WebSocket GraphQL client (gql), real PostgreSQL and
Redis: subscribe, change something over HTTP, receive the event."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport

from domain.accounts.models import User
from domain.accounts.tokens import access_token_encode
from domain.events.models import ProductEvent
from tests.factories import make_product, make_user
from tests.support.daphne import (
    daphne_env_on_test_services,
    free_port,
    manage,
    post_graphql,
    running_daphne,
)
from tests.support.graphql import STOCK_ADJUST, contract_document
from tests.support.ids import global_id
from tests.support.metrics import listening as listening_on

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

REALTIME = contract_document("realtime")
SUBSCRIBE = gql(REALTIME)
PASSWORD = "a-long-pass-phrase-9"


def _token(base_url: str, email: str) -> str:
    return access_token_encode(User.objects.get(email=email))


async def _until_listening(base_url: str, before: int) -> None:
    """Until the server at `base_url` has one more subscription listening than `before`:
    after that, it reads its starting position before any later mutation reaches the
    database."""
    deadline = time.monotonic() + 20
    while await asyncio.to_thread(listening_on, base_url) <= before:
        assert time.monotonic() < deadline, f"no subscription listens on {base_url}"
        await asyncio.sleep(0.02)


async def _first_events(
    ws_url: str,
    variables: dict,
    count: int,
    trigger,
    *,
    subprotocol: str,
    listening: str | None = None,
) -> list[dict[str, Any]]:
    """The first `count` events of a subscription; `trigger` runs once the subscription
    listens on the server whose base URL is `listening`."""
    transport = WebsocketsTransport(url=ws_url, subprotocols=[subprotocol])
    events: list[dict[str, Any]] = []
    listeners_before = await asyncio.to_thread(listening_on, listening) if listening else 0
    async with Client(transport=transport) as session:

        async def collect() -> None:
            async for result in session.subscribe(
                SUBSCRIBE, variable_values=variables, operation_name="OnProductEvents"
            ):
                events.append(result["productEvents"])
                if len(events) == count:
                    return

        task = asyncio.create_task(collect())
        if listening:
            await _until_listening(listening, listeners_before)
        await asyncio.to_thread(trigger)
        await asyncio.wait_for(task, timeout=20)
    return events


@pytest.fixture
def catalog():
    make_user(email="staff@example.com", password=PASSWORD, is_staff=True)
    return make_product(stock=10)


@pytest.mark.parametrize(
    "subprotocol",
    [WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL, WebsocketsTransport.APOLLO_SUBPROTOCOL],
)
def test_subscribe_then_mutate_over_http_delivers_the_event(catalog, subprotocol):
    with running_daphne(daphne_env_on_test_services()) as base_url:
        token = _token(base_url, "staff@example.com")
        ws_url = base_url.replace("http://", "ws://") + "/graphql/"
        variables = {"productIds": [global_id("Product", catalog.pk)], "types": ["STOCK_CHANGED"]}
        events = asyncio.run(
            _first_events(
                ws_url,
                variables,
                1,
                lambda: post_graphql(
                    base_url, STOCK_ADJUST, {"id": global_id("Product", catalog.pk), "d": 4}, token
                ),
                subprotocol=subprotocol,
                listening=base_url,
            )
        )
    assert events[0]["type"] == "STOCK_CHANGED"
    assert events[0]["product"]["stock"] == 14


def test_an_event_crosses_from_one_daphne_process_to_another(catalog):
    env = daphne_env_on_test_services()
    with running_daphne(env) as first, running_daphne(env) as second:
        token = _token(second, "staff@example.com")
        ws_url = first.replace("http://", "ws://") + "/graphql/"
        events = asyncio.run(
            _first_events(
                ws_url,
                {"productIds": [global_id("Product", catalog.pk)]},
                1,
                lambda: post_graphql(
                    second, STOCK_ADJUST, {"id": global_id("Product", catalog.pk), "d": -3}, token
                ),
                subprotocol=WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL,
                listening=first,
            )
        )
    assert [(e["type"], e["product"]["stock"]) for e in events] == [("STOCK_CHANGED", 7)]


@contextmanager
def private_redis(port: int) -> Iterator[subprocess.Popen]:
    process = subprocess.Popen(
        [
            shutil.which("redis-server"),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs the redis-server binary")
def test_redis_down_during_a_mutation_then_the_relay_and_a_resume_deliver(catalog):
    port = free_port()
    redis_url = f"redis://127.0.0.1:{port}/0"
    env = daphne_env_on_test_services(REDIS_URL=redis_url)
    product_id = global_id("Product", catalog.pk)
    with ExitStack() as stack:
        redis = stack.enter_context(private_redis(port))
        base_url = stack.enter_context(running_daphne(env))
        token = _token(base_url, "staff@example.com")
        ws_url = base_url.replace("http://", "ws://") + "/graphql/"
        # a subscriber receives a first event and keeps its cursor
        first = asyncio.run(
            _first_events(
                ws_url,
                {"productIds": [product_id]},
                1,
                lambda: post_graphql(base_url, STOCK_ADJUST, {"id": product_id, "d": 1}, token),
                subprotocol=WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL,
                listening=base_url,
            )
        )[0]
        # when Redis stops and a change is made
        redis.terminate()
        redis.wait(timeout=10)
        changed = post_graphql(base_url, STOCK_ADJUST, {"id": product_id, "d": 5}, token)
        # then the mutation still succeeds, and its event waits unpublished
        assert changed["data"]["stockAdjust"] == {"product": {"stock": 16}, "errors": []}
        assert ProductEvent.objects.filter(published_at__isnull=True).count() == 1
        # when Redis is back and the relay runs
        stack.enter_context(private_redis(port))
        relayed = manage("relay_events", env=env)
        assert relayed.returncode == 0, relayed.stderr
        assert "published 1 event(s)" in relayed.stdout
        assert not ProductEvent.objects.filter(published_at__isnull=True).exists()
        # then a subscriber resuming from its cursor gets the event it missed
        resumed = asyncio.run(
            _first_events(
                ws_url,
                {"productIds": [product_id], "after": first["cursor"]},
                1,
                lambda: None,
                subprotocol=WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL,
            )
        )
    assert resumed[0]["type"] == "STOCK_CHANGED"
    assert resumed[0]["product"]["stock"] == 16
