"""Draining a process (realtime/draining.py), in process: what `drain` closes and waits for,
and the GraphQL consumer's sockets, on both protocols, closed with 1001. The daphne side
(SIGTERM, refused connections, the exit) is tests/realtime/test_graceful_restart.py."""

from __future__ import annotations

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async

from graphql_api.websocket import consumer
from realtime.draining import GOING_AWAY_CLOSE_CODE, GOING_AWAY_REASON, Draining
from tests.factories import make_product
from tests.support.graphql import contract_document
from tests.support.ids import global_id
from tests.support.websocket import LEGACY_WS, TRANSPORT_WS

REALTIME = contract_document("realtime")


class FakeSocket:
    """A socket that forgets itself `after` seconds after being closed (as a consumer does
    once the client answers the close)."""

    def __init__(self, draining: Draining, after: float = 0.0, fails: bool = False) -> None:
        self.draining = draining
        self.after = after
        self.fails = fails
        self.closed_with: tuple[int, str] | None = None

    async def close(self, code: int, reason: str) -> None:
        if self.fails:
            raise RuntimeError("the transport is gone")
        self.closed_with = (code, reason)
        asyncio.get_running_loop().call_later(self.after, self.draining.forget_socket, self)


async def test_drain_closes_every_socket_with_1001_and_ends_when_they_are_gone():
    # given
    draining = Draining()
    sockets = [FakeSocket(draining, after=0.1 * n) for n in range(3)]
    for socket in sockets:
        await draining.track_socket(socket, socket.close)
    # when
    drained = await draining.drain(grace=5)
    # then
    assert drained is True
    assert [s.closed_with for s in sockets] == [(GOING_AWAY_CLOSE_CODE, GOING_AWAY_REASON)] * 3
    assert draining.active and draining.open_sockets == 0


async def test_a_socket_that_fails_to_close_does_not_keep_the_others_open():
    draining = Draining()
    broken, fine = FakeSocket(draining, fails=True), FakeSocket(draining)
    await draining.track_socket(broken, broken.close)
    await draining.track_socket(fine, fine.close)
    drained = await draining.drain(grace=0.5)
    assert fine.closed_with == (GOING_AWAY_CLOSE_CODE, GOING_AWAY_REASON)
    assert drained is False  # the broken one never went away
    assert draining.open_sockets == 1


async def test_a_socket_opening_while_the_process_drains_is_closed_at_once():
    draining = Draining()
    await draining.drain(grace=0)
    late = FakeSocket(draining)
    await draining.track_socket(late, late.close)
    assert late.closed_with == (GOING_AWAY_CLOSE_CODE, GOING_AWAY_REASON)


def _http_application(answer_after: asyncio.Event | None):
    async def application(scope, receive, send):
        if answer_after is not None:
            await answer_after.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})

    return application


async def test_drain_waits_for_the_requests_in_flight_to_answer():
    # given a request in flight
    draining = Draining()
    release = asyncio.Event()
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    application = draining.count_requests(_http_application(release))
    request = asyncio.create_task(application({"type": "http"}, None, send))
    await asyncio.sleep(0)
    assert draining.requests_in_flight == 1
    # when the process drains, and the request answers a moment later
    drain = asyncio.create_task(draining.drain(grace=5))
    await asyncio.sleep(0.2)
    assert not drain.done()
    release.set()
    # then the drain ends once it has answered
    assert await asyncio.wait_for(drain, timeout=2) is True
    await request
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert draining.requests_in_flight == 0


async def test_drain_gives_up_at_the_end_of_the_grace_period():
    draining = Draining()
    never = asyncio.Event()
    application = draining.count_requests(_http_application(never))
    request = asyncio.create_task(application({"type": "http"}, None, None))
    await asyncio.sleep(0)
    started = time.monotonic()
    drained = await draining.drain(grace=0.3)
    took = time.monotonic() - started
    assert drained is False
    assert 0.3 <= took < 1.0
    request.cancel()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_a_subscriber_is_closed_with_1001_when_the_process_drains(
    open_ws, monkeypatch, protocol
):
    # given a live subscription, on either protocol
    draining = Draining()
    monkeypatch.setattr(consumer, "process_draining", draining)
    product = await sync_to_async(make_product)()
    socket = await open_ws(protocol=protocol)
    start = "subscribe" if protocol == TRANSPORT_WS else "start"
    await socket.communicator.send_json_to(
        {
            "id": "1",
            "type": start,
            "payload": {
                "query": REALTIME,
                "operationName": "OnProductEvents",
                "variables": {"productIds": [global_id("Product", product.pk)]},
            },
        }
    )
    assert draining.open_sockets == 1
    # when the process drains
    drain = asyncio.create_task(draining.drain(grace=5))
    # then the client is told the server is going away, and the drain ends when it has gone
    assert await socket.communicator.receive_output(timeout=5) == {
        "type": "websocket.close",
        "code": 1001,
        "reason": GOING_AWAY_REASON,
    }
    await socket.communicator.disconnect()
    assert await asyncio.wait_for(drain, timeout=5) is True
    assert draining.open_sockets == 0
