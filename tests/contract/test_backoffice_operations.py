"""Every operation of backoffice.graphql, sent unchanged (the whole file plus its
operationName), for anonymous, a customer, another customer, staff, and staff acting
through an API key with and without the scope (the viewer marked as the key's
authentication marks it): the data each gets, or the exact errors, and nothing changed
when refused."""

from __future__ import annotations

import pytest

from domain.catalog.models import Category, Product
from domain.common.permissions import API_KEY_SCOPES_ATTRIBUTE, StaffScope
from domain.events.models import OrderEvent
from domain.orders.models import Order, OrderStatus
from tests.factories import make_category, make_order, make_product, make_staff, make_user
from tests.support.graphql import contract_document, error_codes, execute
from tests.support.ids import global_id

pytestmark = pytest.mark.django_db

BACKOFFICE = contract_document("backoffice")
VIEWERS = ["anonymous", "customer", "other_customer", "staff", "key_with", "key_without"]


def _key(*scopes):
    """A staff member acting through a key with `scopes`."""
    user = make_staff()
    setattr(user, API_KEY_SCOPES_ATTRIBUTE, frozenset(scopes))
    return user


@pytest.fixture
def world():
    lamps = make_category(name="Lamps", slug="lamps")
    desk = make_category(name="Desk Lamps", slug="desk-lamps", parent=lamps)
    product = make_product(name="Brass Lamp", category=desk)
    people = {
        "anonymous": None,
        "customer": make_user(email="customer@example.com"),
        "other_customer": make_user(email="other@example.com"),
        "staff": make_staff(email="staff@example.com"),
    }
    orders = {
        "confirmed": make_order(
            number="ORD-1",
            customer=people["customer"],
            status=OrderStatus.CONFIRMED,
            lines=[(product, 2)],
        ),
        "pending": make_order(
            number="ORD-2",
            customer=people["other_customer"],
            status=OrderStatus.PENDING,
            lines=[(product, 1)],
        ),
    }
    return {"people": people, "lamps": lamps, "desk": desk, "product": product, "orders": orders}


def _viewer(world, viewer: str, scope: StaffScope):
    if viewer == "key_with":
        return _key(scope)
    if viewer == "key_without":
        return _key(*(s for s in StaffScope if s != scope))
    return world["people"][viewer]


def _state() -> tuple:
    return (
        list(Category.objects.order_by("pk").values_list("name", "slug", "parent", "position")),
        list(Product.all_objects.order_by("pk").values_list("category", flat=True)),
        list(Order.objects.order_by("pk").values_list("status", flat=True)),
        OrderEvent.objects.count(),
    )


def _payload(operation: str, variables: dict, viewer) -> dict:
    result = execute(BACKOFFICE, variables, viewer=viewer, operation_name=operation)
    assert "errors" not in result, result
    [payload] = result["data"].values()
    return payload


def _refusal(viewer: str, action: str, scope: StaffScope) -> list[dict]:
    """The payload errors of a refused staff mutation."""
    if viewer == "anonymous":
        code, message = "UNAUTHENTICATED", f"Sign in as staff to {action}."
    elif viewer == "key_without":
        code, message = (
            "PERMISSION_DENIED",
            f"This API key may not {action}: it needs the {scope} scope.",
        )
    else:
        code, message = "PERMISSION_DENIED", f"Only staff may {action}."
    return [{"field": None, "message": message, "code": code}]


STAFF_LIKE = {"staff", "key_with"}


@pytest.mark.parametrize("viewer", VIEWERS)
def test_category_create(world, viewer):
    # given
    who = _viewer(world, viewer, StaffScope.CATALOG_WRITE)
    before = _state()
    parent = global_id("Category", world["lamps"].pk)
    # when
    payload = _payload(
        "CategoryCreate", {"input": {"name": "Floor Lamps", "parentId": parent}}, who
    )
    # then
    if viewer in STAFF_LIKE:
        created = Category.objects.get(slug="floor-lamps")
        assert payload == {
            "category": {
                "id": global_id("Category", created.pk),
                "name": "Floor Lamps",
                "slug": "floor-lamps",
                "position": 1,  # after its sibling "Desk Lamps"
                "parent": {"id": parent},
            },
            "errors": [],
        }
    else:
        assert payload == {
            "category": None,
            "errors": _refusal(viewer, "create categories", StaffScope.CATALOG_WRITE),
        }
        assert _state() == before


