"""One channel-layer membership per group and process (realtime/memberships.py): every
local listener of a group shares it, each message reaches the process once and is routed
to the group's listeners, a listener drops the events it did not ask for without being
woken, and the membership follows its first and last local listener."""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from realtime import bus, memberships
from realtime.errors import TransportLost
from realtime.layer import group_size
from tests.factories import make_product
from tests.support.graphql import contract_document
from tests.support.ids import global_id
from tests.support.websocket import joining

LAYERS = ["configured", "in memory"]


@pytest.fixture(params=LAYERS)
def layer(request) -> Any:
    """The configured channel layer (Redis when it runs), then the in-memory one."""
    if request.param == "in memory":
        request.getfixturevalue("in_memory_layer")
    return get_channel_layer()


def _group() -> str:
    return f"product.membership-{uuid.uuid4().hex}"


def _event(event_id: int, **fields: Any) -> dict[str, Any]:
    return {"stream": "product", "id": event_id, "type": "STOCK_CHANGED", **fields}


async def _within(awaitable: Any, step: str, seconds: float = 10) -> Any:
    try:
        return await asyncio.wait_for(awaitable, seconds)
    except TimeoutError:
        raise AssertionError(f"stuck: {step}") from None


class _CountedReceives:
    """The layer's receives that returned a message, counted."""

    def __init__(self, layer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.messages = 0
        real_receive = layer.receive

        async def receive(channel: str) -> dict[str, Any]:
            message = await real_receive(channel)
            self.messages += 1
            return message

        monkeypatch.setattr(layer, "receive", receive)


def _counted_joins(layer: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The groups the layer is asked to add a channel to, in order, from now on."""
    joins: list[str] = []
    real_group_add = layer.group_add

    async def group_add(group_name: str, channel: str) -> None:
        joins.append(group_name)
        await real_group_add(group_name, channel)

    monkeypatch.setattr(layer, "group_add", group_add)
    return joins


@contextlib.asynccontextmanager
async def _listeners(group: str, count: int, **options: Any) -> AsyncIterator[list[bus.Listener]]:
    async with contextlib.AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(bus.listen([group], **options)) for _ in range(count)
        ]


async def test_listeners_of_a_group_share_one_membership_and_each_gets_every_event(
    layer, monkeypatch
):
    # given 50 listeners of one group in this process
    group = _group()
    receives = _CountedReceives(layer, monkeypatch)
    async with _listeners(group, 50) as listeners:
        # then the process's channel is the group's one member
        assert await group_size(group) == 1
        # when two events are published to the group
        await bus.apublish([group], _event(1))
        await bus.apublish([group], _event(2))
        # then every listener gets both, in order
        for listener in listeners:
            first, _ = await _within(listener.next(), "the first event")
            second, _ = await _within(listener.next(), "the second event")
            assert (first["id"], second["id"]) == (1, 2)
        # and the process received each event once, not once per listener
        assert receives.messages == 2
    # when the last listener has left, the process has left the group
    assert await group_size(group) == 0


async def test_an_event_reaches_only_the_listeners_of_the_group_it_was_published_to(layer):
    # given listeners of two groups, and one of both
    mine, other = _group(), _group()
    async with (
        bus.listen([mine]) as of_mine,
        bus.listen([other]) as of_other,
        bus.listen([mine, other]) as of_both,
    ):
        # when an event is published to `other` only
        await bus.apublish([other], _event(7))
        # then its listeners get it, and the listener of `mine` only does not
        assert (await _within(of_other.next(), "other's listener"))[0]["id"] == 7
        assert (await _within(of_both.next(), "the listener of both"))[0]["id"] == 7
        await bus.apublish([mine], _event(8))
        assert (await _within(of_mine.next(), "mine's listener"))[0]["id"] == 8


async def test_a_listener_drops_events_it_does_not_accept_without_being_woken(layer):
    # given a listener of price changes and one of everything, on one group
    group = _group()
    prices = bus.listen([group], accepts=lambda event: event["type"] == "PRICE_CHANGED")
    async with prices as of_prices, bus.listen([group]) as of_all:
        # when a stock change, then a price change, are published
        await bus.apublish([group], _event(1, type="STOCK_CHANGED"))
        await bus.apublish([group], _event(2, type="PRICE_CHANGED"))
        assert [(await _within(of_all.next(), "an event"))[0]["id"] for _ in range(2)] == [1, 2]
        # then the price listener's next event is the price change: the stock change
        # never reached its queue
        event, _ = await _within(of_prices.next(), "the price change")
        assert event["id"] == 2


async def test_a_listener_whose_filter_cannot_judge_a_message_gets_it(layer):
    # a message without the field its filter reads: the read of the log decides
    group = _group()
    async with bus.listen([group], accepts=lambda event: event["category_id"] == 1) as listener:
        await bus.apublish([group], _event(3))
        event, _ = await _within(listener.next(), "the message")
        assert event["id"] == 3


class _HeldListener:
    """A listener held open in a task of its own until `release()`."""

    def __init__(self, groups: list[str]) -> None:
        self.listener: asyncio.Future[bus.Listener] = asyncio.get_running_loop().create_future()
        self._release = asyncio.Event()
        self.task = asyncio.create_task(self._hold(groups))

    async def _hold(self, groups: list[str]) -> None:
        async with bus.listen(groups) as listener:
            self.listener.set_result(listener)
            await self._release.wait()

    def release(self) -> asyncio.Task[None]:
        self._release.set()
        return self.task


async def test_a_listener_that_joins_while_the_last_one_leaves_keeps_the_membership(
    layer, monkeypatch
):
    # given the last listener of a group, leaving slowly
    group = _group()
    real_discard = layer.group_discard
    discarding, go_on = asyncio.Event(), asyncio.Event()

    async def slow_discard(group_name: str, channel: str) -> None:
        discarding.set()
        await go_on.wait()
        await real_discard(group_name, channel)

    monkeypatch.setattr(layer, "group_discard", slow_discard)
    first = _HeldListener([group])
    await _within(first.listener, "the first join")
    leaving = first.release()
    await _within(discarding.wait(), "the leaving started")
    # when a new listener joins meanwhile
    second = _HeldListener([group])
    await asyncio.sleep(0.05)
    go_on.set()
    await _within(leaving, "the leaving")
    listener = await _within(second.listener, "the second join")
    # then the process is still a member, and the new listener hears the group
    assert await group_size(group) == 1
    await bus.apublish([group], _event(4))
    assert (await _within(listener.next(), "the event"))[0]["id"] == 4
    await _within(second.release(), "the second leaving")
    assert await group_size(group) == 0


async def test_a_receive_that_keeps_failing_ends_the_listeners_and_the_groups_are_joined_again(
    layer, monkeypatch
):
    # given a channel layer whose receives fail
    group = _group()
    monkeypatch.setattr(memberships, "RECEIVE_RETRY_DELAYS", (0.01, 0.01, 0.01))
    real_receive = layer.receive
    failing = True
    joins = _counted_joins(layer, monkeypatch)

    async def receive(channel: str) -> dict[str, Any]:
        if failing:
            await asyncio.sleep(0.01)
            raise ConnectionError("Redis went away")
        return await real_receive(channel)

    monkeypatch.setattr(layer, "receive", receive)
    async with bus.listen([group]) as first, bus.listen([group]) as second:
        # when the receiving keeps failing, then each listener reports the transport lost
        # (its subscription closes with 1012 and resumes by cursor)
        for listener in (first, second):
            with pytest.raises(TransportLost):
                await _within(listener.next(), "the failure")
        # and the process joins its groups again (a restarted Redis forgot them)
        failing = False
        deadline = asyncio.get_running_loop().time() + 10
        while joins.count(group) < 2:
            assert asyncio.get_running_loop().time() < deadline, "the group was not joined again"
            await asyncio.sleep(0.01)


@pytest.mark.django_db(transaction=True)
async def test_sockets_and_their_subscriptions_share_the_process_channel(
    layer, monkeypatch, open_ws
):
    # given a channel layer whose receives are watched
    waiting, most_waiting = 0, 0
    real_receive = layer.receive

    async def receive(channel: str) -> dict[str, Any]:
        nonlocal waiting, most_waiting
        waiting += 1
        most_waiting = max(most_waiting, waiting)
        try:
            return await real_receive(channel)
        finally:
            waiting -= 1

    monkeypatch.setattr(layer, "receive", receive)
    product = await sync_to_async(make_product)(stock=5)
    group = bus.product_group(product.pk)
    variables = {"productIds": [global_id("Product", product.pk)]}
    # when five sockets subscribe to the product's events
    for _ in range(5):
        socket = await open_ws()
        async with joining(group):
            await socket.subscribe(contract_document("realtime"), variables, "OnProductEvents")
    # then the process waits on the channel layer once (no socket has a channel of its own)
    # and is the group's one member
    assert (most_waiting, await group_size(group)) == (1, 1)


async def test_a_receive_that_fails_once_joins_the_groups_again_and_ends_nothing(
    layer, monkeypatch
):
    # given a listener, and a channel layer whose next receive fails once (a restarted
    # Redis has forgotten the groups, and the first command on the old connection fails)
    group = _group()
    real_receive = layer.receive
    failures = 0
    joins = _counted_joins(layer, monkeypatch)

    async def receive(channel: str) -> dict[str, Any]:
        nonlocal failures
        if failures:
            failures -= 1
            raise ConnectionError("Redis restarted")
        return await real_receive(channel)

    monkeypatch.setattr(layer, "receive", receive)
    async with bus.listen([group]) as listener:
        # when the receive after the next message fails once
        failures = 1
        await bus.apublish([group], _event(4))
        assert (await _within(listener.next(), "the event before"))[0]["id"] == 4
        # then the group is joined again at once, not at the next periodic renewal
        deadline = asyncio.get_running_loop().time() + 10
        while joins.count(group) < 2:
            assert asyncio.get_running_loop().time() < deadline, "the group was not joined again"
            await asyncio.sleep(0.01)
        # and the listener goes on hearing the group
        await bus.apublish([group], _event(5))
        assert (await _within(listener.next(), "the event"))[0]["id"] == 5


@pytest.mark.parametrize("seed", range(4))
async def test_routed_deliveries_are_those_of_a_channel_per_listener(layer, seed):
    """The routed path against the plain one it replaced: with a channel per listener,
    joined to each of its groups, a listener got one copy of an event per group of its
    own that the event was published to, in publishing order, if its filter accepted it.
    Random listeners (groups, filters) and random publishes must give exactly that."""
    rng = random.Random(seed)
    groups = [_group() for _ in range(4)]
    types = ["STOCK_CHANGED", "PRICE_CHANGED", "UPDATED"]
    plans = []
    for _ in range(12):
        own = rng.sample(groups, rng.randint(1, 3))
        wanted = set(rng.sample(types, rng.randint(1, 3))) if rng.random() < 0.6 else None
        plans.append((own, wanted))
    publishes = [
        (rng.sample(groups, rng.randint(1, 3)), _event(n, type=rng.choice(types)))
        for n in range(1, 41)
    ]
    expected = [
        [
            event["id"]
            for targets, event in publishes
            for group in targets
            if group in own and (wanted is None or event["type"] in wanted)
        ]
        for own, wanted in plans
    ]
    async with contextlib.AsyncExitStack() as stack:
        listeners = [
            await stack.enter_async_context(
                bus.listen(
                    own,
                    max_pending=1000,
                    accepts=None if wanted is None else lambda e, w=wanted: e["type"] in w,
                )
            )
            for own, wanted in plans
        ]
        for targets, event in publishes:
            await bus.apublish(targets, event)
        for listener, ids in zip(listeners, expected, strict=True):
            got = [(await _within(listener.next(), "a delivery"))[0]["id"] for _ in ids]
            assert got == ids
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(listener.next(), 0.05)  # and nothing more


async def test_a_live_membership_is_renewed_and_a_dead_ones_expires(layer, monkeypatch):
    # given a layer that drops a membership 3 s after its last join, a listener of a
    # group, and a channel that joined the group once and never again (a killed process's)
    monkeypatch.setattr(layer, "group_expiry", 3)
    group = _group()
    async with bus.listen([group]) as listener:
        dead = await layer.new_channel()
        await layer.group_add(group, dead)
        assert await group_size(group) == 2
        # when longer than the expiry has passed (the router renews at a third of it)
        await asyncio.sleep(4.5)
        await bus.apublish([group], _event(9))
        # then the listener still hears the group, and the dead channel has left it
        assert (await _within(listener.next(), "the event"))[0]["id"] == 9
        assert await group_size(group) == 1


@pytest.mark.redis
def test_on_redis_a_membership_expires_within_a_quarter_hour_and_is_renewed_well_before():
    # given the configured channel layer (Redis)
    layer = get_channel_layer()
    # then a killed process's memberships end within 15 minutes, not channels-redis's day,
    # and a live process renews each of its own three times within that
    assert layer.group_expiry == 900
    assert memberships.GroupRouter(layer).rejoin_interval == 300
