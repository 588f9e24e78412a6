"""Publish and listen: JSON-safe events over the Channels layer (Redis in production).

A leaf: it knows group names, message shapes and the layer, nothing of the domain or of
GraphQL. A group send is at most once and the layer drops messages when a channel is full,
so delivery is guaranteed by the event log (replay by cursor, realtime/stream.py, and a
poller that wakes this process's listeners with `wake_locally`, realtime/poller.py), not by
the layer.

The publishing side (`publish`, `notify`, the group names, `Stream`) is all the domain may
use of realtime (an import-linter contract). This process's listeners are registered in
realtime's one registry (`registry.runtime.listeners`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Iterable
from enum import StrEnum
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from realtime import metrics
from realtime.errors import SlowConsumer, TransportLost
from realtime.registry import runtime

MESSAGE_TYPE = "realtime.event"
ALL_PRODUCTS_GROUP = "products"
DEFAULT_MAX_PENDING = 500
RECEIVE_RETRY_DELAYS = (0.1, 0.5, 1.0)  # then the listener reports the transport lost
PUBLISH_RETRY_DELAYS = (0.05,)  # then the event waits in the backlog for the relay


class Stream(StrEnum):
    """The event streams: each has its own log, ids and cursors. An event's message names
    its stream (`message["stream"]`); the value is what crosses the layer."""

    PRODUCT = "product"
    ORDER = "order"


def product_group(product_id: int) -> str:
    return f"product.{product_id}"


def category_group(category_id: int) -> str:
    return f"category.{category_id}"


def user_orders_group(user_id: int) -> str:
    return f"user.{user_id}.orders"


def user_auth_group(user_id: int) -> str:
    """Where a user's sign-in changes are told (password, sign-out, rights, deletion)."""
    return f"user.{user_id}.auth"


def _json_safe(event: dict[str, Any]) -> dict[str, Any]:
    """What crosses the layer is exactly what JSON can carry (as over Redis)."""
    return json.loads(json.dumps(event))


async def apublish(groups: Iterable[str], event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    message = {"type": MESSAGE_TYPE, "event": _json_safe(event)}
    for group in groups:
        await _retrying(lambda group=group: layer.group_send(group, message), PUBLISH_RETRY_DELAYS)
    metrics.EVENTS_PUBLISHED[message["event"].get("stream", "none")].inc()


def publish(groups: Iterable[str], event: dict[str, Any]) -> None:
    """Synchronous publish, for code that runs after a commit."""
    async_to_sync(apublish)(list(groups), event)


NOTIFICATION_TYPE = "realtime.notification"


async def anotify(groups: Iterable[str]) -> None:
    """A notification carries nothing but "look again"; like every group send it arrives
    at most once, so listeners must also look again on their own from time to time."""
    layer = get_channel_layer()
    message = {"type": NOTIFICATION_TYPE}
    for group in groups:
        await _retrying(lambda group=group: layer.group_send(group, message), PUBLISH_RETRY_DELAYS)


def notify(groups: Iterable[str]) -> None:
    """Synchronous `anotify`, for code that runs after a commit."""
    async_to_sync(anotify)(list(groups))


def raise_if_cancelled() -> None:
    """Raise CancelledError when this task was cancelled but goes on.

    asgiref's `sync_to_async` (every Django ORM or cache call from async code) lets its
    thread finish and returns normally when the awaiting task is cancelled while that thread
    runs: the cancellation is swallowed, and a cancelled subscription (its client sent
    `complete`, or went away) would go on listening for good. The task still counts the
    request (`Task.cancelling()`), so it is raised again at the next wait."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


_WAKE: dict[str, Any] = {}
WAKE_MESSAGE = "wake"  # a message with this key set: "read the log", not an event


class Listener:
    """Events of the groups listened to, in arrival order, at most `max_pending` waiting.

    `floor`: the listener's owner has seen everything up to this event id (it says so with
    `start_at`, then `advance_to` after each read of the log); messages at or below it are
    dropped on arrival. `started`: the owner has taken its starting position."""

    def __init__(self, max_pending: int) -> None:
        self.max_pending = max_pending
        self.loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=max_pending + 1)
        self._overflowed = False
        self._lost: BaseException | None = None
        self._heard_at: dict[int, float] = {}  # event id -> when this listener received it
        self._floor = 0
        self._started = False

    @property
    def floor(self) -> int:
        return self._floor

    @property
    def started(self) -> bool:
        return self._started

    def start_at(self, position: int) -> None:
        """The owner has seen everything up to `position` (its starting point)."""
        self._floor = max(self._floor, position)
        self._started = True

    def advance_to(self, event_id: int) -> None:
        """The owner has now seen everything up to `event_id` (the floor never goes down)."""
        self._floor = max(self._floor, event_id)

    def offer(self, event: dict[str, Any]) -> None:
        if event.get("id", 0) <= self._floor:
            return  # seen already
        if self._queue.qsize() >= self.max_pending:
            self._overflowed = True
            self._wake()
            return
        self._heard_at[event.get("id", 0)] = time.monotonic()
        self._queue.put_nowait(event)

    def fail(self, error: BaseException) -> None:
        self._lost = error
        self._wake()

    def _wake(self) -> None:
        if not self._queue.full():
            self._queue.put_nowait(_WAKE)

    def _check(self) -> None:
        if self._overflowed:
            raise SlowConsumer("too many events waiting")
        if self._lost is not None:
            raise TransportLost(str(self._lost))

    async def next(self) -> tuple[dict[str, Any], float]:
        """The next event and when it was received from the layer. Raises `SlowConsumer`
        once more than `max_pending` waited, `TransportLost` once the layer stopped
        answering."""
        raise_if_cancelled()
        self._check()
        event = await self._queue.get()
        self._check()
        return event, self._heard_at.pop(event.get("id", 0), time.monotonic())


def wake_locally(stream: Stream, newest_by_group: dict[str, int]) -> int:
    """Tell this event loop's listeners of these groups that the log of `stream` holds
    events up to the given ids, unless they have seen that far: the second path for
    messages the layer lost. One message per listener, whatever the number of events.
    Returns how many listeners were woken."""
    loop = asyncio.get_running_loop()
    newest: dict[Listener, int] = {}
    for group, event_id in newest_by_group.items():
        for listener in runtime.listeners_of(group):
            if listener.loop is loop and event_id > listener.floor:
                newest[listener] = max(event_id, newest.get(listener, 0))
    for listener, event_id in newest.items():
        listener.offer({"stream": stream, "id": event_id, WAKE_MESSAGE: True})
    return len(newest)


# Seconds between repeated cancellations of a receiving task that has not ended (`_stop`).
PUMP_STOP_RETRY = 0.5


async def _retrying(call: Any, delays: tuple[float, ...] = RECEIVE_RETRY_DELAYS) -> Any:
    """Await `call()`, again after a short pause when it fails: the first command on a
    pooled connection to a restarted Redis fails once."""
    for delay in delays:
        try:
            return await call()
        except Exception:
            await asyncio.sleep(delay)
    return await call()


@contextlib.asynccontextmanager
async def _joined(groups: list[str], handle: Any, *, give_up: Any = None) -> AsyncIterator[None]:
    """A new channel in `groups` for the duration of the block (joined before it runs), with
    every message it receives handed to `handle(message)`. A receive that fails is tried
    again after a pause (a Redis restart); with `give_up`, after RECEIVE_RETRY_DELAYS in a
    row it is called with the error and receiving ends."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    try:
        for group in groups:
            await _retrying(lambda group=group: layer.group_add(group, channel))

        async def pump() -> None:
            failures = 0
            while True:
                try:
                    message = await layer.receive(channel)
                except asyncio.CancelledError:
                    raise
                except Exception as error:
                    failures += 1
                    if give_up is not None and failures > len(RECEIVE_RETRY_DELAYS):
                        give_up(error)
                        return
                    await asyncio.sleep(
                        RECEIVE_RETRY_DELAYS[min(failures, len(RECEIVE_RETRY_DELAYS)) - 1]
                    )
                    continue
                failures = 0
                handle(message)

        task = asyncio.create_task(pump())
        try:
            yield
        finally:
            await _stop(task)
    finally:
        # Also when cancelled while joining: the layer may have added the channel to a
        # group although the caller never saw the reply, so every group is left.
        await _leave(layer, groups, channel)