@pytest.mark.parametrize("viewer", VIEWERS)
def test_category_update(world, viewer):
    # given
    who = _viewer(world, viewer, StaffScope.CATALOG_WRITE)
    before = _state()
    desk = global_id("Category", world["desk"].pk)
    # when: rename, make it a root and put it first
    payload = _payload(
        "CategoryUpdate",
        {"id": desk, "input": {"name": "Desk Lights", "parentId": None, "position": 0}},
        who,
    )
    # then
    if viewer in STAFF_LIKE:
        assert payload == {
            "category": {
                "id": desk,
                "name": "Desk Lights",
                "slug": "desk-lamps",
                "position": 0,
                "parent": None,
            },
            "errors": [],
        }
    else:
        assert payload == {
            "category": None,
            "errors": _refusal(viewer, "change categories", StaffScope.CATALOG_WRITE),
        }
        assert _state() == before


@pytest.mark.parametrize("viewer", VIEWERS)
def test_category_delete(world, viewer):
    # given an empty category
    who = _viewer(world, viewer, StaffScope.CATALOG_WRITE)
    empty = make_category(name="Empty", slug="empty")
    before = _state()
    # when
    payload = _payload("CategoryDelete", {"id": global_id("Category", empty.pk)}, who)
    # then
    if viewer in STAFF_LIKE:
        assert payload == {"deletedId": global_id("Category", empty.pk), "errors": []}
        assert not Category.objects.filter(pk=empty.pk).exists()
    else:
        assert payload == {
            "deletedId": None,
            "errors": _refusal(viewer, "delete categories", StaffScope.CATALOG_WRITE),
        }
        assert _state() == before


def test_moving_a_category_under_its_own_subcategory_is_invalid_on_parent_id(world):
    # given
    before = _state()
    # when
    payload = _payload(
        "CategoryUpdate",
        {
            "id": global_id("Category", world["lamps"].pk),
            "input": {"parentId": global_id("Category", world["desk"].pk)},
        },
        world["people"]["staff"],
    )
    # then
    assert payload == {
        "category": None,
        "errors": [
            {
                "field": "parentId",
                "message": "A category cannot be moved under itself or one of its subcategories.",
                "code": "INVALID",
            }
        ],
    }
    assert _state() == before


@pytest.mark.parametrize(("which", "held"), [("lamps", "1 subcategory"), ("desk", "1 product")])
def test_a_category_that_holds_something_is_in_use(world, which, held):
    # given
    before = _state()
    # when
    payload = _payload(
        "CategoryDelete",
        {"id": global_id("Category", world[which].pk)},
        world["people"]["staff"],
    )
    # then
    assert payload == {
        "deletedId": None,
        "errors": [
            {
                "field": "id",
                "message": f"The category still holds {held}: move or delete them first.",
                "code": "IN_USE",
            }
        ],
    }
    assert _state() == before


@pytest.mark.parametrize(
    ("operation", "variables", "field"),
    [
        ("CategoryUpdate", {"id": "bm90IGFuIGlk", "input": {"name": "X"}}, "id"),
        ("CategoryUpdate", {"id": global_id("Category", 99_999), "input": {}}, "id"),
        ("CategoryDelete", {"id": global_id("Product", 1)}, "id"),
        ("CategoryCreate", {"input": {"name": "X", "parentId": "bm90IGFuIGlk"}}, "parentId"),
        (
            "CategoryCreate",
            {"input": {"name": "X", "parentId": global_id("Category", 99_999)}},
            "parentId",
        ),
    ],
)
def test_unknown_or_malformed_ids_are_not_found(world, operation, variables, field):
    # given
    before = _state()
    # when
    payload = _payload(operation, variables, world["people"]["staff"])
    # then
    assert payload["errors"] == [
        {"field": field, "message": "No such category.", "code": "NOT_FOUND"}
    ]
    assert _state() == before


