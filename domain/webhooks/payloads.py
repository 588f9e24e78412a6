"""What a delivery says: `{"type": ..., "timestamp": ..., "data": {...}}`.

- `type`: the event's type (`product.price_changed`).
- `timestamp`: when the event occurred (ISO 8601, UTC).
- `data` of a product event: `productId` (the product's global ID, as `node(id:)` takes
  it), `changedFields`, and `product`: the product as it is when the delivery is made
  (like a subscription's payload: a receiver that applies every delivery ends with the
  current state), or null once it is deleted.
- `data` of an order event: `orderId`, `number`, `status` (the status the event recorded),
  `total`, `currency`, `customerId` (the customer's global ID) and `changedFields`.

Global IDs are the API's (base64 of `<GraphQL type>:<primary key>`): written out here
because the domain does not import the API; tests/domain/webhooks/test_payloads.py checks
that the API decodes them."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from domain.catalog.models import Product
from domain.events.models import OrderEvent, ProductEvent
from domain.orders.models import Order
from domain.webhooks.models import EventStream


def public_id(type_name: str, pk: int) -> str:
    """The API's global ID of the `type_name` object with primary key `pk`."""
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def message_id(stream: EventStream, event_pk: int) -> str:
    """The `webhook-id` of an event: unique across both logs, the same on every attempt."""
    return f"evt_{stream.value}_{event_pk}"


@dataclass(frozen=True)
class Message:
    stream: EventStream
    event_pk: int
    id: str
    type: str
    body: bytes


def _product_data(event: ProductEvent) -> dict[str, Any]:
    product = (
        Product.objects.filter(pk=event.product_id).select_related("category").first()
    )  # `objects` leaves out deleted products
    return {
        "productId": public_id("Product", event.product_id),
        "changedFields": list(event.changed_fields),
        "product": None
        if product is None
        else {
            "id": public_id("Product", product.pk),
            "name": product.name,
            "slug": product.slug,
            "price": str(product.price),
            "currency": product.currency,
            "stock": product.stock,
            "isPublished": product.is_published,
            "category": {
                "id": public_id("Category", product.category_id),
                "slug": product.category.slug,
            },
        },
    }


def _order_data(event: OrderEvent) -> dict[str, Any]:
    order = Order.objects.filter(pk=event.order_id).only("number", "total", "currency").first()
    return {
        "orderId": public_id("Order", event.order_id),
        "number": order.number if order else None,
        "status": event.status,
        "total": str(order.total) if order else None,
        "currency": order.currency if order else None,
        "customerId": public_id("User", event.owner_id),
        "changedFields": list(event.changed_fields),
    }


def message_of(event: ProductEvent | OrderEvent) -> Message:
    if isinstance(event, ProductEvent):
        stream, data = EventStream.PRODUCT, _product_data(event)
    else:
        stream, data = EventStream.ORDER, _order_data(event)
    payload = {
        "type": event.type,
        "timestamp": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "data": data,
    }
    return Message(
        stream=stream,
        event_pk=event.pk,
        id=message_id(stream, event.pk),
        type=event.type,
        body=json.dumps(payload, separators=(",", ":")).encode(),
    )
