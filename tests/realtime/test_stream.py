"""The replay-then-live stream, over a log kept in memory: replay after a position, live
after it, every event once at the seam, shared reads, and realtime's own exceptions."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

import pytest

from realtime import bus
from realtime.errors import ReplayTooLong, SlowConsumer, TransportLost
from realtime.registry import runtime
from realtime.stream import Event, StreamSource, replay_then_live


@pytest.fixture(autouse=True)
def _layer(in_memory_layer) -> None:
    """Every test here runs on the in-memory layer."""


class Log:
    """An event log in memory: what a stream's source reads, counting its reads."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.reads = 0
        self.group = f"test.{uuid.uuid4().hex}"
        self.before_read: Callable[[], Awaitable[None]] | None = None

    def commit(self, kind: str = "changed") -> Event:
        event = {"stream": bus.Stream.PRODUCT, "id": len(self.events) + 1, "kind": kind}
        self.events.append(event)
        return event

    async def commit_and_publish(self, kind: str = "changed") -> Event:
        event = self.commit(kind)
        await bus.apublish([self.group], event)
        return event

    def source(self, *, wanted: str | None = None, share_key: Any = "all") -> StreamSource:
        async def latest_id() -> int:
            return self.events[-1]["id"] if self.events else 0

        async def read_after(position: int) -> list[Event]:
            self.reads += 1
            found = [e for e in self.events if e["id"] > position]
            if self.before_read is not None:
                hook, self.before_read = self.before_read, None
                await hook()  # e.g. a commit the read does not see
            return [e for e in found if wanted is None or e["kind"] == wanted]

        return StreamSource(
            stream=bus.Stream.PRODUCT,
            groups=(self.group,),
            latest_id=latest_id,
            read_after=read_after,
            accepts=lambda message: wanted is None or message["kind"] == wanted,
            share_key=(share_key, wanted),
        )


async def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        await asyncio.sleep(0)


async def _next(events: AsyncGenerator[Event, None]) -> Event:
    return await asyncio.wait_for(anext(events), 5)


async def _open(
    log: Log, source: StreamSource, after_id: int | None = None, max_pending: int = 10
) -> tuple[AsyncGenerator[Event, None], asyncio.Future[Event]]:
    """A stream that has listened and replayed, and its first event to come."""
    streams, reads = len(runtime.listeners_of(log.group)), log.reads
    events = replay_then_live(source, after_id=after_id, max_pending=max_pending)
    first = asyncio.ensure_future(_next(events))
    await _until(
        lambda: (
            sum(listener.started for listener in runtime.listeners_of(log.group)) > streams
            and log.reads > reads
        ),
        "the stream listened and replayed",
    )
    return events, first


async def test_a_stream_replays_the_log_after_its_position_then_goes_live():
    log = Log()
    for _ in range(3):
        log.commit()
    events = replay_then_live(log.source(), after_id=1, max_pending=10)
    assert [(await _next(events))["id"] for _ in range(2)] == [2, 3]
    await log.commit_and_publish()
    assert (await _next(events))["id"] == 4
    await events.aclose()


async def test_a_stream_without_a_position_starts_after_the_newest_event():
    log = Log()
    log.commit()
    log.commit()
    events, first = await _open(log, log.source())
    await log.commit_and_publish()
    assert (await first)["id"] == 3
    await events.aclose()


async def test_an_event_committed_while_the_replay_reads_is_handed_on_once():
    # given a replay whose read does not see an event committed (and published) meanwhile
    log = Log()
    log.commit()
    log.commit()
    log.before_read = lambda: log.commit_and_publish()
    events = replay_then_live(log.source(), after_id=1, max_pending=10)
    # then the replay hands on what it read, then the live event, then the next one
    assert (await _next(events))["id"] == 2
    assert (await _next(events))["id"] == 3
    await log.commit_and_publish()
    assert (await _next(events))["id"] == 4
    await events.aclose()


async def test_a_live_message_for_an_event_the_replay_already_read_is_dropped():
    log = Log()
    log.commit()
    events = replay_then_live(log.source(), after_id=0, max_pending=10)
    assert (await _next(events))["id"] == 1
    await bus.apublish([log.group], log.events[0])  # its live message, arriving late
    await log.commit_and_publish()
    assert (await _next(events))["id"] == 2
    await events.aclose()


async def test_a_message_the_subscription_does_not_want_reads_nothing():
    log = Log()
    events, first = await _open(log, log.source(wanted="price"))
    reads = log.reads
    await log.commit_and_publish("stock")
    await log.commit_and_publish("price")
    assert (await first)["id"] == 2
    assert log.reads == reads + 1  # only for the price change
    await events.aclose()


async def test_a_wake_from_the_poller_reads_the_log_for_a_lost_message():
    log = Log()
    events, first = await _open(log, log.source())
    log.commit()  # its live message is lost
    assert bus.wake_locally(bus.Stream.PRODUCT, {log.group: 1}) == 1
    assert (await first)["id"] == 1
    await events.aclose()


async def test_streams_with_the_same_share_key_share_the_read_of_a_live_event():
    log = Log()
    one, first_of_one = await _open(log, log.source())
    other, first_of_other = await _open(log, log.source())
    reads = log.reads
    await log.commit_and_publish()
    assert [(await first)["id"] for first in (first_of_one, first_of_other)] == [1, 1]
    assert log.reads == reads + 1
    await one.aclose()
    await other.aclose()


async def test_streams_with_different_share_keys_read_apart():
    log = Log()
    one, first_of_one = await _open(log, log.source(share_key="mine"))
    other, first_of_other = await _open(log, log.source(share_key="theirs"))
    reads = log.reads
    await log.commit_and_publish()
    assert [(await first)["id"] for first in (first_of_one, first_of_other)] == [1, 1]
    assert log.reads == reads + 2
    await one.aclose()
    await other.aclose()


async def test_a_stream_with_more_waiting_than_its_bound_raises_slow_consumer():
    log = Log()
    _events, first = await _open(log, log.source(), max_pending=1)
    (listener,) = runtime.listeners_of(log.group)
    for _ in range(3):  # at once, before the stream can take one
        listener.offer(log.commit())
    with pytest.raises(SlowConsumer):
        await first


async def test_a_stream_whose_layer_stops_answering_raises_transport_lost():
    log = Log()
    _events, first = await _open(log, log.source())
    (listener,) = runtime.listeners_of(log.group)
    listener.fail(ConnectionError("redis went away"))
    with pytest.raises(TransportLost):
        await first


async def test_a_replay_too_long_reaches_the_consumer():
    log = Log()
    source = log.source()

    async def too_many(position: int) -> list[Event]:
        raise ReplayTooLong("more than we replay")

    events = replay_then_live(
        StreamSource(
            stream=source.stream,
            groups=source.groups,
            latest_id=source.latest_id,
            read_after=too_many,
            accepts=source.accepts,
            share_key=source.share_key,
        ),
        after_id=0,
        max_pending=10,
    )
    with pytest.raises(ReplayTooLong):
        await _next(events)


async def test_a_closed_stream_leaves_its_groups():
    log = Log()
    events, first = await _open(log, log.source())
    first.cancel()  # as when the client completes the subscription
    with pytest.raises(asyncio.CancelledError):
        await first
    assert runtime.listeners_of(log.group) == frozenset()
    await events.aclose()
