"""Reads: who may see endpoints and deliveries, and what an endpoint has still to receive
from the event log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from domain.common.permissions import StaffScope, is_staff
from domain.events.models import OrderEvent, OrderEventType, ProductEvent, ProductEventType
from domain.webhooks.models import EventStream, WebhookDelivery, WebhookEndpoint

STREAM_MODELS: dict[EventStream, type[ProductEvent] | type[OrderEvent]] = {
    EventStream.PRODUCT: ProductEvent,
    EventStream.ORDER: OrderEvent,
}
STREAM_TYPES: dict[EventStream, frozenset[str]] = {
    EventStream.PRODUCT: frozenset(ProductEventType.values),
    EventStream.ORDER: frozenset(OrderEventType.values),
}


def webhook_restrict_to_visible(
    queryset: QuerySet[WebhookEndpoint], *, user: Any
) -> QuerySet[WebhookEndpoint]:
    """Staff holding WEBHOOKS_MANAGE see every endpoint; nobody else any."""
    return queryset if is_staff(user, StaffScope.WEBHOOKS_MANAGE) else queryset.none()


def webhook_delivery_restrict_to_visible(
    queryset: QuerySet[WebhookDelivery], *, user: Any
) -> QuerySet[WebhookDelivery]:
    return queryset if is_staff(user, StaffScope.WEBHOOKS_MANAGE) else queryset.none()


def webhook_due_ids(*, now: Any) -> list[int]:
    """Active endpoints with no retry waiting for a later time, oldest first."""
    return list(
        WebhookEndpoint.objects.filter(is_active=True)
        .exclude(next_attempt_at__gt=now)
        .order_by("id")
        .values_list("id", flat=True)
    )


def event_latest_id(stream: EventStream) -> int:
    model = STREAM_MODELS[stream]
    return model.objects.order_by("-id").values_list("id", flat=True).first() or 0


@dataclass
class Pending:
    """What an endpoint has to receive next: `event` (None: nothing yet), and the cursors
    it may move to meanwhile because nothing of its types lies before them."""

    event: ProductEvent | OrderEvent | None = None
    stream: EventStream | None = None
    skip_to: dict[EventStream, int] = field(default_factory=dict)


def webhook_pending(*, endpoint: WebhookEndpoint) -> Pending:
    """The endpoint's next event: the first of its types after its cursor in each log, the
    earlier of the two by time (each log is read in id order, which is commit order: see
    domain/events/services.py). A log with nothing of its types up to its newest event
    lets the cursor move to that event, so a type added later starts from then.

    The newest id is read before the endpoint's events, so an event that commits between
    the two reads is never skipped: it lies above the id the cursor may move to."""
    pending = Pending()
    heads: list[tuple[Any, EventStream, ProductEvent | OrderEvent]] = []
    for stream, model in STREAM_MODELS.items():
        latest = event_latest_id(stream)
        cursor = endpoint.cursor(stream)
        if latest <= cursor:
            continue
        types = [t for t in endpoint.events if t in STREAM_TYPES[stream]]
        event = (
            model.objects.filter(id__gt=cursor, id__lte=latest, type__in=types)
            .order_by("id")
            .first()
            if types
            else None
        )
        if event is None:
            pending.skip_to[stream] = latest
        else:
            heads.append((event.occurred_at, stream, event))
    if heads:
        # The earlier by time; at the same moment the product event (an order's stock
        # changes are recorded before the order itself).
        _, pending.stream, pending.event = min(
            heads, key=lambda head: (head[0], head[1] != EventStream.PRODUCT)
        )
    return pending
