"""orderFulfill, as staff send it, reaches the owner's OnMyOrderUpdates as STATUS_CHANGED
(and nobody else's); a refused fulfilment sends nothing."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from domain.accounts.tokens import access_token_encode
from domain.orders.models import OrderStatus
from realtime import bus
from tests.factories import make_order, make_product, make_staff, make_user
from tests.support.graphql import contract_document, execute
from tests.support.ids import global_id
from tests.support.websocket import joining

pytestmark = [pytest.mark.django_db(transaction=True)]

REALTIME = contract_document("realtime")
BACKOFFICE = contract_document("backoffice")


async def _following_orders(open_ws, user):
    socket = await open_ws(init={"authorization": f"Bearer {access_token_encode(user)}"})
    async with joining(bus.user_orders_group(user.pk)):
        await socket.subscribe(REALTIME, {}, "OnMyOrderUpdates")
    return socket


async def _fulfil(staff, order) -> dict:
    result = await sync_to_async(execute)(
        BACKOFFICE,
        {"id": global_id("Order", order.pk)},
        viewer=staff,
        operation_name="OrderFulfill",
    )
    return result["data"]["orderFulfill"]


async def test_the_owner_sees_their_order_shipped_and_another_customer_does_not(open_ws):
    # given the owner and another customer, each following their orders
    owner = await sync_to_async(make_user)()
    other = await sync_to_async(make_user)()
    staff = await sync_to_async(make_staff)()
    product = await sync_to_async(make_product)()
    confirmed = await sync_to_async(make_order)(
        customer=owner, status=OrderStatus.CONFIRMED, lines=[(product, 1)]
    )
    pending = await sync_to_async(make_order)(
        customer=owner, status=OrderStatus.PENDING, lines=[(product, 1)]
    )
    owner_socket = await _following_orders(open_ws, owner)
    other_socket = await _following_orders(open_ws, other)
    # when staff try the pending order (refused), then fulfil the confirmed one
    refused = await _fulfil(staff, pending)
    shipped = await _fulfil(staff, confirmed)
    # then the owner's first event is the shipment: the refusal sent nothing
    assert [e["code"] for e in refused["errors"]] == ["INVALID_STATUS"]
    assert shipped["order"]["status"] == "SHIPPED"
    event = (await owner_socket.next_data())["data"]["myOrderUpdates"]
    assert event["type"] == "STATUS_CHANGED"
    assert event["order"] == {
        "id": global_id("Order", confirmed.pk),
        "number": confirmed.number,
        "status": "SHIPPED",
        "total": "10.00",
    }
    # and the other customer's first event is about their own order, not the owner's
    own = await sync_to_async(make_order)(
        customer=other, status=OrderStatus.CONFIRMED, lines=[(product, 1)]
    )
    await _fulfil(staff, own)
    seen = (await other_socket.next_data())["data"]["myOrderUpdates"]
    assert (seen["type"], seen["order"]["number"]) == ("STATUS_CHANGED", own.number)
