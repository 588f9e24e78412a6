"""Between realtime's replay-then-live stream and a GraphQL subscription.

realtime raises its own exceptions; here they become what a client sees: a subscriber
that fell behind is closed with 1013, one whose channel layer went away with 1012 (both
told to resume from their last cursor), and a replay too long for a cursor is a
CURSOR_EXPIRED error. Each event is built in a fresh DataLoader scope. Database reads the
stream needs run in the database thread (`db_read`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection

from domain.events.selectors import ReplayTooLong as DomainReplayTooLong
from graphql_api.common.errors import ApiError, ApiErrorCode
from graphql_api.context import Info
from graphql_api.execution.direct_delivery import direct_delivery
from graphql_api.metrics import SubscriptionMetrics
from realtime import bus
from realtime.errors import ReplayTooLong, SlowConsumer, TransportLost
from realtime.metrics import SLOW_CONSUMER_CLOSES
from realtime.stream import Event, StreamSource, replay_then_live

T = TypeVar("T")
SLOW_CONSUMER_CLOSE_CODE = 1013  # RFC 6455 "Try Again Later"
SLOW_CONSUMER_REASON = "Too slow to keep up: reconnect and resume from your last cursor."
TRANSPORT_LOST_CLOSE_CODE = 1012  # RFC 6455 "Service Restart"
TRANSPORT_LOST_REASON = "Live updates interrupted: reconnect and resume from your last cursor."


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


def log_reader(
    read_after: Callable[[int], list[Event]],
) -> Callable[[int], Awaitable[list[Event]]]:
    """A stream's `read_after` from a domain read of the log: in the database thread, and
    with the domain's "too many to replay" as realtime's `ReplayTooLong`."""
    threaded = db_read(read_after)

    async def read(position: int) -> list[Event]:
        try:
            return await threaded(position)
        except DomainReplayTooLong as error:
            raise ReplayTooLong(str(error)) from None

    return read


async def subscription_events(
    info: Info,
    source: StreamSource,
    *,
    after_id: int | None,
    build: Callable[[Event], Awaitable[T | None]],
) -> AsyncIterator[T]:
    """`build(event)` for every event of `source` after `after_id` (see
    `realtime.stream.replay_then_live`), each in a fresh DataLoader scope; None is not
    sent. An event shared with other subscribers is sent from here (see
    graphql_api/execution/direct_delivery.py). Ends by closing the socket when realtime
    gives up on the subscriber."""
    events = replay_then_live(source, after_id=after_id, max_pending=settings.WS_MAX_PENDING_EVENTS)
    deliver = direct_delivery()
    counted = SubscriptionMetrics(info.operation, source.stream, resumed=after_id is not None)
    try:
        async for event in events:
            info.context.new_loader_scope()
            item = await build(event)
            if item is None:
                continue
            if deliver is None or not await deliver(item):
                yield item  # strawberry asks for the next item once it has sent this one
            counted.sent(event)
    except SlowConsumer:
        SLOW_CONSUMER_CLOSES[(str(SLOW_CONSUMER_CLOSE_CODE), "pending_events")].inc()
        await _close(info, SLOW_CONSUMER_CLOSE_CODE, SLOW_CONSUMER_REASON)
    except TransportLost:
        await _close(info, TRANSPORT_LOST_CLOSE_CODE, TRANSPORT_LOST_REASON)
    except ReplayTooLong:
        raise ApiError(
            ApiErrorCode.CURSOR_EXPIRED,
            "Too many events since that cursor; reload the data, then subscribe afresh.",
        ) from None
    finally:
        counted.ended()
        await events.aclose()


async def _close(info: Info, code: int, reason: str) -> None:
    websocket = info.context.websocket
    if websocket is not None:
        await websocket.close(code=code, reason=reason)