async def _stop(pump: asyncio.Task[None]) -> None:
    """Cancel the receiving task and wait until it has ended.

    A cancellation can be lost inside channels-redis's receive (seen with redis-py 8.1: the
    task stays "cancelling" while a new BZPOPMIN is read), and a lost one would hold the
    listener, and its group memberships, for good. So the request is repeated until the
    task ends."""
    while not pump.done():
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait({pump}, timeout=PUMP_STOP_RETRY)


async def _leave(layer: Any, groups: list[str], channel: str) -> None:
    """Take `channel` out of `groups`. The discards run in a task of their own, shielded: a
    second cancellation while they run (a client's `complete` racing its disconnect) ends
    the wait, not the leaving."""

    async def discard_all() -> None:
        for group in groups:
            with contextlib.suppress(Exception):
                await layer.group_discard(group, channel)

    leaving = asyncio.ensure_future(discard_all())
    runtime.leaving.add(leaving)
    leaving.add_done_callback(runtime.leaving.discard)
    await asyncio.shield(leaving)


@contextlib.asynccontextmanager
async def listen(
    groups: Iterable[str], *, max_pending: int = DEFAULT_MAX_PENDING
) -> AsyncIterator[Listener]:
    """Join `groups` for the duration of the block. Joining happens before the block runs,
    so a caller can replay history inside it without missing what is published meanwhile."""
    groups = list(dict.fromkeys(groups))
    listener = Listener(max_pending)

    def handle(message: dict[str, Any]) -> None:
        if message.get("type") == MESSAGE_TYPE:
            listener.offer(message["event"])

    async with _joined(groups, handle, give_up=listener.fail):
        for group in groups:
            runtime.listeners.setdefault(group, set()).add(listener)
        try:
            yield listener
        finally:
            for group in groups:
                members = runtime.listeners.get(group)
                if members is not None:
                    members.discard(listener)
                    if not members:
                        del runtime.listeners[group]


class Notifications:
    """The notifications of the groups listened to, folded: several that arrive before
    the owner looks count as one."""

    def __init__(self) -> None:
        self._arrived = asyncio.Event()

    def _offer(self) -> None:
        self._arrived.set()

    async def wait(self, timeout: float | None) -> bool:
        """Until a notification arrives (True) or `timeout` seconds pass (False)."""
        try:
            await asyncio.wait_for(self._arrived.wait(), timeout)
        except TimeoutError:
            return False
        self._arrived.clear()
        return True


@contextlib.asynccontextmanager
async def notifications(groups: Iterable[str]) -> AsyncIterator[Notifications]:
    """Join `groups` for the duration of the block (before it runs, so a caller can look
    at the state once inside it without missing a notification sent meanwhile). A layer
    that stops answering ends nothing: the owner's own periodic look covers for it."""
    received = Notifications()

    def handle(message: dict[str, Any]) -> None:
        if message.get("type") == NOTIFICATION_TYPE:
            received._offer()

    async with _joined(list(dict.fromkeys(groups)), handle):
        yield received
