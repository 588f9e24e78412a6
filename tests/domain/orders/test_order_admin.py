"""Orders in the admin: the fulfil action ships confirmed orders through `order_fulfill`
(STATUS_CHANGED recorded) and refuses the others with the service's message."""

from __future__ import annotations

import pytest
from django.test import Client

from domain.events.models import OrderEvent, OrderEventType
from domain.orders.models import Order, OrderStatus
from tests.factories import make_order, make_user

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/orders/order/"


def test_the_fulfil_action_ships_confirmed_orders_through_the_service():
    # given a confirmed and a pending order, and an admin
    confirmed = make_order(customer=make_user(), status=OrderStatus.CONFIRMED)
    pending = make_order(customer=make_user(), status=OrderStatus.PENDING)
    browser = Client()
    browser.force_login(make_user(email="root@example.com", is_staff=True, is_superuser=True))
    # when both are fulfilled from the list
    response = browser.post(
        CHANGELIST,
        {"action": "fulfil_orders", "_selected_action": [confirmed.pk, pending.pk]},
        follow=True,
    )
    # then the confirmed one is shipped with its event, the pending one is left, and the
    # page says so
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {confirmed.pk: "SHIPPED", pending.pk: "PENDING"}
    assert list(
        OrderEvent.objects.filter(type=OrderEventType.STATUS_CHANGED).values_list(
            "order_id", "status"
        )
    ) == [(confirmed.pk, "SHIPPED")]
    page = response.text
    assert "1 order(s) shipped." in page
    assert f"{pending.number}: Only a confirmed order can be shipped; this one is pending." in page
