"""order_fulfill (CONFIRMED -> SHIPPED, staff with ORDERS_WRITE) and the staff order list
(staff with ORDERS_READ)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from domain.common.permissions import API_KEY_SCOPES_ATTRIBUTE, StaffScope
from domain.events.models import OrderEvent
from domain.orders.fulfilment import order_fulfill
from domain.orders.models import Order, OrderStatus
from domain.orders.selectors import order_customer_visible_to, order_list_for_staff
from tests.factories import make_order, make_product, make_staff, make_user

pytestmark = pytest.mark.django_db


def _refusal(call) -> dict[str | None, list[tuple[str, str]]]:
    with pytest.raises(ValidationError) as raised:
        call()
    error = raised.value
    if hasattr(error, "error_dict"):
        return {
            field: [(e.code, e.messages[0]) for e in errors]
            for field, errors in error.error_dict.items()
        }
    return {None: [(e.code, e.messages[0]) for e in error.error_list]}


def _through_key(user, *scopes):
    setattr(user, API_KEY_SCOPES_ATTRIBUTE, frozenset(scopes))
    return user


def _order(status: OrderStatus = OrderStatus.CONFIRMED, **fields) -> Order:
    return make_order(status=status, lines=[(make_product(), 1)], **fields)


def _events() -> list[tuple[str, int, str, list[str]]]:
    return list(OrderEvent.objects.values_list("type", "order_id", "status", "changed_fields"))


def test_a_confirmed_order_is_shipped_and_its_owner_is_told():
    # given
    order = _order()
    # when
    shipped = order_fulfill(actor=make_staff(), order_id=order.pk)
    # then
    assert shipped.status == OrderStatus.SHIPPED
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert _events() == [("order.status_changed", order.pk, "SHIPPED", ["status"])]
    assert OrderEvent.objects.get().owner_id == order.customer_id


@pytest.mark.parametrize(
    "status",
    [OrderStatus.PENDING, OrderStatus.CANCELLED, OrderStatus.SHIPPED, OrderStatus.FAILED],
)
def test_any_other_status_is_invalid_status_and_nothing_changes(status):
    # given
    order = _order(status)
    updated_at = order.updated_at
    # when / then
    assert _refusal(lambda: order_fulfill(actor=make_staff(), order_id=order.pk)) == {
        None: [
            (
                "invalid_status",
                f"Only a confirmed order can be shipped; this one is {status.lower()}.",
            )
        ]
    }
    order.refresh_from_db()
    assert (order.status, order.updated_at) == (status, updated_at)
    assert _events() == []


def test_an_unknown_order_is_not_found_on_order_id():
    assert _refusal(lambda: order_fulfill(actor=make_staff(), order_id=0)) == {
        "order_id": [("not_found", "No such order.")]
    }


@pytest.mark.parametrize(
    ("who", "code", "message"),
    [
        ("anonymous", "unauthenticated", "Sign in as staff to fulfil orders."),
        ("customer", "permission_denied", "Only staff may fulfil orders."),
        ("owner", "permission_denied", "Only staff may fulfil orders."),
    ],
)
def test_non_staff_may_not_fulfil_not_even_the_owner(who, code, message):
    # given
    order = _order()
    actor = {"anonymous": AnonymousUser(), "customer": make_user(), "owner": order.customer}[who]
    # when / then
    assert _refusal(lambda: order_fulfill(actor=actor, order_id=order.pk)) == {
        None: [(code, message)]
    }
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    assert _events() == []


def test_an_api_key_needs_orders_write_to_fulfil():
    # given
    order = _order()
    reader = _through_key(make_staff(), StaffScope.ORDERS_READ, StaffScope.CATALOG_WRITE)
    writer = _through_key(make_staff(), StaffScope.ORDERS_WRITE)
    # when / then
    assert _refusal(lambda: order_fulfill(actor=reader, order_id=order.pk)) == {
        None: [
            (
                "permission_denied",
                "This API key may not fulfil orders: it needs the ORDERS_WRITE scope.",
            )
        ]
    }
    assert order_fulfill(actor=writer, order_id=order.pk).status == OrderStatus.SHIPPED


def test_the_staff_list_holds_every_customers_orders_newest_first_and_narrows_by_status():
    # given
    first = _order(OrderStatus.PENDING)
    second = _order(OrderStatus.CONFIRMED)
    third = _order(OrderStatus.PENDING)
    staff = make_staff()
    # when / then
    assert list(order_list_for_staff(user=staff)) == [third, second, first]
    assert list(order_list_for_staff(user=staff, status="PENDING")) == [third, first]
    assert list(order_list_for_staff(user=staff, status="SHIPPED")) == []


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("anonymous", "unauthenticated"),
        ("customer", "permission_denied"),
        ("key_without_orders_read", "permission_denied"),
    ],
)
def test_the_staff_list_refuses_everyone_else(who, code):
    # given
    actor = {
        "anonymous": AnonymousUser(),
        "customer": make_user(),
        "key_without_orders_read": _through_key(make_staff(), StaffScope.ORDERS_WRITE),
    }[who]
    # when
    refusal = _refusal(lambda: order_list_for_staff(user=actor))
    # then
    assert {field: [c for c, _ in found] for field, found in refusal.items()} == {None: [code]}


def test_a_key_with_orders_read_lists_every_order():
    order = _order()
    reader = _through_key(make_staff(), StaffScope.ORDERS_READ)
    assert list(order_list_for_staff(user=reader)) == [order]


def test_who_placed_an_order_is_seen_by_its_owner_and_staff_who_read_orders():
    # given
    order = _order()
    viewers = {
        "owner": order.customer,
        "customer": make_user(),
        "anonymous": AnonymousUser(),
        "staff": make_staff(),
        "key_with_orders_read": _through_key(make_staff(), StaffScope.ORDERS_READ),
        "key_without_it": _through_key(make_staff(), StaffScope.ORDERS_WRITE),
    }
    # when / then
    assert {who: order_customer_visible_to(order, user=v) for who, v in viewers.items()} == {
        "owner": True,
        "customer": False,
        "anonymous": False,
        "staff": True,
        "key_with_orders_read": True,
        "key_without_it": False,
    }
