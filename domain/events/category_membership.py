"""Which category subtrees a product event concerns, worked out by the statement that
inserts it.

A subscriber filtered by a category hears of the products in it and in all its
subcategories (as the catalog's `category` and `categorySlug` filters answer). So a product
event records in `ProductEvent.categories` every category whose subtree held the product
just before or just after the change: its category and that category's ancestors, and,
where the change moved it, those it left. They are keys of a JSON object (`{"7": true}`)
so that a replay filters them with `has_any_keys` on PostgreSQL and SQLite alike.

The tree is read by the INSERT itself, after the event-order lock (domain/events/services.py)
and so after every earlier event-writing transaction has committed: a product moved while
its category moves is recorded with the tree as it is once the other change committed.

Two statements: one event (`product_event_insert`), and the events of a category change
(`category_change_events_insert`): one row for every live product whose category's data or
place changed, in one INSERT … SELECT, whatever their number.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.utils import timezone

from domain.catalog.models import Category, Product
from domain.events.models import ProductEvent, ProductEventType

_AGGREGATES = {  # the ids of `held(id)` as a JSON object {"<id>": true}
    "postgresql": "jsonb_object_agg(CAST(held.id AS text), true)",
    "sqlite": "json_group_object(CAST(held.id AS text), json('true'))",
}
# Set by the SQL (or the database): the rest of an event's columns, in this order.
_COLUMNS = ("type", "product_id", "category_id", "previous_category_id", "is_public")


def _aggregate() -> str:
    try:
        return _AGGREGATES[connection.vendor]
    except KeyError:
        raise NotImplementedError(f"no category membership SQL for {connection.vendor}") from None


def _names() -> dict[str, str]:
    quote = connection.ops.quote_name
    return {
        "event": quote(ProductEvent._meta.db_table),
        "category": quote(Category._meta.db_table),
        "product": quote(Product._meta.db_table),
        "columns": ", ".join(
            quote(ProductEvent._meta.get_field(name).column)
            for name in ("occurred_at", "changed_fields", *_COLUMNS, "categories")
        ),
        "held": _aggregate(),
    }


def _prepared(event: ProductEvent) -> list[Any]:
    """The values of `occurred_at` and `changed_fields` as the database takes them."""
    return [
        ProductEvent._meta.get_field(name).get_db_prep_save(getattr(event, name), connection)
        for name in ("occurred_at", "changed_fields")
    ]


def _categories(value: Any) -> dict[str, bool]:
    return json.loads(value) if isinstance(value, str) else dict(value or {})


_ONE_SQL = """
WITH RECURSIVE up(id, parent_id) AS (
    SELECT id, parent_id FROM {category} WHERE id IN (%s, %s)
  UNION
    SELECT parent.id, parent.parent_id FROM {category} parent JOIN up ON parent.id = up.parent_id
)
INSERT INTO {event} ({columns})
VALUES (%s, %s, %s, %s, %s, %s, %s,
        COALESCE((SELECT {held} FROM up held), '{{}}'))
RETURNING id, categories
"""


def product_event_insert(event: ProductEvent) -> ProductEvent:
    """Insert `event` (unsaved) with its categories: those of `category_id` and of
    `previous_category_id` with their ancestors. Returns it, saved."""
    event.occurred_at = event.occurred_at or timezone.now()
    values = [getattr(event, name) for name in _COLUMNS]
    with connection.cursor() as cursor:
        cursor.execute(
            _ONE_SQL.format(**_names()),
            [event.category_id, event.previous_category_id, *_prepared(event), *values],
        )
        event.pk, categories = cursor.fetchone()
    event.categories = _categories(categories)
    event._state.adding = False
    event._state.db = connection.alias
    return event


_CATEGORY_CHANGE_SQL = """
WITH RECURSIVE
changed(id) AS (  -- the category and (a move) its subcategories, all levels down
    SELECT id FROM {category} WHERE id = %s
  UNION
    SELECT child.id FROM {category} child JOIN changed ON child.parent_id = changed.id
     WHERE %s
),
up(start_id, id, parent_id) AS (  -- each of them with its ancestors, as the tree is now
    SELECT id, id, parent_id FROM {category} WHERE id IN (SELECT id FROM changed)
  UNION
    SELECT up.start_id, parent.id, parent.parent_id
      FROM {category} parent JOIN up ON parent.id = up.parent_id
),
left_behind(id, parent_id) AS (  -- a move: the former parent with its ancestors
    SELECT id, parent_id FROM {category} WHERE id = %s
  UNION
    SELECT parent.id, parent.parent_id
      FROM {category} parent JOIN left_behind ON parent.id = left_behind.parent_id
),
paths(category_id, categories) AS (
    SELECT held.start_id, {held}
      FROM (SELECT start_id, id FROM up
            UNION
            SELECT changed.id, left_behind.id FROM changed CROSS JOIN left_behind) held
     GROUP BY held.start_id
)
INSERT INTO {event} ({columns})
SELECT %s, %s, %s, product.id, product.category_id, CAST(NULL AS bigint),
       product.is_published, paths.categories
  FROM {product} product JOIN paths ON paths.category_id = product.category_id
 WHERE product.deleted_at IS NULL
 ORDER BY product.id
RETURNING id, product_id, category_id, is_public, categories
"""


def category_change_events_insert(
    *, category_id: int, subtree: bool, former_parent_id: int | None, changed_fields: list[str]
) -> list[ProductEvent]:
    """Insert an UPDATED event for every live product of category `category_id` (with
    `subtree`, also of its subcategories, all levels down), each with its categories as
    the tree is now plus `former_parent_id` and its ancestors (a move: the subtrees the
    product left). Public when the product is published. One statement; the events in
    id order."""
    template = ProductEvent(
        type=ProductEventType.UPDATED, changed_fields=changed_fields, occurred_at=timezone.now()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            _CATEGORY_CHANGE_SQL.format(**_names()),
            [category_id, subtree, former_parent_id, *_prepared(template), template.type],
        )
        rows = cursor.fetchall()
    events = []
    for pk, product_id, own_category_id, is_public, categories in sorted(rows):
        event = ProductEvent(
            pk=pk,
            type=template.type,
            product_id=product_id,
            category_id=own_category_id,
            is_public=bool(is_public),
            changed_fields=changed_fields,
            occurred_at=template.occurred_at,
            categories=_categories(categories),
        )
        event._state.adding = False
        event._state.db = connection.alias
        events.append(event)
    return events
