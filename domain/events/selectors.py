"""Reading the event log: what a resuming subscriber missed."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import Q, QuerySet

from domain.common.permissions import StaffScope, is_staff
from domain.events.models import OrderEvent, ProductEvent

MAX_REPLAY = 10_000


class ReplayTooLong(Exception):
    """More events to replay than MAX_REPLAY: the client must reload and start afresh."""


def _capped(events: list) -> list:
    if len(events) > MAX_REPLAY:
        raise ReplayTooLong(f"more than {MAX_REPLAY} events to replay")
    return events


# Who may receive a product event: staff every one; anyone else only the public ones (the
# product was published before or after the change, see ProductEvent.is_public). The rule,
# in Python for live messages and in SQL for replays, side by side so they cannot drift
# (tests/domain/events/test_event_visibility.py checks that they agree).


def product_event_visible_to(*, is_public: bool, viewer: Any) -> bool:
    """Whether `viewer` may receive an event whose row (or live message) says `is_public`."""
    return is_public or is_staff(viewer, StaffScope.CATALOG_READ)


def product_event_restrict_to_visible(
    events: QuerySet[ProductEvent], *, viewer: Any
) -> QuerySet[ProductEvent]:
    """`product_event_visible_to` as a filter of event rows."""
    return events if is_staff(viewer, StaffScope.CATALOG_READ) else events.filter(is_public=True)


# Which category filters a product event matches: a filter on a category takes the
# products of its whole subtree (its subcategories, all levels down), and an event names
# every category whose subtree held the product before or after the change (`categories`,
# domain/events/category_membership.py). In Python for live messages and in SQL for
# replays, side by side (tests/domain/events/test_event_categories.py checks that they
# agree). Events recorded before `categories` was kept match their own category and the
# one they left.


def product_event_in_categories(*, message: dict[str, Any], category_ids: Collection[int]) -> bool:
    """Whether the event of this live message concerns one of `category_ids`' subtrees."""
    held = {message.get("category_id"), message.get("previous_category_id")}
    held.update(message.get("categories") or ())
    return not held.isdisjoint(category_ids)


def product_event_restrict_to_categories(
    events: QuerySet[ProductEvent], *, category_ids: Collection[int]
) -> QuerySet[ProductEvent]:
    """`product_event_in_categories` as a filter of event rows."""
    return events.filter(
        Q(categories__has_any_keys=[str(pk) for pk in category_ids])
        | Q(category_id__in=category_ids)
        | Q(previous_category_id__in=category_ids)
    )


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
        events = product_event_restrict_to_categories(events, category_ids=category_ids)
    if types:
        events = events.filter(type__in=types)
    events = product_event_restrict_to_visible(events, viewer=viewer)
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
