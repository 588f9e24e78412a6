"""Reading the event log: what a resuming subscriber missed."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import Q

from domain.events.models import OrderEvent, ProductEvent

MAX_REPLAY = 10_000


class ReplayTooLong(Exception):
    """More events to replay than MAX_REPLAY: the client must reload and start afresh."""


def _capped(events: list) -> list:
    if len(events) > MAX_REPLAY:
        raise ReplayTooLong(f"more than {MAX_REPLAY} events to replay")
    return events


def product_events_after(
    *,
    after_id: int,
    viewer: Any,
    product_ids: Collection[int] = (),
    category_ids: Collection[int] = (),
    types: Collection[str] = (),
) -> list[ProductEvent]:
    """Events after `after_id` that match the filters and that `viewer` may receive, oldest
    first (at most MAX_REPLAY)."""
    events = ProductEvent.objects.filter(id__gt=after_id)
    if product_ids:
        events = events.filter(product_id__in=product_ids)
    if category_ids:
        events = events.filter(
            Q(category_id__in=category_ids) | Q(previous_category_id__in=category_ids)
        )
    if types:
        events = events.filter(type__in=types)
    if not (viewer is not None and viewer.is_authenticated and viewer.is_staff):
        events = events.filter(is_public=True)
    return _capped(list(events.order_by("id")[: MAX_REPLAY + 1]))


def order_events_after(*, after_id: int, owner: Any) -> list[OrderEvent]:
    """`owner`'s order events after `after_id`, oldest first."""
    return _capped(
        list(
            OrderEvent.objects.filter(id__gt=after_id, owner_id=owner.pk).order_by("id")[
                : MAX_REPLAY + 1
            ]
        )
    )


def product_event_latest_id() -> int:
    """The newest committed product event (0 when there is none): a live-only subscription
    starts after it."""
    return ProductEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def order_event_latest_id() -> int:
    return OrderEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