def test_a_slug_that_is_taken_is_unique_on_slug(world):
    payload = _payload("CategoryCreate", {"input": {"name": "Lamps"}}, world["people"]["staff"])
    assert payload == {
        "category": None,
        "errors": [
            {
                "field": "slug",
                "message": "A category with the slug 'lamps' exists.",
                "code": "UNIQUE",
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
        ("key_with", []),
        ("key_without", ["PERMISSION_DENIED"]),
    ],
)
def test_staff_orders(world, viewer, codes):
    # given
    who = _viewer(world, viewer, StaffScope.ORDERS_READ)
    before = _state()
    # when
    result = execute(BACKOFFICE, {}, viewer=who, operation_name="StaffOrders")
    # then
    assert error_codes(result) == codes
    if codes:
        assert result["data"] is None
        assert _state() == before
        return
    connection = result["data"]["orders"]
    pending, confirmed = world["orders"]["pending"], world["orders"]["confirmed"]
    assert connection["totalCount"] == 2
    assert connection["pageInfo"]["hasNextPage"] is False
    nodes = [edge["node"] for edge in connection["edges"]]
    assert [n["number"] for n in nodes] == ["ORD-2", "ORD-1"]  # newest first
    assert nodes[1] == {
        "id": global_id("Order", confirmed.pk),
        "number": "ORD-1",
        "status": "CONFIRMED",
        "total": "20.00",
        "currency": "EUR",
        "createdAt": nodes[1]["createdAt"],
        "customer": {
            "id": global_id("User", confirmed.customer_id),
            "email": "customer@example.com",
        },
        "lines": [{"productName": "Brass Lamp", "unitPrice": "10.00", "quantity": 2}],
    }
    assert nodes[0]["customer"] == {
        "id": global_id("User", pending.customer_id),
        "email": "other@example.com",
    }


def test_staff_orders_narrowed_by_status(world):
    result = execute(
        BACKOFFICE,
        {"status": "PENDING"},
        viewer=world["people"]["staff"],
        operation_name="StaffOrders",
    )
    assert [e["node"]["number"] for e in result["data"]["orders"]["edges"]] == ["ORD-2"]
    assert result["data"]["orders"]["totalCount"] == 1


@pytest.mark.parametrize("viewer", VIEWERS)
def test_order_fulfill(world, viewer):
    # given
    who = _viewer(world, viewer, StaffScope.ORDERS_WRITE)
    order = world["orders"]["confirmed"]
    before = _state()
    # when
    payload = _payload("OrderFulfill", {"id": global_id("Order", order.pk)}, who)
    # then
    if viewer in STAFF_LIKE:
        assert payload == {
            "order": {"id": global_id("Order", order.pk), "status": "SHIPPED"},
            "errors": [],
        }
        assert list(OrderEvent.objects.values_list("type", "status")) == [
            ("order.status_changed", "SHIPPED")
        ]
    else:
        assert payload == {
            "order": None,
            "errors": _refusal(viewer, "fulfil orders", StaffScope.ORDERS_WRITE),
        }
        assert _state() == before


@pytest.mark.parametrize("status", ["PENDING", "CANCELLED", "SHIPPED"])
def test_fulfilling_an_order_that_is_not_confirmed_is_invalid_status(world, status):
    # given
    order = world["orders"]["pending"]
    Order.objects.filter(pk=order.pk).update(status=status)
    before = _state()
    # when
    payload = _payload(
        "OrderFulfill", {"id": global_id("Order", order.pk)}, world["people"]["staff"]
    )
    # then
    assert payload == {
        "order": None,
        "errors": [
            {
                "field": None,
                "message": f"Only a confirmed order can be shipped; this one is {status.lower()}.",
                "code": "INVALID_STATUS",
            }
        ],
    }
    assert _state() == before


@pytest.mark.parametrize("order_id", ["bm90IGFuIGlk", global_id("Order", 99_999)])
def test_fulfilling_an_unknown_order_is_not_found(world, order_id):
    payload = _payload("OrderFulfill", {"id": order_id}, world["people"]["staff"])
    assert payload == {
        "order": None,
        "errors": [{"field": "id", "message": "No such order.", "code": "NOT_FOUND"}],
    }
