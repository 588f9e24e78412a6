"""The machinery every subscription shares: opaque resume cursors, and the loop that
listens first, replays from the event log, then streams live events with no duplicate
and no gap at the seam."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, ClassVar, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection

from domain.events.publishing import event_messages_since
from domain.events.selectors import ReplayTooLong
from graphql_api.common.errors import ApiError, ApiErrorCode
from graphql_api.context import Info
from realtime import bus

T = TypeVar("T")
logger = logging.getLogger(__name__)
SLOW_CONSUMER_CLOSE_CODE = 1013  # RFC 6455 "Try Again Later"
TRANSPORT_LOST_CLOSE_CODE = 1012  # RFC 6455 "Service Restart"


def encode_cursor(stream: str, event_id: int, occurred_at_epoch: float) -> str:
    raw = f"{stream}:{event_id}:{int(occurred_at_epoch)}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(stream: str, cursor: str | None) -> int | None:
    """The event id after which to resume (None when no cursor is given)."""
    if cursor is None:
        return None
    try:
        kind, event_id, epoch = base64.urlsafe_b64decode(cursor.encode()).decode().split(":")
        position, stamped = int(event_id), int(epoch)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(ApiErrorCode.INVALID_CURSOR, "The cursor is malformed.") from None
    if kind != stream or position < 0:
        raise ApiError(ApiErrorCode.INVALID_CURSOR, "The cursor is not from this stream.")
    if stamped < time.time() - settings.EVENT_RETENTION:
        raise ApiError(
            ApiErrorCode.CURSOR_EXPIRED,
            "Events that old are no longer kept; reload the data, then subscribe afresh.",
        )
    return position


def db_read(function: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """`function` in the thread for database work, tried again once on a fresh connection
    when the one it had is dead (e.g. PostgreSQL restarted): subscriptions all share one
    thread and its connection, which no request cycle ever closes."""

    def call(*args: Any, **kwargs: Any) -> T:
        try:
            return function(*args, **kwargs)
        except (OperationalError, InterfaceError):
            connection.close()
            return function(*args, **kwargs)

    threaded = sync_to_async(call)

    async def read(*args: Any, **kwargs: Any) -> T:
        result = await threaded(*args, **kwargs)
        bus.raise_if_cancelled()  # a cancellation sync_to_async swallowed (see there)
        return result

    return read


class SharedReads:
    """One read per key for the subscribers that ask while it is in flight: the thousand
    subscribers of a product in one process, woken by the same event, share one query
    instead of running one each. Nothing is remembered once a read ends (so every answer
    is fresh, and a failed read is not handed to anyone who asks later).

    `not_before`: join only a read that started at or after this moment (`time.monotonic`).
    A subscriber woken by an event passes the moment it heard of it, so the read it joins
    certainly includes that event.

    `keep_for`: seconds a successful answer stays shareable after its read ends (0: only
    while in flight); `keep_when`, if given, must also accept the answer. For reads keyed
    by event, a short time lets the subscribers of one event, which reach it one after the
    other, share the read."""

    def __init__(
        self, *, keep_for: float = 0.0, keep_when: Callable[[Any], bool] | None = None
    ) -> None:
        self.keep_for = keep_for
        self.keep_when = keep_when
        self._loop: Any = None
        self._reads: dict[Any, tuple[float, asyncio.Future[Any]]] = {}

    async def get(
        self, key: Any, load: Callable[[], Awaitable[T]], *, not_before: float = 0.0
    ) -> T:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # futures belong to one loop
            self._loop, self._reads = loop, {}
        entry = self._reads.get(key)
        if entry is None or entry[0] < not_before:
            future = asyncio.ensure_future(load())
            entry = self._reads[key] = (time.monotonic(), future)
            future.add_done_callback(lambda done, entry=entry: self._ended(key, entry, done))
        return await asyncio.shield(entry[1])

    def _ended(self, key: Any, entry: Any, done: asyncio.Future[Any]) -> None:
        def forget() -> None:
            if self._reads.get(key) is entry:
                del self._reads[key]

        if (
            self.keep_for
            and not done.cancelled()
            and done.exception() is None
            and (self.keep_when is None or self.keep_when(done.result()))
        ):
            asyncio.get_running_loop().call_later(self.keep_for, forget)
        else:
            forget()


async def event_stream(
    *,
    info: Info,
    stream: str,
    groups: list[str],
    after_id: int | None,
    latest_id: Callable[[], int],
    fetch_after: Callable[[int], list[dict[str, Any]]],
    share_key: Any,
    accept: Callable[[dict[str, Any]], bool],
    build: Callable[[dict[str, Any]], Awaitable[T | None]],
) -> AsyncIterator[T]:
    """Yield `build(message)` for every matching event of `stream` after `after_id` (or,
    without one, after the newest event at the start), in id order, each once.

    The event log is the source: live messages only say "something new"; the stream then
    reads everything after its position from the log. Event ids are given out in commit
    order (domain/events/services.py), so the log read after message N holds every event
    up to N, even one whose message arrived later or never. A message that never arrives
    (the layer drops messages to a full channel; a Redis restart forgets the groups) is
    handed over by this process's `LogPoller` within WS_LOG_POLL_INTERVAL.
    Subscribers with the same `share_key` (same filters and visibility) in this process
    share each read."""
    async with bus.listen(groups, max_pending=settings.WS_MAX_PENDING_EVENTS) as listener:
        with LogPoller.watching(stream) as poller:
            listening_since = time.monotonic()
            position = after_id if after_id is not None else await db_read(latest_id)()
            async for item in _catch_up(
                info, position, fetch_after, share_key, build, listening_since
            ):
                position = listener.floor = item[0]
                if item[1] is not None:
                    yield item[1]
            listener.floor = position
            if poller is not None:
                poller.start_after(position)
            while True:
                try:
                    message, heard_at = await listener.next()
                except bus.SlowConsumer:
                    await _close(
                        info,
                        SLOW_CONSUMER_CLOSE_CODE,
                        "Too slow to keep up: reconnect and resume from your last cursor.",
                    )
                    return
                except bus.TransportLost:
                    await _close(
                        info,
                        TRANSPORT_LOST_CLOSE_CODE,
                        "Live updates interrupted: reconnect and resume from your last cursor.",
                    )
                    return
                if message["id"] <= position:
                    continue
                if not message.get(bus.WAKE_MESSAGE) and not accept(message):
                    continue
                # A read that started after anyone in this process received this event's
                # message started after its commit, so it holds the event: it may be shared.
                first_heard = _first_heard.setdefault((message["stream"], message["id"]), heard_at)
                if len(_first_heard) > FIRST_HEARD_MEMORY:
                    _first_heard.pop(next(iter(_first_heard)))
                async for item in _catch_up(
                    info, position, fetch_after, share_key, build, min(first_heard, heard_at)
                ):
                    position = listener.floor = item[0]
                    if item[1] is not None:
                        yield item[1]
                if message.get(bus.WAKE_MESSAGE):
                    # the log was read after the poller saw this id: nothing up to it is left
                    position = listener.floor = max(position, message["id"])


class LogPoller:
    """One per stream and event loop while that stream has subscribers: every
    WS_LOG_POLL_INTERVAL seconds it reads which groups have events since its last look
    (one query, whatever the number of subscribers) and wakes this loop's listeners of
    those groups that have not seen that far (`bus.wake_locally`): only subscriptions
    whose live message was lost read the log again, at most an interval late. It starts
    from the lowest position of the subscriptions that watch it. An interval of 0 or less
    turns the poller off."""

    BATCH = 1000
    _running: ClassVar[weakref.WeakKeyDictionary[Any, dict[str, LogPoller]]] = (
        weakref.WeakKeyDictionary()
    )

    def __init__(self, stream: str) -> None:
        self.stream = stream
        self.watchers = 0
        self.last_id: int | None = None
        self.task: asyncio.Task[None] | None = None

    @classmethod
    def running(cls, stream: str) -> LogPoller | None:
        """This event loop's poller of `stream`, if any."""
        return cls._running.get(asyncio.get_running_loop(), {}).get(stream)

    @classmethod
    @contextlib.contextmanager
    def watching(cls, stream: str) -> Iterator[LogPoller | None]:
        """Keep `stream`'s poller of this event loop running for the block."""
        if settings.WS_LOG_POLL_INTERVAL <= 0:
            yield None
            return
        pollers = cls._running.setdefault(asyncio.get_running_loop(), {})
        poller = pollers.get(stream)
        if poller is None or poller.task is None or poller.task.done():
            poller = pollers[stream] = cls(stream)
            poller.task = asyncio.create_task(poller.run())
        poller.watchers += 1
        try:
            yield poller
        finally:
            poller.watchers -= 1
            if poller.watchers == 0 and poller.task is not None:
                poller.task.cancel()
                if pollers.get(stream) is poller:
                    del pollers[stream]

    def start_after(self, position: int) -> None:
        """A watcher has read the log up to `position`: poll from there at the latest
        (reading a few events again only wakes nobody)."""
        self.last_id = position if self.last_id is None else min(self.last_id, position)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(settings.WS_LOG_POLL_INTERVAL)
            if self.last_id is None:
                continue  # no watcher has its position yet
            try:
                while True:
                    batch = await db_read(event_messages_since)(
                        stream=self.stream, after_id=self.last_id, limit=self.BATCH
                    )
                    newest_by_group: dict[str, int] = {}
                    for groups, message in batch:
                        for group in groups:
                            newest_by_group[group] = message["id"]
                    if batch:
                        bus.wake_locally(self.stream, newest_by_group)
                        self.last_id = max(self.last_id, batch[-1][1]["id"])
                    if len(batch) < self.BATCH:
                        break
                    await asyncio.sleep(0)
            except Exception:
                logger.warning(
                    "event log poll of %s failed; next try in an interval",
                    self.stream,
                    exc_info=True,
                )


