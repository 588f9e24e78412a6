"""WebSocket clients for tests: Channels' in-process communicator speaking
graphql-transport-ws. Its fixtures (`open_ws`, `ws_application`, and the autouse
`_fresh_realtime_runtime`) are registered for the whole suite by tests/conftest.py."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from realtime import bus
from realtime.registry import runtime

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
_ids = itertools.count(1)


def _started_listeners(group: str) -> int:
    return sum(1 for listener in runtime.listeners_of(group) if listener.started)


@contextlib.asynccontextmanager
async def joining(group: str, timeout: float = 10) -> AsyncIterator[None]:
    """Wait, after the block, until one more subscription of this process listens to
    `group` and has taken its starting position: every change committed from then on
    reaches it (replayed or live), however long it took to start."""
    before = _started_listeners(group)
    yield
    deadline = time.monotonic() + timeout
    while _started_listeners(group) <= before:
        assert time.monotonic() < deadline, f"no subscription started on {group}"
        await asyncio.sleep(0.01)


class GraphQLWebSocket:
    """A graphql-transport-ws client over Channels' communicator."""

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator

    async def init(self, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        await self.communicator.send_json_to({"type": "connection_init", "payload": payload or {}})
        return await self.communicator.receive_json_from(timeout=5)

    async def subscribe(
        self, query: str, variables: dict[str, Any] | None = None, operation_name: str | None = None
    ) -> str:
        operation_id = str(next(_ids))
        payload: dict[str, Any] = {"query": query, "variables": variables or {}}
        if operation_name:
            payload["operationName"] = operation_name
        await self.communicator.send_json_to(
            {"id": operation_id, "type": "subscribe", "payload": payload}
        )
        return operation_id

    async def receive(self, timeout: float = 5) -> dict[str, Any]:
        return await self.communicator.receive_json_from(timeout=timeout)

    async def next_data(self, timeout: float = 5) -> dict[str, Any]:
        message = await self.receive(timeout)
        assert message["type"] == "next", message
        return message["payload"]

    async def close(self) -> None:
        await self.communicator.disconnect()


@pytest.fixture(autouse=True)
def _fresh_realtime_runtime() -> Iterator[None]:
    """realtime's process-wide state starts empty in every test (each runs in its own
    event loop; what a failed test left behind must not reach the next)."""
    runtime.reset()
    yield
    runtime.reset()


@pytest.fixture
def ws_application():
    from project.asgi import application

    return application


@pytest.fixture
async def open_ws(ws_application):
    opened: list[GraphQLWebSocket] = []

    async def open_(
        protocol: str = TRANSPORT_WS,
        headers: list | None = None,
        init: dict[str, Any] | None = None,
        acknowledge: bool = True,
    ):
        communicator = WebsocketCommunicator(
            ws_application, "/graphql/", subprotocols=[protocol], headers=headers or []
        )
        connected, _ = await communicator.connect(timeout=5)
        assert connected
        socket = GraphQLWebSocket(communicator)
        opened.append(socket)
        if acknowledge:
            ack = await socket.init(init)
            assert ack["type"] == "connection_ack", ack
        return socket

    yield open_
    for socket in opened:
        with contextlib.suppress(Exception):  # already closed by the server
            await asyncio.wait_for(socket.close(), timeout=2)


async def overflow_a_stuck_subscriber(product: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hold the thread for database work (where a subscriber reads the log, so it is stuck
    on its first event) while more events of `product` are published than a subscriber may
    have waiting, until its listener has taken more than that off the layer (it is behind);
    then let the thread go."""
    heard = 0
    behind = asyncio.Event()
    offer = bus.Listener.offer

    def counting_offer(listener: bus.Listener, event: dict) -> None:
        nonlocal heard
        heard += 1
        offer(listener, event)
        if heard > settings.WS_MAX_PENDING_EVENTS + 1:
            behind.set()

    monkeypatch.setattr(bus.Listener, "offer", counting_offer)
    gate, busy = threading.Event(), threading.Event()

    def hold_database_thread() -> None:
        busy.set()
        gate.wait(timeout=10)

    holder = asyncio.ensure_future(sync_to_async(hold_database_thread)())
    await asyncio.to_thread(busy.wait, 5)
    try:
        for n in range(settings.WS_MAX_PENDING_EVENTS + 3):
            await bus.apublish(
                [bus.product_group(product.pk)],
                {
                    "stream": "product",
                    "id": 10_000 + n,
                    "type": "product.stock_changed",
                    "product_id": product.pk,
                    "category_id": product.category_id,
                    "public": True,
                    "changed_fields": ["stock"],
                    "occurred_at": "2026-01-01T00:00:00+00:00",
                },
            )
        await asyncio.wait_for(behind.wait(), timeout=5)
    finally:
        gate.set()
        await holder
