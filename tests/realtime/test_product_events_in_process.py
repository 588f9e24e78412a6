from __future__ import annotations

from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async

from domain.catalog import services
from realtime import bus
from tests.factories import make_product, make_user
from tests.support.graphql import contract_document
from tests.support.ids import global_id
from tests.support.websocket import joining

pytestmark = [pytest.mark.django_db(transaction=True)]

REALTIME = contract_document("realtime")


async def test_a_price_change_reaches_a_subscriber(open_ws):
    staff = await sync_to_async(make_user)(is_staff=True)
    product = await sync_to_async(make_product)(price=Decimal("10.00"), category=None)
    socket = await open_ws()
    async with joining(bus.product_group(product.pk)):
        await socket.subscribe(
            REALTIME, {"productIds": [global_id("Product", product.pk)]}, "OnProductEvents"
        )
    await sync_to_async(services.product_update)(
        actor=staff, product_id=product.pk, price=Decimal("12.00")
    )
    first = await socket.next_data()
    second = await socket.next_data()
    assert [first["data"]["productEvents"]["type"], second["data"]["productEvents"]["type"]] == [
        "UPDATED",
        "PRICE_CHANGED",
    ]
    event = second["data"]["productEvents"]
    assert event["productId"] == global_id("Product", product.pk)
    assert event["product"] == {
        "id": global_id("Product", product.pk),
        "name": product.name,
        "price": "12.00",
        "stock": 5,
        "isPublished": True,
    }
    assert event["cursor"]
