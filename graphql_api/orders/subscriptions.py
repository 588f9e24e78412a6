"""myOrderUpdates: the caller's own order changes, resumable from a cursor."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any

import strawberry

from domain.common.permissions import require_customer
from domain.events.models import OrderEventType as DomainOrderEventType
from domain.events.publishing import order_event_message
from domain.events.selectors import order_event_latest_id, order_events_after
from domain.orders.selectors import order_get_visible
from graphql_api.common.enums import enum_from_choices
from graphql_api.common.errors import unauthenticated
from graphql_api.common.permissions import domain_refusals_as_errors
from graphql_api.context import Info, viewer_of
from graphql_api.orders.types import OrderType
from graphql_api.subscriptions.adapter import db_read, log_reader, subscription_events
from graphql_api.subscriptions.cursors import decode_cursor, encode_cursor
from realtime import bus
from realtime.bus import Stream
from realtime.stream import StreamSource

STREAM = Stream.ORDER


OrderEventType = enum_from_choices(DomainOrderEventType, "OrderEventType")


@strawberry.type(name="OrderEvent")
class OrderEventPayload:
    cursor: str = strawberry.field(description="Pass as `after` to resume after this event.")
    type: OrderEventType
    occurred_at: datetime
    order: OrderType | None


@strawberry.type
class OrderSubscription:
    @strawberry.subscription(
        description="Your orders' changes, oldest first; resumable with `after`. Needs sign-in."
    )
    async def my_order_updates(
        self, info: Info, after: str | None = None
    ) -> AsyncGenerator[OrderEventPayload, None]:
        viewer = viewer_of(info)
        if not viewer.is_authenticated:
            raise unauthenticated("Sign in to follow your orders.")
        with domain_refusals_as_errors():
            require_customer(viewer, action="follow your orders")
        after_id = decode_cursor(STREAM, after)

        def fetch_after(position: int) -> list[dict[str, Any]]:
            events = order_events_after(after_id=position, owner=viewer)
            return [order_event_message(event) for event in events]

        def accept(message: dict[str, Any]) -> bool:
            return message["owner_id"] == viewer.pk

        async def build(message: dict[str, Any]) -> OrderEventPayload:
            order = await db_read(order_get_visible)(order_id=message["order_id"], user=viewer)
            occurred_at = datetime.fromisoformat(message["occurred_at"])
            return OrderEventPayload(
                cursor=encode_cursor(STREAM, message["id"], occurred_at.timestamp()),
                type=OrderEventType(message["type"]),
                occurred_at=occurred_at,
                order=order,  # type: ignore[arg-type]
            )

        source = StreamSource(
            stream=STREAM,
            groups=(bus.user_orders_group(viewer.pk),),
            latest_id=db_read(order_event_latest_id),
            read_after=log_reader(fetch_after),
            accepts=accept,
            share_key=(STREAM, viewer.pk),
        )
        async for payload in subscription_events(info, source, after_id=after_id, build=build):
            yield payload