# Kept a second: "the log after N" read once serves every subscriber at N that heard of its
# event before the read started (see `not_before`).
_log_reads = SharedReads(keep_for=1.0)
_first_heard: dict[tuple[str, int], float] = {}
FIRST_HEARD_MEMORY = 10_000


async def _catch_up(
    info: Info, position: int, fetch_after: Any, share_key: Any, build: Any, not_before: float
) -> AsyncIterator[tuple[int, Any]]:
    """(event id, built item or None) for every event in the log after `position`, read
    no earlier than `not_before`."""
    try:
        messages = await _log_reads.get(
            (share_key, position),
            lambda: db_read(fetch_after)(position),
            not_before=not_before,
        )
    except ReplayTooLong:
        raise ApiError(
            ApiErrorCode.CURSOR_EXPIRED,
            "Too many events since that cursor; reload the data, then subscribe afresh.",
        ) from None
    for message in messages:
        yield message["id"], await _build_in_fresh_scope(info, build, message)


async def _build_in_fresh_scope(info: Info, build: Any, message: dict[str, Any]) -> Any:
    info.context.new_loader_scope()
    return await build(message)


async def _close(info: Info, code: int, reason: str) -> None:
    websocket = info.context.websocket
    if websocket is not None:
        await websocket.close(code=code, reason=reason)
