"""Every contract operation that is served, as anonymous, customer, another customer and
staff: the data each may see, or the exact error code, and nothing changed when refused."""

from __future__ import annotations

import pytest

from domain.accounts.models import RefreshToken, User
from domain.catalog.models import Product
from domain.orders.models import Order
from tests.factories import make_category, make_order, make_product, make_user
from tests.support.graphql import error_codes, execute, operation_document
from tests.support.ids import global_id

pytestmark = pytest.mark.django_db

VIEWERS = ["anonymous", "customer", "other_customer", "staff"]
PASSWORD = "a-long-pass-phrase-9"


@pytest.fixture
def world():
    category = make_category(name="Lamps", slug="lamps")
    live = make_product(name="Live Lamp", slug="live-lamp", category=category)
    draft = make_product(
        name="Draft Lamp", slug="draft-lamp", category=category, is_published=False
    )
    people = {
        "anonymous": None,
        "customer": make_user(email="customer@example.com", password=PASSWORD),
        "other_customer": make_user(email="other@example.com", password=PASSWORD),
        "staff": make_user(email="staff@example.com", password=PASSWORD, is_staff=True),
    }
    orders = {}
    for who in ("customer", "other_customer"):
        orders[who] = make_order(number=f"ORD-{who}", customer=people[who], lines=[(live, 2)])
    return {"people": people, "live": live, "draft": draft, "orders": orders}


def _state() -> tuple:
    return (
        User.objects.count(),
        Order.objects.count(),
        RefreshToken.objects.count(),
        list(Product.all_objects.order_by("pk").values_list("stock", "is_published")),
    )


def _run(file: str, operation: str, variables: dict, viewer) -> dict:
    return execute(operation_document(file, operation), variables, viewer=viewer)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_storefront_operations(world, viewer):
    who = world["people"][viewer]
    sees_draft = viewer == "staff"
    page = _run("storefront", "CatalogPage", {}, who)
    assert [e["node"]["name"] for e in page["data"]["products"]["edges"]] == ["Live Lamp"]
    detail = _run("storefront", "ProductDetail", {"slug": "draft-lamp"}, who)
    assert (detail["data"]["product"] is not None) is sees_draft
    node = _run("storefront", "ProductNode", {"id": global_id("Product", world["draft"].pk)}, who)
    assert node["data"]["node"] == (
        {
            "id": global_id("Product", world["draft"].pk),
            "name": "Draft Lamp",
            "price": "10.00",
            "stock": 5,
        }
        if sees_draft
        else None
    )
    tree = _run("storefront", "CategoryTree", {}, who)
    assert tree["data"]["categories"]["edges"][0]["node"]["productCount"] == 1


@pytest.mark.parametrize("viewer", VIEWERS)
def test_account_operations(world, viewer):
    who = world["people"][viewer]
    registered = _run(
        "account",
        "Register",
        {"input": {"email": f"new-{viewer}@example.com", "password": PASSWORD}},
        who,
    )
    assert registered["data"]["register"]["errors"] == []
    assert registered["data"]["register"]["user"]["email"] == f"new-{viewer}@example.com"

    signed_in = _run(
        "account", "TokenCreate", {"email": "customer@example.com", "password": PASSWORD}, who
    )
    assert signed_in["data"]["tokenCreate"]["user"]["email"] == "customer@example.com"

    refreshed = _run("account", "TokenRefresh", {"refreshToken": "not-a-token"}, who)
    assert [e["code"] for e in refreshed["data"]["tokenRefresh"]["errors"]] == ["INVALID_TOKEN"]

    me = _run("account", "Me", {}, who)["data"]["me"]
    assert (me and me["email"]) == (who.email if who else None)


@pytest.mark.parametrize(
    ("viewer", "numbers", "codes"),
    [
        ("anonymous", None, ["UNAUTHENTICATED"]),
        ("customer", ["ORD-customer"], []),
        ("other_customer", ["ORD-other_customer"], []),
        ("staff", [], []),
    ],
)
def test_my_orders_shows_only_the_callers_orders(world, viewer, numbers, codes):
    before = _state()
    result = _run("account", "MyOrders", {}, world["people"][viewer])
    assert error_codes(result) == codes
    if numbers is None:
        assert result["data"] is None
    else:
        edges = result["data"]["myOrders"]["edges"]
        assert [e["node"]["number"] for e in edges] == numbers
    assert _state() == before


def test_my_orders_returns_the_order_summary(world):
    result = _run("account", "MyOrders", {}, world["people"]["customer"])
    order = world["orders"]["customer"]
    node = result["data"]["myOrders"]["edges"][0]["node"]
    assert result["data"]["myOrders"]["totalCount"] == 1
    assert node == {
        "id": global_id("Order", order.pk),
        "number": "ORD-customer",
        "status": "PENDING",
        "total": "20.00",
        "currency": "EUR",
        "createdAt": node["createdAt"],
        "lines": [
            {
                "quantity": 2,
                "unitPrice": "10.00",
                "productName": "Live Lamp",
                "product": {"id": global_id("Product", world["live"].pk)},
            }
        ],
    }


@pytest.mark.parametrize(
    ("viewer", "codes"),
    [
        ("anonymous", ["UNAUTHENTICATED"]),
        ("customer", ["PERMISSION_DENIED"]),
        ("other_customer", ["PERMISSION_DENIED"]),
        ("staff", []),
    ],
)
def test_staff_products_is_for_staff_only(world, viewer, codes):
    before = _state()
    result = _run("staff", "StaffProducts", {}, world["people"][viewer])
    assert error_codes(result) == codes
    if codes:
        assert result["data"] is None
    else:
        names = sorted(e["node"]["name"] for e in result["data"]["products"]["edges"])
        assert names == ["Draft Lamp", "Live Lamp"]
    assert _state() == before


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [("anonymous", False), ("customer", False), ("other_customer", True), ("staff", True)],
)
def test_node_never_shows_another_customers_order(world, viewer, sees):
    order = world["orders"]["other_customer"]
    result = execute(
        "query ($id: ID!) { node(id: $id) { ... on Order { number } } }",
        {"id": global_id("Order", order.pk)},
        viewer=world["people"][viewer],
    )
    assert result == {"data": {"node": {"number": "ORD-other_customer"} if sees else None}}


def test_an_order_line_hides_a_product_that_was_unpublished_since(world):
    Product.objects.filter(pk=world["live"].pk).update(is_published=False)
    result = _run("account", "MyOrders", {}, world["people"]["customer"])
    line = result["data"]["myOrders"]["edges"][0]["node"]["lines"][0]
    assert line["product"] is None
    assert line["productName"] == "Live Lamp"
