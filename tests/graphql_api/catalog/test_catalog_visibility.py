"""Unpublished and soft-deleted products do not exist for non-staff callers, wherever
they would appear; staff see unpublished ones when they ask."""

from __future__ import annotations

import base64

import pytest
from django.utils import timezone

from domain.catalog.models import Product
from tests.factories import make_category, make_favorite, make_product, make_review, make_user
from tests.support.graphql import error_codes, execute
from tests.support.ids import global_id

pytestmark = pytest.mark.django_db

VIEWERS = ["anonymous", "customer", "other_customer", "staff"]


@pytest.fixture
def world():
    category = make_category(name="Desks", slug="desks")
    people = {
        "anonymous": None,
        "customer": make_user(email="c@example.com"),
        "other_customer": make_user(email="o@example.com"),
        "staff": make_user(email="s@example.com", is_staff=True),
    }
    live = make_product(name="Live", slug="live", category=category)
    draft = make_product(name="Draft", slug="draft", category=category, is_published=False)
    gone = make_product(name="Gone", slug="gone", category=category)
    Product.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    for product in (live, draft):
        make_review(product=product, author=people["other_customer"])
        make_favorite(user=people["customer"], product=product)
    return {"people": people, "live": live, "draft": draft, "gone": gone}


def _names(result: dict, *path: str) -> list[str]:
    node = result["data"]
    for key in path:
        node = node[key]
    return [edge["node"]["name"] for edge in node["edges"]]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_products_lists_published_products_for_everyone(world, viewer):
    result = execute(
        "{ products(first: 10) { totalCount edges { node { name } } } }",
        viewer=world["people"][viewer],
    )
    assert _names(result, "products") == ["Live"]
    assert result["data"]["products"]["totalCount"] == 1


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [
        ("anonymous", {"data": None, "codes": ["UNAUTHENTICATED"]}),
        ("customer", {"data": None, "codes": ["PERMISSION_DENIED"]}),
        ("other_customer", {"data": None, "codes": ["PERMISSION_DENIED"]}),
        ("staff", {"data": ["Draft", "Live"], "codes": []}),
    ],
)
def test_include_unpublished_is_for_staff_only(world, viewer, expected):
    result = execute(
        "{ products(first: 10, includeUnpublished: true, ordering: [{name: ASC}]) "
        "{ edges { node { name } } } }",
        viewer=world["people"][viewer],
    )
    assert error_codes(result) == expected["codes"]
    names = _names(result, "products") if result["data"] else None
    assert names == expected["data"]


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("which", ["live", "draft", "gone"])
def test_single_product_lookups_hide_what_the_viewer_may_not_see(world, viewer, which):
    product = world[which]
    visible = which == "live" or (which == "draft" and viewer == "staff")
    query = """query ($id: ID!, $slug: String!) {
      byNode: node(id: $id) { ... on Product { name } }
      byId: product(id: $id) { name }
      bySlug: product(slug: $slug) { name }
    }"""
    result = execute(
        query,
        {"id": global_id("Product", product.pk), "slug": product.slug},
        viewer=world["people"][viewer],
    )
    expected = {"name": product.name} if visible else None
    assert result == {"data": {"byNode": expected, "byId": expected, "bySlug": expected}}


@pytest.mark.parametrize("viewer", VIEWERS)
def test_nested_lists_and_counts_hide_unpublished_products(world, viewer):
    people = world["people"]
    query = """query ($id: ID!) {
      categories(first: 5) { edges { node { slug productCount } } }
      review: node(id: $id) { ... on Review { title product { name } } }
      me { favorites(first: 10) { edges { node { name } } } }
    }"""
    draft_review = world["draft"].reviews.get()
    result = execute(query, {"id": global_id("Review", draft_review.pk)}, viewer=people[viewer])
    assert result["data"]["categories"]["edges"] == [{"node": {"slug": "desks", "productCount": 1}}]
    if viewer == "staff":
        assert result["data"]["review"] == {"title": "Good", "product": {"name": "Draft"}}
    else:
        assert result["data"]["review"] is None
    if viewer == "customer":
        assert _names(result, "me", "favorites") == ["Live"]


@pytest.mark.parametrize(
    "bad_id",
    [
        "not-base64!!",
        base64.b64encode(b"Product").decode(),
        base64.b64encode(b"Product:abc").decode(),
        base64.b64encode(b"Product:-1").decode(),
        global_id("Nonsense", 1),
        global_id("ProductConnection", 1),
        "",
    ],
)
def test_node_with_a_malformed_or_foreign_id_is_null_without_an_error(world, bad_id):
    result = execute("query ($id: ID!) { node(id: $id) { id } }", {"id": bad_id})
    assert result == {"data": {"node": None}}


def test_product_by_id_with_another_types_id_is_null(world):
    category_id = global_id("Category", world["live"].category_id)
    result = execute("query ($id: ID!) { product(id: $id) { name } }", {"id": category_id})
    assert result == {"data": {"product": None}}


@pytest.mark.parametrize("arguments", ["", '(id: "x", slug: "live")'])
def test_product_needs_exactly_one_of_id_and_slug(world, arguments):
    result = execute(f"{{ product{arguments} {{ name }} }}")
    assert result["data"] == {"product": None}
    assert error_codes(result) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    ("viewer", "sees_private"),
    [("anonymous", False), ("customer", True), ("other_customer", False), ("staff", True)],
)
def test_user_private_fields_are_for_the_user_and_staff(world, viewer, sees_private):
    customer = world["people"]["customer"]
    make_review(product=world["live"], author=customer)  # others may know of reviewers only
    result = execute(
        """query ($id: ID!) { node(id: $id) { ... on User {
            displayName email isStaff favorites(first: 5) { edges { node { name } } } } } }""",
        {"id": global_id("User", customer.pk)},
        viewer=world["people"][viewer],
    )
    user = result["data"]["node"]
    assert user["displayName"] == customer.display_name
    assert user["email"] == (customer.email if sees_private else None)
    assert user["isStaff"] == (False if sees_private else None)
    favorites = [edge["node"]["name"] for edge in user["favorites"]["edges"]]
    expected = {"customer": ["Live"], "staff": ["Draft", "Live"]}.get(viewer, [])
    assert sorted(favorites) == expected


def test_me_is_null_for_anonymous_callers(world):
    assert execute("{ me { id } }") == {"data": {"me": None}}
