from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from domain.catalog.models import Product
from domain.orders.models import OrderLine
from tests.factories import make_order, make_product

pytestmark = pytest.mark.django_db


def test_soft_deleted_product_leaves_the_default_manager_but_order_lines_keep_it():
    # given an order line for a product
    product = make_product(name="Lamp", price=Decimal("12.50"))
    line = make_order(lines=[(product, 1)]).lines.get()
    # when the product is soft-deleted
    Product.objects.filter(pk=product.pk).update(deleted_at=timezone.now())
    # then it is gone from the default manager, kept in all_objects and reachable from the line
    assert not Product.objects.filter(pk=product.pk).exists()
    assert Product.all_objects.filter(pk=product.pk).exists()
    assert OrderLine.objects.get(pk=line.pk).product.name == "Lamp"
