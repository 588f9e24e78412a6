"""Category changes reach the product streams: which products get an event, which
categories each names, and what it costs."""

from __future__ import annotations

import pytest
from django.utils import timezone

from domain.catalog import services
from domain.catalog.models import Product
from domain.events.models import ProductEvent
from tests.factories import make_category, make_product, make_staff
from tests.support.graphql import execute, operation_document
from tests.support.ids import global_id

pytestmark = pytest.mark.django_db

CATEGORY_UPDATE = operation_document("backoffice", "CategoryUpdate")


def _events() -> list[tuple[str, int, list[str], bool, list[int]]]:
    """(type, product, changed fields, public, categories) of every product event."""
    return [
        (e.type, e.product_id, e.changed_fields, e.is_public, sorted(map(int, e.categories)))
        for e in ProductEvent.objects.order_by("id")
    ]


def test_a_rename_records_an_update_for_each_live_product_directly_in_it():
    # given Home > Lamps > Desk, with a published, a draft and a deleted product in
    # Lamps and one in Desk
    home = make_category(name="Home")
    lamps = make_category(name="Lamps", parent=home)
    desk = make_category(name="Desk", parent=lamps)
    published = make_product(category=lamps)
    draft = make_product(category=lamps, is_published=False)
    gone = make_product(category=lamps)
    Product.all_objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    make_product(category=desk)
    # when
    services.category_update(actor=make_staff(), category_id=lamps.pk, name="Lights")
    # then: the two live ones it holds directly, the draft's for staff only
    path = sorted([home.pk, lamps.pk])
    assert _events() == [
        ("product.updated", published.pk, ["category"], True, path),
        ("product.updated", draft.pk, ["category"], False, path),
    ]


def test_a_new_slug_alone_is_a_change_products_show():
    category = make_category()
    product = make_product(category=category)
    services.category_update(actor=make_staff(), category_id=category.pk, slug="new-slug")
    assert [(e[0], e[1]) for e in _events()] == [("product.updated", product.pk)]


def test_a_move_records_an_update_for_every_product_of_the_subtree_naming_both_parents():
    # given Old > Lamps > Desk and New > Shelf
    old, new = make_category(name="Old"), make_category(name="New")
    lamps = make_category(name="Lamps", parent=old)
    desk = make_category(name="Desk", parent=lamps)
    shelf = make_category(name="Shelf", parent=new)
    in_lamps, in_desk = make_product(category=lamps), make_product(category=desk)
    # when Lamps moves under Shelf
    services.category_update(actor=make_staff(), category_id=lamps.pk, parent_id=shelf.pk)
    # then both products, each naming the subtrees it left and those it entered
    assert _events() == [
        (
            "product.updated",
            in_lamps.pk,
            ["category"],
            True,
            sorted([old.pk, new.pk, shelf.pk, lamps.pk]),
        ),
        (
            "product.updated",
            in_desk.pk,
            ["category"],
            True,
            sorted([old.pk, new.pk, shelf.pk, lamps.pk, desk.pk]),
        ),
    ]


def test_a_move_to_the_top_names_the_former_parents():
    old = make_category(name="Old")
    lamps = make_category(name="Lamps", parent=old)
    product = make_product(category=lamps)
    services.category_update(actor=make_staff(), category_id=lamps.pk, parent_id=None)
    assert _events() == [
        ("product.updated", product.pk, ["category"], True, sorted([old.pk, lamps.pk]))
    ]


def test_changes_that_no_product_shows_record_nothing():
    # given a category holding a product, and an empty one
    staff = make_staff()
    category = make_category(name="Lamps", slug="lamps", position=1)
    make_product(category=category)
    empty = make_category(name="Empty")
    # when: a create, a no-op update, a new position, a delete of the empty one
    services.category_create(actor=staff, name="Garden", parent_id=category.pk)
    services.category_update(
        actor=staff, category_id=category.pk, name="Lamps", slug="lamps", parent_id=None
    )
    services.category_update(actor=staff, category_id=category.pk, position=5)
    services.category_delete(actor=staff, category_id=empty.pk)
    # then
    assert _events() == []


def test_a_refused_update_records_nothing():
    staff = make_staff()
    make_category(slug="taken")
    category = make_category()
    make_product(category=category)
    with pytest.raises(Exception):  # noqa: B017 (the refusal itself: test_category_services)
        services.category_update(actor=staff, category_id=category.pk, name="X", slug="taken")
    assert _events() == []


def test_the_events_are_published_once_the_change_commits(django_capture_on_commit_callbacks):
    category = make_category()
    products = [make_product(category=category) for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        services.category_update(actor=make_staff(), category_id=category.pk, name="Other")
    published = ProductEvent.objects.filter(published_at__isnull=False)
    assert sorted(published.values_list("product_id", flat=True)) == [p.pk for p in products]


@pytest.mark.postgres
@pytest.mark.parametrize("products", [1, 40])
def test_a_rename_costs_seven_queries_whatever_the_number_of_products(
    products, django_assert_num_queries
):
    # given a category holding `products` products
    staff = make_staff()
    category = make_category(parent=make_category())
    Product.objects.bulk_create(
        Product(name=f"P{n}", slug=f"p-{n}", price=1, category=category) for n in range(products)
    )
    variables = {"id": global_id("Category", category.pk), "input": {"name": "Renamed"}}
    # when it is renamed; then: savepoint, the row locked, its update, the event-order
    # lock, one INSERT of every event, release, and the payload's parent
    with django_assert_num_queries(7):
        result = execute(CATEGORY_UPDATE, variables, viewer=staff)
    assert result["data"]["categoryUpdate"]["errors"] == []
    assert ProductEvent.objects.count() == products
