"""Recording events: called by the catalog and order services inside their transaction,
so a change and its event commit, or roll back, together.

Event ids are handed out in commit order: on PostgreSQL an event-writing transaction takes
one transaction-scoped advisory lock before its first event row and keeps it until it
commits. So when event N is visible, every event below N is visible too (or was rolled
back), and "everything after cursor N" is exact. Services record their events after
taking their row locks, so the lock is the last one taken and is held only for the end of
the transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection

from domain.common.read_version import catalog_change_record
from domain.events.category_membership import category_change_events_insert, product_event_insert
from domain.events.models import OrderEvent, OrderEventType, ProductEvent, ProductEventType
from domain.events.publishing import publish_all_on_commit, publish_on_commit

EVENT_ORDER_LOCK = 0x5EE_0001  # an arbitrary, project-wide advisory lock key


def _take_event_order_lock() -> None:
    if connection.vendor == "postgresql":  # SQLite has one writer at a time anyway
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EVENT_ORDER_LOCK])


def product_event_record(
    *,
    product: Any,
    type: ProductEventType,
    changed_fields: Iterable[str] = (),
    was_public: bool | None = None,
    previous_category_id: int | None = None,
) -> ProductEvent:
    """`was_public`: whether customers could see the product just before (for UNPUBLISHED
    and DELETED they then learn that it went away); not given, the same as now.

    Every event is a change, so this is where product writes note it for the catalog's
    read version (domain/common/read_version.py): it moves when anonymous readers could
    see the product before or after."""
    public_now = product.is_public
    _take_event_order_lock()
    event = product_event_insert(
        ProductEvent(
            type=type,
            product_id=product.pk,
            category_id=product.category_id,
            previous_category_id=(
                previous_category_id if previous_category_id != product.category_id else None
            ),
            is_public=public_now or bool(was_public),
            changed_fields=sorted(changed_fields),
        )
    )
    # First: a client re-reading on the event must not get the old answer.
    catalog_change_record(
        was_public=public_now if was_public is None else was_public, is_public=public_now
    )
    publish_on_commit(event)
    return event


def category_change_events_record(
    *, category_id: int, renamed: bool, moved: bool, former_parent_id: int | None = None
) -> list[ProductEvent]:
    """The product events of a category change, in one statement (see
    domain/events/category_membership.py): UPDATED with `changed_fields` ["category"] for
    every live product whose shown category changed (`renamed`: a new name or slug; those
    directly in it) or whose subtrees changed (`moved`, from under `former_parent_id`, None
    for a root: those in it and in its subcategories). Neither: nothing.

    The catalog's read version is the caller's (a category is public: its write moves it,
    before these events are published)."""
    if not (renamed or moved):
        return []
    _take_event_order_lock()
    events = category_change_events_insert(
        category_id=category_id,
        subtree=moved,
        former_parent_id=former_parent_id if moved else None,
        changed_fields=["category"],
    )
    publish_all_on_commit(events)
    return events


def order_event_record(
    *, order: Any, type: OrderEventType, changed_fields: Iterable[str] = ()
) -> OrderEvent:
    _take_event_order_lock()
    event = OrderEvent.objects.create(
        type=type,
        order_id=order.pk,
        owner_id=order.customer_id,
        status=order.status,
        changed_fields=sorted(changed_fields),
    )
    publish_on_commit(event)
    return event
