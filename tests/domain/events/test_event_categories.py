"""Which category filters a product event matches: a filter takes a category's whole
subtree; the Python predicate (live messages) and its SQL (replays) agree."""

from __future__ import annotations

import pytest

from domain.catalog import services
from domain.events.models import ProductEvent, ProductEventType
from domain.events.publishing import product_event_message
from domain.events.selectors import (
    product_event_in_categories,
    product_event_restrict_to_categories,
)
from tests.factories import make_category, make_product, make_staff

pytestmark = pytest.mark.django_db


def _matches(event: ProductEvent, category_ids: list[int]) -> tuple[bool, bool]:
    live = product_event_in_categories(
        message=product_event_message(event), category_ids=category_ids
    )
    replayed = product_event_restrict_to_categories(
        ProductEvent.objects.filter(pk=event.pk), category_ids=category_ids
    ).exists()
    return live, replayed


def test_a_product_event_names_its_category_and_every_ancestor():
    # given Home > Lamps > Desk, a product in Desk
    home = make_category()
    lamps = make_category(parent=home)
    desk = make_category(parent=lamps)
    product = make_product(category=desk)
    # when its stock changes
    services.stock_adjust(actor=make_staff(), product_id=product.pk, delta=1)
    # then a filter on any of the three matches it, and on another category not
    event = ProductEvent.objects.get()
    assert sorted(map(int, event.categories)) == sorted([home.pk, lamps.pk, desk.pk])
    for category in (home, lamps, desk):
        assert _matches(event, [category.pk]) == (True, True)
    assert _matches(event, [make_category().pk]) == (False, False)


def test_a_moved_product_names_the_subtrees_it_left_and_entered():
    old_root, new_root = make_category(), make_category()
    old, new = make_category(parent=old_root), make_category(parent=new_root)
    product = make_product(category=old)
    services.product_update(actor=make_staff(), product_id=product.pk, category_id=new.pk)
    event = ProductEvent.objects.get(type=ProductEventType.UPDATED)
    assert sorted(map(int, event.categories)) == sorted([old_root.pk, old.pk, new_root.pk, new.pk])
    assert _matches(event, [old_root.pk]) == _matches(event, [new_root.pk]) == (True, True)


@pytest.mark.parametrize("filter_on", ["own", "previous", "other"])
def test_an_event_recorded_before_categories_were_kept_matches_its_own_categories(filter_on):
    # given a row without `categories` (as recorded before they were kept)
    event = ProductEvent.objects.create(
        type=ProductEventType.UPDATED,
        product_id=1,
        category_id=10,
        previous_category_id=20,
        is_public=True,
    )
    category_id = {"own": 10, "previous": 20, "other": 30}[filter_on]
    # then the live predicate and the replay agree
    expected = filter_on != "other"
    assert _matches(event, [category_id]) == (expected, expected)
