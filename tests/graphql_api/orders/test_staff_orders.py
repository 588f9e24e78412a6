"""The staff order list (`orders`): pages by cursor, a constant number of queries whatever
the page size, and `Order.customer` only for the owner and staff who read orders."""

from __future__ import annotations

import pytest

from domain.common.permissions import API_KEY_SCOPES_ATTRIBUTE, StaffScope
from domain.orders.models import OrderStatus
from tests.factories import make_order, make_product, make_staff, make_user
from tests.support.graphql import execute, operation_document
from tests.support.ids import global_id

pytestmark = pytest.mark.django_db

STAFF_ORDERS = operation_document("backoffice", "StaffOrders")


def _orders(count: int) -> list:
    """`count` orders of distinct customers, two lines each, oldest first."""
    products = [make_product(), make_product()]
    return [
        make_order(customer=make_user(), lines=[(products[0], 1), (products[1], 3)])
        for _ in range(count)
    ]


@pytest.mark.parametrize("page_size", [3, 20])
def test_a_page_of_orders_with_lines_and_customers_runs_three_queries(
    page_size, django_assert_num_queries
):
    # given
    _orders(25)
    staff = make_staff()
    # when: the page (customers joined), its lines, and totalCount
    with django_assert_num_queries(3):
        result = execute(STAFF_ORDERS, {"first": page_size}, viewer=staff)
    # then
    edges = result["data"]["orders"]["edges"]
    assert len(edges) == page_size
    assert all(len(e["node"]["lines"]) == 2 and e["node"]["customer"]["email"] for e in edges)


def test_pages_follow_each_other_by_cursor_newest_first():
    # given
    orders = _orders(5)
    staff = make_staff()
    # when
    first = execute(STAFF_ORDERS, {"first": 2}, viewer=staff)["data"]["orders"]
    cursor = first["pageInfo"]["endCursor"]
    rest = execute(STAFF_ORDERS, {"first": 10, "after": cursor}, viewer=staff)["data"]["orders"]
    # then
    numbers = [e["node"]["number"] for e in first["edges"] + rest["edges"]]
    assert numbers == [o.number for o in reversed(orders)]
    assert (first["pageInfo"]["hasNextPage"], rest["pageInfo"]["hasNextPage"]) == (True, False)
    assert first["totalCount"] == rest["totalCount"] == 5


def test_the_page_size_is_bounded_as_every_connection():
    result = execute(STAFF_ORDERS, {"first": 101}, viewer=make_staff())
    assert [e["extensions"]["code"] for e in result["errors"]] == ["PAGINATION_LIMIT"]


OWN_ORDERS_WITH_CUSTOMER = """
query { myOrders(first: 5) { edges { node { number customer { id email } } } } }
"""
FULFILL_WITH_CUSTOMER = """
mutation ($id: ID!) {
  orderFulfill(id: $id) { order { status customer { email } } errors { code } }
}
"""


def test_the_owner_sees_themself_as_the_customer():
    # given
    [order] = _orders(1)
    # when
    result = execute(OWN_ORDERS_WITH_CUSTOMER, viewer=order.customer)
    # then
    assert result["data"]["myOrders"]["edges"] == [
        {
            "node": {
                "number": order.number,
                "customer": {
                    "id": global_id("User", order.customer_id),
                    "email": order.customer.email,
                },
            }
        }
    ]


@pytest.mark.parametrize(
    ("scopes", "customer"),
    [
        ({StaffScope.ORDERS_WRITE}, None),
        ({StaffScope.ORDERS_WRITE, StaffScope.ORDERS_READ}, "buyer@example.com"),
    ],
)
def test_a_key_that_may_not_read_orders_does_not_see_who_placed_the_one_it_fulfils(
    scopes, customer
):
    # given a confirmed order, and staff acting through a key
    order = make_order(
        customer=make_user(email="buyer@example.com"),
        status=OrderStatus.CONFIRMED,
        lines=[(make_product(), 1)],
    )
    actor = make_staff()
    setattr(actor, API_KEY_SCOPES_ATTRIBUTE, frozenset(scopes))
    # when
    result = execute(FULFILL_WITH_CUSTOMER, {"id": global_id("Order", order.pk)}, viewer=actor)
    # then
    payload = result["data"]["orderFulfill"]
    assert payload == {
        "order": {
            "status": "SHIPPED",
            "customer": customer and {"email": customer},
        },
        "errors": [],
    }
