"""Full-text search on PostgreSQL: weighted, ranked, kept current by the database."""

from __future__ import annotations

import pytest

from domain.catalog.models import Category, Product
from tests.factories import make_category, make_product
from tests.support.graphql import execute

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SEARCH = """
query ($search: String!, $ordering: [ProductOrder!]) {
  products(first: 10, filters: {search: $search}, ordering: $ordering) {
    totalCount
    edges { node { name } }
  }
}
"""


def _names(search: str, ordering: list | None = None) -> list[str]:
    result = execute(SEARCH, {"search": search, "ordering": ordering})
    assert "errors" not in result, result
    return [edge["node"]["name"] for edge in result["data"]["products"]["edges"]]


def test_an_exact_name_match_ranks_above_a_description_match():
    # given: the older product has the word in its name, the newer only in its description
    make_product(name="Walnut Lamp", description="Warm light.")
    make_product(name="Reading Light", description="A lamp base carved from walnut.")
    make_product(name="Steel Chair", description="Sturdy.")
    # when / then: relevance beats recency
    assert _names("walnut") == ["Walnut Lamp", "Reading Light"]


def test_a_category_name_match_ranks_between_name_and_description():
    make_product(name="Plain Thing", description="mentions lighting once")
    make_product(name="Other Thing", category=make_category(name="Lighting"))
    make_product(name="Lighting Rig")
    assert _names("lighting") == ["Lighting Rig", "Other Thing", "Plain Thing"]


def test_websearch_syntax_phrases_and_exclusions_work():
    make_product(name="Red Oak Table")
    make_product(name="Red Steel Table")
    make_product(name="Oak Red Chair")
    assert _names('"red oak"') == ["Red Oak Table"]
    assert sorted(_names("table -steel")) == ["Red Oak Table"]


@pytest.mark.parametrize("search", ["the and of", "!!! ???", "   ", "&|!():*", "'"])
def test_stop_words_or_punctuation_return_no_error(search):
    make_product(name="The Lamp")
    result = execute(SEARCH, {"search": search})
    assert "errors" not in result
    assert result["data"]["products"]["totalCount"] in (0, 1)


def test_an_explicit_ordering_replaces_relevance():
    make_product(name="Lamp", price="30.00", description="lamp lamp lamp")
    make_product(name="Desk", price="10.00", description="with a lamp")
    assert _names("lamp", ordering=[{"price": "ASC"}]) == ["Desk", "Lamp"]


def test_the_search_vector_follows_renames_of_product_and_category():
    # given
    category = make_category(name="Outdoor")
    product = make_product(name="Tent", category=category)
    # when both are renamed through ordinary ORM writes
    Product.objects.filter(pk=product.pk).update(name="Bivouac")
    Category.objects.filter(pk=category.pk).update(name="Mountaineering")
    # then the search sees the new words and not the old ones
    assert _names("bivouac") == ["Bivouac"]
    assert _names("mountaineering") == ["Bivouac"]
    assert _names("tent") == []
    assert _names("outdoor") == []
