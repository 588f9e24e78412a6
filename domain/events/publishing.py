"""From the event log to the channel layer: after commit, and from the backlog.

A change commits with its event row; only then is the event published. If publishing
fails (Redis down), the row stays unpublished and the relay (`manage.py relay_events`,
or the `event_backlog_relay` Celery beat task) publishes the backlog in order later.
Subscribers that missed anything catch up by cursor from the log."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from domain.events.models import OrderEvent, ProductEvent
from domain.events.signals import events_published
from realtime import bus

logger = logging.getLogger("domain.events")


def product_event_category_ids(event: ProductEvent) -> list[int]:
    """Every category whose subtree held the product just before or after the change
    (domain/events/category_membership.py); an event recorded before those were kept
    names its own category and the one it left only."""
    ids = {int(key) for key in event.categories or {}}
    ids.update(pk for pk in (event.category_id, event.previous_category_id) if pk is not None)
    return sorted(ids)


def product_event_message(event: ProductEvent) -> dict[str, Any]:
    return {
        "stream": bus.Stream.PRODUCT,
        "id": event.pk,
        "type": event.type,
        "product_id": event.product_id,
        "category_id": event.category_id,
        "previous_category_id": event.previous_category_id,
        "categories": product_event_category_ids(event),
        "public": event.is_public,
        "changed_fields": event.changed_fields,
        "occurred_at": event.occurred_at.isoformat(),
    }


def order_event_message(event: OrderEvent) -> dict[str, Any]:
    return {
        "stream": bus.Stream.ORDER,
        "id": event.pk,
        "type": event.type,
        "order_id": event.order_id,
        "owner_id": event.owner_id,
        "status": event.status,
        "changed_fields": event.changed_fields,
        "occurred_at": event.occurred_at.isoformat(),
    }


_MODELS_BY_STREAM: dict[bus.Stream, type[ProductEvent] | type[OrderEvent]] = {
    bus.Stream.PRODUCT: ProductEvent,
    bus.Stream.ORDER: OrderEvent,
}


def event_messages_since(
    *, stream: bus.Stream, after_id: int, limit: int
) -> list[tuple[list[str], dict[str, Any]]]:
    """(groups, message) of the committed events of `stream` after
    `after_id`, oldest first, at most `limit`: what their live messages said, or would have
    said if publishing failed."""
    events = _MODELS_BY_STREAM[stream].objects.filter(id__gt=after_id).order_by("id")[:limit]
    return [_groups_and_message(event) for event in events]


def _groups_and_message(event: ProductEvent | OrderEvent) -> tuple[list[str], dict[str, Any]]:
    if isinstance(event, ProductEvent):
        groups = [bus.ALL_PRODUCTS_GROUP, bus.product_group(event.product_id)]
        groups.extend(bus.category_group(pk) for pk in product_event_category_ids(event))
        return groups, product_event_message(event)
    return [bus.user_orders_group(event.owner_id)], order_event_message(event)


def _sent(event: ProductEvent | OrderEvent) -> bool:
    groups, message = _groups_and_message(event)
    try:
        bus.publish(groups, message)
    except Exception:
        logger.warning(
            "event %s %s not published; left for the relay", event.type, event.pk, exc_info=True
        )
        return False
    return True


def event_publish(event: ProductEvent | OrderEvent) -> bool:
    """Publish one event and mark it published; False (and the row left in the backlog)
    when the layer cannot be reached."""
    if not _sent(event):
        return False
    type(event).objects.filter(pk=event.pk).update(published_at=timezone.now())
    events_published.send(sender=type(event))
    return True


def events_publish(events: list[ProductEvent]) -> int:
    """Publish `events` in order, stopping at the first that cannot be (it and the rest
    stay in the backlog, for the relay), and mark those sent in one statement. Returns
    how many were."""
    sent = []
    for event in events:
        if not _sent(event):
            break
        sent.append(event.pk)
    if sent:
        ProductEvent.objects.filter(pk__in=sent).update(published_at=timezone.now())
        events_published.send(sender=ProductEvent)
    return len(sent)


def publish_on_commit(event: ProductEvent | OrderEvent) -> None:
    """Publish after the surrounding transaction commits (never if it rolls back)."""
    transaction.on_commit(lambda: event_publish(event), robust=True)


def publish_all_on_commit(events: list[ProductEvent]) -> None:
    """`publish_on_commit` for many events of one transaction (see `events_publish`)."""
    if events:
        transaction.on_commit(lambda: events_publish(events), robust=True)


def event_backlog_relay(*, limit: int = 1000) -> int:
    """Publish unpublished events, oldest first, stopping at the first failure so order is
    kept. Returns how many were published."""
    published = 0
    for model in (ProductEvent, OrderEvent):
        for event in model.objects.filter(published_at__isnull=True).order_by("id")[:limit]:
            if not event_publish(event):
                return published
            published += 1
    return published


def event_retention() -> timedelta:
    return timedelta(seconds=settings.EVENT_RETENTION)


def event_log_prune() -> int:
    """Delete events older than EVENT_RETENTION. Returns how many."""
    cutoff = timezone.now() - event_retention()
    deleted = 0
    for model in (ProductEvent, OrderEvent):
        count, _ = model.objects.filter(occurred_at__lt=cutoff).delete()
        deleted += count
    return deleted
