"""Shared subscription events are sent by the subscription itself, past strawberry's
per-result processing; which is only right while no extension adds anything to an
error-free subscription result."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from strawberry.extensions import SchemaExtension

from domain.catalog import services as catalog
from graphql_api.execution.coded_schema import ErrorCodes
from graphql_api.schema import schema
from realtime import bus
from tests.factories import make_product, make_user
from tests.support.graphql import contract_document
from tests.support.ids import global_id
from tests.support.websocket import LEGACY_WS, TRANSPORT_WS, joining

REALTIME = contract_document("realtime")


def test_no_extension_adds_to_an_error_free_subscription_result():
    # direct delivery (graphql_api/execution/direct_delivery.py) skips these hooks: an
    # extension that adds results or rewrites stream results must be handled there first
    extensions = list(schema.extensions)
    assert all(extension.get_results is SchemaExtension.get_results for extension in extensions)
    rewriting = [
        extension
        for extension in extensions
        if extension.on_stream_result is not SchemaExtension.on_stream_result
    ]
    assert rewriting == [ErrorCodes]  # it codes errors, and shared results have none


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_shared_events_skip_strawberrys_per_result_processing(open_ws, monkeypatch, protocol):
    # given three anonymous subscribers of a product and strawberry's per-result hooks
    # counted
    hooked: list[object] = []
    on_stream_result = ErrorCodes.on_stream_result

    def counted(self, result):
        hooked.append(result)
        return on_stream_result(self, result)

    monkeypatch.setattr(ErrorCodes, "on_stream_result", counted)
    staff = await sync_to_async(make_user)(is_staff=True)
    product = await sync_to_async(make_product)(stock=3)
    sockets = [await open_ws(protocol=protocol) for _ in range(3)]
    for socket in sockets:
        async with joining(bus.product_group(product.pk)):
            await socket.communicator.send_json_to(
                {
                    "id": "1",
                    "type": "subscribe" if protocol == TRANSPORT_WS else "start",
                    "payload": {
                        "query": REALTIME,
                        "operationName": "OnProductEvents",
                        "variables": {"productIds": [global_id("Product", product.pk)]},
                    },
                }
            )
    # when it changes
    await sync_to_async(catalog.stock_adjust)(actor=staff, product_id=product.pk, delta=1)
    # then each got the event, and none went through strawberry's result handling
    for socket in sockets:
        message = await socket.receive()
        assert message["type"] == ("next" if protocol == TRANSPORT_WS else "data")
        assert message["payload"]["data"]["productEvents"]["product"]["stock"] == 4
    assert hooked == []
