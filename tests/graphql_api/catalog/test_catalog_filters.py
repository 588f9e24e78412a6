from __future__ import annotations

from decimal import Decimal

import pytest

from domain.catalog.models import Product
from tests.factories import make_category, make_favorite, make_product, make_user
from tests.support.graphql import error_codes, execute
from tests.support.ids import global_id

pytestmark = pytest.mark.django_db

QUERY = """query ($filters: ProductFilter) {
  products(first: 50, filters: $filters, ordering: [{name: ASC}]) { edges { node { name } } }
}"""


@pytest.fixture
def catalog():
    furniture = make_category(name="Furniture", slug="furniture")
    chairs = make_category(name="Chairs", slug="chairs", parent=furniture)
    office = make_category(name="Office chairs", slug="office-chairs", parent=chairs)
    garden = make_category(name="Garden", slug="garden")
    make_product(name="Armchair", category=chairs, price=Decimal("120.00"), stock=0)
    make_product(name="Desk Chair", category=office, price=Decimal("80.50"), stock=3)
    make_product(name="Sofa", category=furniture, price=Decimal("499.00"), stock=1)
    make_product(name="Hose", category=garden, price=Decimal("15.00"), stock=40)
    Product.objects.filter(name="Sofa").update(rating_avg=Decimal("4.50"), review_count=2)
    Product.objects.filter(name="Hose").update(rating_avg=Decimal("3.00"), review_count=1)
    return {"furniture": furniture, "chairs": chairs, "garden": garden}


def _names(filters, viewer=None) -> list[str]:
    result = execute(QUERY, {"filters": filters}, viewer=viewer)
    assert "errors" not in result, result
    return [edge["node"]["name"] for edge in result["data"]["products"]["edges"]]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"price": {"range": {"start": "15", "end": "120"}}}, ["Armchair", "Desk Chair", "Hose"]),
        ({"price": {"gt": "120"}}, ["Sofa"]),
        ({"stock": {"lte": 1}}, ["Armchair", "Sofa"]),
        ({"inStock": True}, ["Desk Chair", "Hose", "Sofa"]),
        ({"inStock": False}, ["Armchair"]),
        ({"name": {"iContains": "CHAIR"}}, ["Armchair", "Desk Chair"]),
        ({"name": {"startsWith": "Desk"}}, ["Desk Chair"]),
        ({"categorySlug": "chairs"}, ["Armchair", "Desk Chair"]),
        ({"categorySlug": "furniture"}, ["Armchair", "Desk Chair", "Sofa"]),
        ({"categorySlug": "no-such-category"}, []),
        ({"minRating": 4}, ["Sofa"]),
        ({"minRating": 3}, ["Hose", "Sofa"]),
        ({"categorySlug": "garden", "OR": {"price": {"gte": "400"}}}, ["Hose", "Sofa"]),
        ({"NOT": {"categorySlug": "furniture"}}, ["Hose"]),
        ({"search": "chair"}, ["Armchair", "Desk Chair"]),
    ],
)
def test_product_filters(catalog, filters, expected):
    assert _names(filters) == expected


def test_category_id_filter_includes_descendants(catalog):
    category_id = global_id("Category", catalog["chairs"].pk)
    assert _names({"categoryId": category_id}) == ["Armchair", "Desk Chair"]


def test_favourite_filter_shows_only_the_viewers_favourites(catalog):
    viewer = make_user()
    make_favorite(user=viewer, product=Product.objects.get(name="Hose"))
    make_favorite(user=make_user(), product=Product.objects.get(name="Sofa"))
    assert _names({"isFavorite": True}, viewer=viewer) == ["Hose"]
    assert _names({"isFavorite": False}, viewer=viewer) == ["Armchair", "Desk Chair", "Sofa"]


@pytest.mark.parametrize(
    ("filters", "code"),
    [
        ({"isFavorite": True}, "UNAUTHENTICATED"),
        ({"minRating": 6}, "BAD_USER_INPUT"),
        ({"minRating": -1}, "BAD_USER_INPUT"),
        ({"categoryId": global_id("Product", 1)}, "BAD_USER_INPUT"),
        ({"price": {"gt": "cheap"}}, "BAD_USER_INPUT"),
        ({"name": {"regex": "("}}, "BAD_USER_INPUT"),
    ],
)
def test_bad_filter_values_are_errors_with_a_code(catalog, filters, code):
    result = execute(QUERY, {"filters": filters})
    assert result["data"] in (None, {"products": None})
    assert error_codes(result) == [code]
