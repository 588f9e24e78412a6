"""Publish and listen: JSON-safe events over the Channels layer (Redis in production).

A leaf: it knows group names, message shapes and the layer, nothing of the domain or of
GraphQL. A group send is at most once and the layer drops messages when a channel is full,
so delivery is guaranteed by the event log (replay by cursor, realtime/stream.py, and a
poller that wakes this process's listeners with `wake_locally`, realtime/poller.py), not by
the layer.

The publishing side (`publish`, `notify`, the group names, `Stream`) is all the domain may
use of realtime (an import-linter contract). This process's listeners are the members of
its routers (realtime/memberships.py, held in `registry.runtime.routers`, listed by
`runtime.listeners_of`): they receive through the process's one channel, which joins each
group once; every message names the group it was sent to, so that the process can route
it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable, Iterable
from enum import StrEnum
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from realtime import metrics
from realtime.errors import SlowConsumer, TransportLost
from realtime.memberships import retrying, router
from realtime.registry import runtime

MESSAGE_TYPE = "realtime.event"
ALL_PRODUCTS_GROUP = "products"
DEFAULT_MAX_PENDING = 500
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


async def _send_to_groups(groups: Iterable[str], message: dict[str, Any]) -> None:
    """`message` to each group, naming the group: a process receives one copy per group
    on one channel and routes it to that group's listeners (realtime/memberships.py).

    The groups are sent to at once, not one after the other (an event goes to its
    product's group, each of its categories' and the catalog's: each send is several
    Redis round trips); the call returns once every send has, so the next event's sends
    still follow this one's. Raises the first failure, once every send has ended."""
    layer = get_channel_layer()

    async def send(group: str) -> None:
        addressed = {**message, "group": group}
        await retrying(lambda: layer.group_send(group, addressed), PUBLISH_RETRY_DELAYS)

    results = await asyncio.gather(*(send(group) for group in groups), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result


async def apublish(groups: Iterable[str], event: dict[str, Any]) -> None:
    safe_event = _json_safe(event)
    await _send_to_groups(groups, {"type": MESSAGE_TYPE, "event": safe_event})
    metrics.EVENTS_PUBLISHED[safe_event.get("stream", "none")].inc()


def publish(groups: Iterable[str], event: dict[str, Any]) -> None:
    """Synchronous publish, for code that runs after a commit."""
    async_to_sync(apublish)(list(groups), event)


NOTIFICATION_TYPE = "realtime.notification"


async def anotify(groups: Iterable[str]) -> None:
    """A notification carries nothing but "look again"; like every group send it arrives
    at most once, so listeners must also look again on their own from time to time."""
    await _send_to_groups(groups, {"type": NOTIFICATION_TYPE})


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
    dropped on arrival, as are events that `accepts` refuses. `started`: the owner has taken
    its starting position."""

    kind = "events"

    def __init__(
        self, max_pending: int, accepts: Callable[[dict[str, Any]], bool] | None = None
    ) -> None:
        self.max_pending = max_pending
        self.accepts = accepts
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

    def handle(self, message: dict[str, Any]) -> None:
        """A message from the channel layer (realtime/memberships.py)."""
        if message.get("type") != MESSAGE_TYPE:
            return
        event = message["event"]
        if self.accepts is not None and not self._accepted(event):
            return  # not one of the events this listener's owner asked for
        self.offer(event)

    def _accepted(self, event: dict[str, Any]) -> bool:
        assert self.accepts is not None
        try:
            return self.accepts(event)
        except Exception:
            return True  # a message it cannot judge: the read of the log decides

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


@contextlib.asynccontextmanager
async def listen(
    groups: Iterable[str],
    *,
    max_pending: int = DEFAULT_MAX_PENDING,
    accepts: Callable[[dict[str, Any]], bool] | None = None,
) -> AsyncIterator[Listener]:
    """Join `groups` for the duration of the block. Joining happens before the block runs,
    so a caller can replay history inside it without missing what is published meanwhile.
    With `accepts`, events it refuses are dropped on arrival (the listener is not woken)."""
    async with router().membership(groups, Listener(max_pending, accepts=accepts)) as listener:
        yield listener


class Notifications:
    """The notifications of the groups listened to, folded: several that arrive before
    the owner looks count as one."""

    kind = "notifications"

    def __init__(self) -> None:
        self._arrived = asyncio.Event()

    def handle(self, message: dict[str, Any]) -> None:
        if message.get("type") == NOTIFICATION_TYPE:
            self._arrived.set()

    def fail(self, error: BaseException) -> None:
        """Nothing to end: the owner looks again on its own."""

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
    async with router().membership(groups, Notifications()) as received:
        yield received
