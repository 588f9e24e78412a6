"""Admin writes go through the domain services (same rules, same events)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.catalog.models import Product
from domain.events.models import ProductEvent
from domain.orders.models import Order, OrderStatus
from domain.orders.services import OrderLineRequest, order_place
from tests.factories import make_category, make_product, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def test_changing_a_price_in_the_admin_records_the_same_events_as_the_api(staff_client):
    product = make_product(price=Decimal("10.00"), category=make_category())
    response = staff_client.post(
        f"/admin/catalog/product/{product.pk}/change/",
        {
            "name": product.name,
            "slug": product.slug,
            "description": "",
            "category": product.category_id,
            "price": "11.00",
            "currency": "EUR",
            "stock": product.stock,
            "is_published": "on",
            "images-TOTAL_FORMS": "0",
            "images-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert Product.objects.get(pk=product.pk).price == Decimal("11.00")
    assert list(ProductEvent.objects.values_list("type", flat=True)) == [
        "product.updated",
        "product.price_changed",
    ]


def test_deleting_in_the_admin_is_a_soft_delete(staff_client):
    product = make_product()
    response = staff_client.post(f"/admin/catalog/product/{product.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert Product.all_objects.get(pk=product.pk).deleted_at is not None


def test_the_admin_cancel_action_returns_stock(staff_client):
    product = make_product(stock=5)
    order = order_place(actor=make_user(), lines=[OrderLineRequest(product.pk, 2)])
    staff_client.post(
        "/admin/orders/order/", {"action": "cancel_orders", "_selected_action": [order.pk]}
    )
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    product.refresh_from_db()
    assert product.stock == 5
