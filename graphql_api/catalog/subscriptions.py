"""productEvents: live product changes, resumable from a cursor."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from domain.catalog.selectors import product_get_visible
from domain.common.permissions import StaffScope, is_staff
from domain.events.models import ProductEventType as DomainProductEventType
from domain.events.publishing import product_event_message
from domain.events.selectors import (
    product_event_in_categories,
    product_event_latest_id,
    product_event_visible_to,
    product_events_after,
)
from graphql_api.catalog.types import ProductType
from graphql_api.common.enums import enum_from_choices
from graphql_api.common.errors import bad_user_input
from graphql_api.common.nodes import decode_global_id
from graphql_api.context import Info, viewer_of
from graphql_api.subscriptions.adapter import db_read, log_reader, subscription_events
from graphql_api.subscriptions.cursors import decode_cursor, encode_cursor
from realtime import bus
from realtime.bus import Stream
from realtime.registry import runtime
from realtime.stream import StreamSource

STREAM = Stream.PRODUCT
# The product as of its event, shared (for `SHARE_WINDOW`) by the subscribers of that event.
PRODUCT_READS = "graphql_api.catalog.product_as_of_event"


ProductEventType = enum_from_choices(DomainProductEventType, "ProductEventType")


@strawberry.type(name="ProductEvent")
class ProductEventPayload:
    cursor: str = strawberry.field(description="Pass as `after` to resume after this event.")
    type: ProductEventType
    occurred_at: datetime
    product_id: relay.GlobalID
    changed_fields: list[str] = strawberry.field(description="snake_case model fields.")
    product: ProductType | None = strawberry.field(
        description="The product now, as you may see it; null once deleted or hidden."
    )
    # Subscribers with the same key, document, variables and viewer (or viewer class) get
    # one shared execution (graphql_api/execution/shared_execution.py): the event, and
    # what `product` was read for (staff or not).
    share_key: strawberry.Private[tuple[Any, ...] | None] = None


def _ids(values: list[strawberry.ID] | None, type_name: str, argument: str) -> set[int]:
    ids = {decode_global_id(value, type_name=type_name) for value in values or []}
    if None in ids:
        raise bad_user_input(f"`{argument}` holds an ID that is not a {type_name} ID.")
    return ids  # type: ignore[return-value]


@strawberry.type
class CatalogSubscription:
    @strawberry.subscription(
        description="Product changes, oldest first. With `after`, first every event you "
        "missed since that cursor, then live ones. Unpublished products' events reach "
        "staff only. `categoryIds` includes each category's subcategories, all levels "
        "down, and a product's move out of one (its own or its category's) is sent there "
        "too."
    )
    async def product_events(
        self,
        info: Info,
        product_ids: list[strawberry.ID] | None = None,
        category_ids: list[strawberry.ID] | None = None,
        types: list[ProductEventType] | None = None,
        after: str | None = None,
    ) -> AsyncGenerator[ProductEventPayload, None]:
        viewer = viewer_of(info)
        products = _ids(product_ids, "Product", "productIds")
        categories = _ids(category_ids, "Category", "categoryIds")
        wanted = {t.value for t in types or []}
        after_id = decode_cursor(STREAM, after)
        staff = is_staff(viewer, StaffScope.CATALOG_READ)
        if products:
            groups = [bus.product_group(pk) for pk in products]
        elif categories:
            groups = [bus.category_group(pk) for pk in categories]
        else:
            groups = [bus.ALL_PRODUCTS_GROUP]

        def accept(message: dict[str, Any]) -> bool:
            return (
                product_event_visible_to(is_public=message["public"], viewer=viewer)
                and (not products or message["product_id"] in products)
                and (
                    not categories
                    or product_event_in_categories(message=message, category_ids=categories)
                )
                and (not wanted or message["type"] in wanted)
            )

        def fetch_after(position: int) -> list[dict[str, Any]]:
            events = product_events_after(
                after_id=position,
                viewer=viewer,
                product_ids=products,
                category_ids=categories,
                types=wanted,
            )
            return [product_event_message(event) for event in events]

        async def build(message: dict[str, Any]) -> ProductEventPayload:
            # Visibility of a product depends only on staff or not: one read per event and
            # role in this process, shared by every subscriber.
            product = await runtime.shared(PRODUCT_READS).get(
                (message["id"], message["product_id"], staff),
                lambda: db_read(product_get_visible)(product_id=message["product_id"], user=viewer),
            )
            occurred_at = datetime.fromisoformat(message["occurred_at"])
            return ProductEventPayload(
                cursor=encode_cursor(STREAM, message["id"], occurred_at.timestamp()),
                type=ProductEventType(message["type"]),
                occurred_at=occurred_at,
                product_id=relay.GlobalID("Product", str(message["product_id"])),
                changed_fields=message["changed_fields"],
                product=product,  # type: ignore[arg-type]
                share_key=(STREAM, message["id"], staff),
            )

        source = StreamSource(
            stream=STREAM,
            groups=tuple(groups),
            latest_id=db_read(product_event_latest_id),
            read_after=log_reader(fetch_after),
            accepts=accept,
            share_key=(
                STREAM,
                frozenset(products),
                frozenset(categories),
                frozenset(wanted),
                staff,
            ),
        )
        async for payload in subscription_events(info, source, after_id=after_id, build=build):
            yield payload
