"""The database itself refuses rows that break the catalog's rules (PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from domain.catalog.models import Category, Product, Review
from tests.factories import make_category, make_product, make_review, make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _refused(constraint: str, write) -> None:
    """`write` fails in the database, and the constraint PostgreSQL names contains `constraint`."""
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        write()
    assert constraint in (raised.value.__cause__.diag.constraint_name or "")


def test_negative_stock_is_refused_by_the_database():
    # given
    product = make_product(stock=3)
    # when / then
    _refused(
        "product_stock_not_negative",
        lambda: Product.objects.filter(pk=product.pk).update(stock=-1),
    )
    product.refresh_from_db()
    assert product.stock == 3


def test_negative_price_is_refused_by_the_database():
    product = make_product(price=Decimal("5.00"))
    _refused(
        "product_price_not_negative",
        lambda: Product.objects.filter(pk=product.pk).update(price=Decimal("-0.01")),
    )


def test_lower_case_currency_is_refused_by_the_database():
    product = make_product()
    _refused(
        "product_currency_iso_4217",
        lambda: Product.objects.filter(pk=product.pk).update(currency="eur"),
    )


@pytest.mark.parametrize("rating", [0, 6])
def test_rating_outside_1_to_5_is_refused_by_the_database(rating: int):
    product = make_product()
    _refused(
        "review_rating_1_to_5",
        lambda: make_review(product=product, author=make_user(), rating=rating, title="x"),
    )


def test_second_review_by_the_same_author_is_refused_by_the_database():
    # given
    author = make_user()
    product = make_product()
    make_review(product=product, author=author)
    # when / then
    _refused(
        "review_one_per_author",
        lambda: make_review(product=product, author=author, rating=3, title="again"),
    )
    assert Review.objects.filter(product=product).count() == 1


def test_duplicate_product_slug_is_refused_by_the_database():
    make_product(slug="same-slug")
    _refused("catalog_product_slug", lambda: make_product(slug="same-slug"))


def test_duplicate_slug_of_a_deleted_product_is_still_refused():
    product = make_product(slug="gone")
    Product.objects.filter(pk=product.pk).update(deleted_at=product.created_at)
    _refused("catalog_product_slug", lambda: make_product(slug="gone"))


def test_duplicate_category_slug_is_refused_by_the_database():
    make_category(slug="shoes")
    _refused("catalog_category_slug", lambda: make_category(slug="shoes"))


def test_category_as_its_own_parent_is_refused_by_the_database():
    category = make_category()
    # the cycle trigger fires before the row check; either way the database says no
    _refused("category_no", lambda: Category.objects.filter(pk=category.pk).update(parent=category))
    category.save()  # the row itself is untouched and still writable


def test_category_as_its_own_ancestor_is_refused_by_the_database():
    # given a chain root > middle > leaf
    root = make_category()
    middle = make_category(parent=root)
    leaf = make_category(parent=middle)
    # when root is moved under its own grandchild / then
    _refused("category_no_cycle", lambda: Category.objects.filter(pk=root.pk).update(parent=leaf))
    root.refresh_from_db()
    assert root.parent_id is None


def test_category_as_its_own_ancestor_fails_model_validation():
    root = make_category()
    leaf = make_category(parent=make_category(parent=root))
    root.parent = leaf
    with pytest.raises(ValidationError) as raised:
        root.full_clean()
    assert raised.value.message_dict == {"parent": ["A category cannot be its own ancestor."]}


def test_only_a_deleted_product_may_lose_its_category():
    # given
    live = make_product()
    deleted = make_product(deleted_at="2026-01-01T00:00:00Z")
    # when / then
    _refused(
        "product_live_has_category",
        lambda: Product.all_objects.filter(pk=live.pk).update(category=None),
    )
    Product.all_objects.filter(pk=deleted.pk).update(category=None)
