"""Catalog selectors: who sees which products and reviews, and the storefront filters."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from domain.catalog import product_filters, selectors
from domain.catalog.models import Favorite, Product, Review
from tests.factories import make_category, make_product, make_review, make_staff, make_user

pytestmark = pytest.mark.django_db

VIEWERS = ["anonymous", "customer", "staff"]


def _viewer(kind: str):
    return {"anonymous": AnonymousUser, "customer": make_user, "staff": make_staff}[kind]()


@pytest.fixture
def catalog():
    return {
        "live": make_product(name="Live"),
        "draft": make_product(name="Draft", is_published=False),
    }


@pytest.mark.parametrize(
    ("viewer", "code"),
    [("anonymous", "unauthenticated"), ("customer", "permission_denied")],
)
def test_unpublished_products_are_refused_to_non_staff(catalog, viewer, code):
    # given a viewer who is not staff
    # when they ask for unpublished products too
    with pytest.raises(ValidationError) as raised:
        selectors.product_list_visible_to(user=_viewer(viewer), include_unpublished=True)
    # then the selector refuses, naming what was refused
    assert raised.value.code == code
    assert "list unpublished products" in raised.value.messages[0]


def test_staff_may_list_unpublished_products(catalog):
    # given / when
    products = selectors.product_list_visible_to(user=make_staff(), include_unpublished=True)
    # then
    assert sorted(products.values_list("name", flat=True)) == ["Draft", "Live"]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_storefront_list_is_the_published_products(catalog, viewer):
    # given / when
    products = selectors.product_list_visible_to(user=_viewer(viewer))
    # then
    assert list(products.values_list("name", flat=True)) == ["Live"]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_reviews_of_hidden_products_are_hidden(catalog, viewer):
    # given a review on the live product and one on the draft
    make_review(product=catalog["live"], title="On live")
    make_review(product=catalog["draft"], title="On draft")
    # when
    reviews = selectors.review_restrict_to_visible(Review.objects.all(), user=_viewer(viewer))
    # then staff see both, anyone else only the live product's
    expected = ["On draft", "On live"] if viewer == "staff" else ["On live"]
    assert sorted(reviews.values_list("title", flat=True)) == expected


@pytest.mark.parametrize(("in_stock", "expected"), [(True, ["Stocked"]), (False, ["Empty"])])
def test_in_stock_condition_splits_on_zero(in_stock, expected):
    # given
    make_product(name="Stocked", stock=3)
    make_product(name="Empty", stock=0)
    # when
    products = Product.objects.filter(product_filters.product_condition_in_stock(in_stock=in_stock))
    # then
    assert list(products.values_list("name", flat=True)) == expected


@pytest.mark.parametrize("min_rating", [-0.1, 5.1])
def test_min_rating_outside_zero_to_five_is_refused_on_its_argument(min_rating):
    # given / when
    with pytest.raises(ValidationError) as raised:
        product_filters.product_condition_min_rating(min_rating=min_rating)
    # then
    assert {
        field: [e.code for e in errors] for field, errors in raised.value.error_dict.items()
    } == {"min_rating": ["invalid"]}


def test_category_condition_includes_descendants():
    # given a parent with a child category, and an unrelated one
    parent = make_category()
    make_product(name="In child", category=make_category(parent=parent))
    make_product(name="Elsewhere")
    # when
    products = Product.objects.filter(
        product_filters.product_condition_in_categories(category_ids=[parent.pk])
    )
    # then
    assert list(products.values_list("name", flat=True)) == ["In child"]


def test_favourite_condition_needs_a_signed_in_user():
    # given / when / then
    with pytest.raises(ValidationError) as raised:
        product_filters.product_condition_favorite_of(user=AnonymousUser(), is_favorite=True)
    assert raised.value.code == "unauthenticated"


@pytest.mark.parametrize(("is_favorite", "expected"), [(True, ["Liked"]), (False, ["Other"])])
def test_favourite_condition_selects_the_users_favourites_or_the_rest(is_favorite, expected):
    # given
    user = make_user()
    Favorite.objects.create(user=user, product=make_product(name="Liked"))
    make_product(name="Other")
    # when
    products = Product.objects.filter(
        product_filters.product_condition_favorite_of(user=user, is_favorite=is_favorite)
    )
    # then
    assert list(products.values_list("name", flat=True)) == expected
