"""Every document in contract/operations/storefront.graphql validates against the schema
and runs against seeded demo data with its results checked."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.accounts.models import User
from domain.catalog.models import Category, Product
from domain.demo.seeding import CUSTOMER_ACCOUNT, demo_seed
from tests.factories import make_favorite
from tests.support.graphql import contract_document, execute
from tests.support.ids import global_id, pk_of

STOREFRONT = contract_document("storefront")


@pytest.fixture
def seeded(db):
    demo_seed(products=40, seed=5)


def _run(operation: str, variables: dict | None = None, viewer=None) -> dict:
    result = execute(STOREFRONT, variables, viewer=viewer, operation_name=operation)
    assert "errors" not in result, result
    return result["data"]


@pytest.mark.django_db
def test_catalog_page_defaults_list_the_newest_published_products(seeded):
    data = _run("CatalogPage")["products"]
    published = Product.objects.published().order_by("-created_at", "-id")
    assert data["totalCount"] == published.count()
    assert [e["node"]["slug"] for e in data["edges"]] == [p.slug for p in published[:24]]
    assert data["pageInfo"]["hasNextPage"] is (published.count() > 24)
    first = data["edges"][0]["node"]
    product = published[0]
    assert first["price"] == str(product.price)
    assert first["category"]["slug"] == product.category.slug
    assert first["isFavorite"] is False
    assert first["reviewCount"] == product.reviews.count()
    assert len(first["reviews"]["edges"]) == min(3, product.reviews.count())
    assert first["primaryImage"]["url"].startswith("http://testserver/media/demo/swatch-")


@pytest.mark.django_db
def test_catalog_page_with_filters_and_ordering_as_documented(seeded):
    variables = {
        "first": 100,
        "filters": {"price": {"range": {"start": "10", "end": "250"}}},
        "ordering": [{"price": "ASC"}],
    }
    edges = _run("CatalogPage", variables)["products"]["edges"]
    prices = [Decimal(e["node"]["price"]) for e in edges]
    expected = Product.objects.published().filter(price__range=(10, 250)).count()
    assert len(prices) == expected > 0
    assert prices == sorted(prices)
    assert all(Decimal(10) <= price <= Decimal(250) for price in prices)


@pytest.mark.django_db
def test_catalog_page_shows_the_customers_favourites(seeded):
    customer = User.objects.get(email=CUSTOMER_ACCOUNT.email)
    favourite = Product.objects.published().order_by("-created_at", "-id")[1]
    make_favorite(user=customer, product=favourite)
    edges = _run("CatalogPage", {"first": 5}, viewer=customer)["products"]["edges"]
    assert [e["node"]["isFavorite"] for e in edges] == [False, True, False, False, False]


@pytest.mark.django_db
def test_product_detail_returns_the_product_with_images_and_reviews(seeded):
    product = Product.objects.published().filter(review_count__gte=2).first()
    data = _run("ProductDetail", {"slug": product.slug})["product"]
    assert data["name"] == product.name
    assert data["description"] == product.description
    assert data["ratingAvg"] == float(product.rating_avg)
    assert data["reviews"]["totalCount"] == product.reviews.count()
    newest = list(product.reviews.order_by("-created_at", "-id").values_list("title", flat=True))
    assert [e["node"]["title"] for e in data["reviews"]["edges"]] == newest[:10]
    positions = [image["position"] for image in data["images"]]
    assert positions == sorted(positions) and len(positions) == product.images.count()
    assert data["primaryImage"]["altText"] == data["images"][0]["altText"]


@pytest.mark.django_db
def test_product_detail_of_an_unknown_slug_is_null(seeded):
    assert _run("ProductDetail", {"slug": "no-such-product"}) == {"product": None}


@pytest.mark.django_db
def test_product_node_returns_the_product(seeded):
    product = Product.objects.published().first()
    product_id = global_id("Product", product.pk)
    assert _run("ProductNode", {"id": product_id}) == {
        "node": {
            "id": product_id,
            "name": product.name,
            "price": str(product.price),
            "stock": product.stock,
        }
    }


@pytest.mark.django_db
def test_category_tree_counts_published_products_of_each_subtree(seeded):
    edges = _run("CategoryTree")["categories"]["edges"]
    assert len(edges) == Category.objects.count()
    by_id = {e["node"]["id"]: e["node"] for e in edges}
    for node in by_id.values():
        children = [c for c in by_id.values() if (c["parent"] or {}).get("id") == node["id"]]
        pk = pk_of(node["id"], type_name="Category")
        own = Product.objects.published().filter(category_id=pk).count()
        assert node["productCount"] == own + sum(c["productCount"] for c in children)
    roots = [n for n in by_id.values() if n["parent"] is None]
    assert sum(n["productCount"] for n in roots) == Product.objects.published().count()
