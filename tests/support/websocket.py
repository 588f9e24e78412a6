"""WebSocket clients for tests: Channels' in-process communicator speaking
graphql-transport-ws. Its fixtures (`open_ws`, `ws_application`) are registered for the
whole suite by tests/conftest.py."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.testing import WebsocketCommunicator

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
_ids = itertools.count(1)


async def group_size(group: str) -> int:
    """How many channels have joined `group` on this process's channel layer."""
    layer = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        return len(layer.groups.get(group, {}))
    connection = layer.connection(layer.consistent_hash(group))
    return await connection.zcard(layer._group_key(group))


@contextlib.asynccontextmanager
async def joining(group: str, timeout: float = 10) -> AsyncIterator[None]:
    """Wait, after the block, until one more subscription has joined `group`.

    A subscription joins its groups, then at once asks the thread for database work for
    its starting position; a change made through that thread after the caller's next
    pause (`nothing_within`) is queued behind that read, so the subscription sees it as
    live, however long the subscription took to start."""
    before = await group_size(group)
    yield
    deadline = time.monotonic() + timeout
    while await group_size(group) <= before:
        assert time.monotonic() < deadline, f"no subscription joined {group}"
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

    async def nothing_within(self, seconds: float) -> bool:
        return await self.communicator.receive_nothing(timeout=seconds)

    async def close(self) -> None:
        await self.communicator.disconnect()


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
