"""The bus: a Listener's floor, its bound and its failure; listening and waking locally."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from realtime import bus
from realtime.errors import SlowConsumer, TransportLost
from realtime.registry import runtime


def _event(event_id: int, **fields) -> dict:
    return {"stream": bus.Stream.PRODUCT, "id": event_id, **fields}


def _group() -> str:
    return f"test.{uuid.uuid4().hex}"


@pytest.fixture(autouse=True)
def _layer(in_memory_layer) -> None:
    """Every test here runs on the in-memory layer."""


async def test_a_listener_hands_on_events_in_arrival_order_with_when_it_heard_them():
    listener = bus.Listener(max_pending=5)
    for event_id in (3, 1, 2):
        listener.offer(_event(event_id))
    heard = [await listener.next() for _ in range(3)]
    assert [event["id"] for event, _ in heard] == [3, 1, 2]
    assert all(isinstance(at, float) for _, at in heard)


async def test_a_listener_drops_what_its_owner_has_seen():
    # given a listener whose owner started at 3, then read the log up to 5
    listener = bus.Listener(max_pending=5)
    listener.start_at(3)
    listener.advance_to(5)
    # when events at and below 5 arrive, then one above
    for event_id in (2, 3, 5, 6):
        listener.offer(_event(event_id))
    # then only the one above is handed on
    event, _ = await listener.next()
    assert event["id"] == 6
    assert listener.floor == 5


async def test_a_listeners_floor_never_goes_down():
    listener = bus.Listener(max_pending=5)
    assert (listener.floor, listener.started) == (0, False)
    listener.start_at(7)
    listener.advance_to(4)
    assert (listener.floor, listener.started) == (7, True)


async def test_a_listener_with_more_waiting_than_its_bound_raises_slow_consumer():
    listener = bus.Listener(max_pending=2)
    for event_id in (1, 2, 3):
        listener.offer(_event(event_id))
    with pytest.raises(SlowConsumer):
        await listener.next()


async def test_a_listener_waiting_when_its_bound_is_passed_is_woken_with_slow_consumer():
    listener = bus.Listener(max_pending=1)
    waiting = asyncio.ensure_future(listener.next())
    listener.offer(_event(1))
    assert (await waiting)[0]["id"] == 1
    waiting = asyncio.ensure_future(listener.next())
    listener.offer(_event(2))
    assert (await waiting)[0]["id"] == 2
    for event_id in (3, 4):
        listener.offer(_event(event_id))
    with pytest.raises(SlowConsumer):
        await listener.next()


async def test_a_failed_listener_wakes_its_owner_with_transport_lost():
    listener = bus.Listener(max_pending=5)
    waiting = asyncio.ensure_future(listener.next())
    listener.fail(ConnectionError("redis went away"))
    with pytest.raises(TransportLost, match="redis went away"):
        await waiting


async def test_listening_joins_before_the_block_and_receives_published_events():
    group = _group()
    async with bus.listen([group]) as listener:
        assert runtime.listeners_of(group) == {listener}
        await bus.apublish([group], _event(1, note="hello"))
        event, _ = await asyncio.wait_for(listener.next(), 5)
    # what crosses the layer is what JSON carries
    assert event == {"stream": "product", "id": 1, "note": "hello"}
    assert runtime.listeners_of(group) == frozenset()


async def test_waking_locally_tells_only_the_listeners_that_have_not_seen_that_far():
    group = _group()
    async with bus.listen([group]) as behind, bus.listen([group]) as ahead:
        behind.start_at(3)
        ahead.start_at(9)
        woken = bus.wake_locally(bus.Stream.PRODUCT, {group: 5, "another.group": 50})
        assert woken == 1
        event, _ = await asyncio.wait_for(behind.next(), 5)
        assert event == {"stream": bus.Stream.PRODUCT, "id": 5, bus.WAKE_MESSAGE: True}


async def test_notifications_fold_into_one():
    group = _group()
    async with bus.notifications([group]) as told:
        await bus.anotify([group])
        await bus.anotify([group])
        assert await told.wait(timeout=5) is True
        assert await told.wait(timeout=0) is False


async def test_an_event_goes_to_every_group_and_a_failed_send_fails_the_publish(monkeypatch):
    # given listeners of three groups, and a layer whose send to the second always fails
    from channels.layers import get_channel_layer

    first, failing, third = _group(), _group(), _group()
    layer = get_channel_layer()
    real_send = layer.group_send

    async def group_send(group: str, message: dict) -> None:
        if group == failing:
            raise ConnectionError("Redis went away")
        await real_send(group, message)

    monkeypatch.setattr(layer, "group_send", group_send)
    async with bus.listen([first]) as of_first, bus.listen([third]) as of_third:
        # when an event is published to the three (sent to them at once)
        with pytest.raises(ConnectionError):
            await bus.apublish([first, failing, third], _event(3))
        # then the publish failed (the event stays in the backlog for the relay), and the
        # groups whose send went through have it
        assert (await asyncio.wait_for(of_first.next(), 5))[0]["id"] == 3
        assert (await asyncio.wait_for(of_third.next(), 5))[0]["id"] == 3
