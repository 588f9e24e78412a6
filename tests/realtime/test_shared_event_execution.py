"""Subscribers who would get the same answer share one execution of each event; nobody
gets an answer meant for someone else."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from domain.accounts.tokens import access_token_encode
from domain.catalog import services as catalog
from graphql_api.catalog.subscriptions import ProductEventPayload
from graphql_api.execution.shared_execution import SharedEventExecutionContext
from realtime import bus
from tests.factories import make_product, make_review, make_user
from tests.support.graphql import contract_document
from tests.support.ids import global_id
from tests.support.websocket import LEGACY_WS, joining

pytestmark = [pytest.mark.django_db(transaction=True)]

REALTIME = contract_document("realtime")
WITH_FAVORITE = """
subscription Favorites($productIds: [ID!]) {
  productEvents(productIds: $productIds) { cursor type product { id stock isFavorite } }
}
"""


@pytest.fixture
def executions(monkeypatch) -> list[object]:
    """Each execution of a product event's selection set, shared or not."""
    ran: list[object] = []
    execute = SharedEventExecutionContext.execute_once

    def counted(self, serially=None):
        if isinstance(self.root_value, ProductEventPayload):
            ran.append(self.root_value)
        return execute(self, serially)

    monkeypatch.setattr(SharedEventExecutionContext, "execute_once", counted)
    return ran


async def _subscribe_all(sockets, document, variables, group, operation=None) -> None:
    for socket in sockets:
        async with joining(group):
            await socket.subscribe(document, variables, operation)


async def test_anonymous_subscribers_of_one_event_share_one_execution(open_ws, executions):
    staff = await sync_to_async(make_user)(is_staff=True)
    product = await sync_to_async(make_product)(stock=10)
    sockets = [await open_ws() for _ in range(5)]
    variables = {"productIds": [global_id("Product", product.pk)]}
    await _subscribe_all(
        sockets, REALTIME, variables, bus.product_group(product.pk), "OnProductEvents"
    )
    await sync_to_async(catalog.stock_adjust)(actor=staff, product_id=product.pk, delta=3)
    received = [(await socket.next_data())["data"]["productEvents"] for socket in sockets]
    assert all(event == received[0] for event in received)
    assert received[0]["type"] == "STOCK_CHANGED"
    assert received[0]["product"]["stock"] == 13
    assert len(executions) == 1


async def _fifty_subscribers(open_ws, document, variables, group, operation=None) -> list:
    """20 anonymous sockets, 20 of 10 customers (two each) and 10 of 5 staff (two each),
    all subscribed to `document`."""
    customers = [await sync_to_async(make_user)() for _ in range(10)]
    staff = [await sync_to_async(make_user)(is_staff=True) for _ in range(5)]
    inits = [None] * 20 + [
        {"authorization": f"Bearer {access_token_encode(user)}"}
        for user in customers * 2 + staff * 2
    ]
    sockets = [await open_ws(init=init) for init in inits]
    await _subscribe_all(sockets, document, variables, group, operation)
    return sockets


async def test_fifty_subscribers_across_roles_share_one_execution_per_viewer_class(
    open_ws, executions
):
    # given 50 subscribers of a published and an unpublished product, in every role, with
    # the contract's document (no per-viewer field)
    staff = await sync_to_async(make_user)(is_staff=True)
    shown = await sync_to_async(make_product)(stock=10)
    hidden = await sync_to_async(make_product)(stock=10, is_published=False)
    variables = {"productIds": [global_id("Product", p.pk) for p in (shown, hidden)]}
    sockets = await _fifty_subscribers(
        open_ws, REALTIME, variables, bus.product_group(shown.pk), "OnProductEvents"
    )
    # when the published product changes, then the unpublished one (staff only)
    await sync_to_async(catalog.stock_adjust)(actor=staff, product_id=shown.pk, delta=1)
    await sync_to_async(catalog.stock_adjust)(actor=staff, product_id=hidden.pk, delta=2)
    # then everyone got the first, staff the second; one execution for everyone who is not
    # staff and one for staff, then one for staff
    for socket in sockets:
        event = (await socket.next_data())["data"]["productEvents"]
        assert (event["productId"], event["product"]["stock"]) == (variables["productIds"][0], 11)
    for socket in sockets[40:]:
        event = (await socket.next_data())["data"]["productEvents"]
        assert (event["productId"], event["product"]["stock"]) == (variables["productIds"][1], 12)
    assert len(executions) == 3


async def test_a_document_with_a_per_viewer_field_runs_once_per_viewer(open_ws, executions):
    # given the same 50 subscribers with a document that reads isFavorite
    staff = await sync_to_async(make_user)(is_staff=True)
    product = await sync_to_async(make_product)(stock=10)
    sockets = await _fifty_subscribers(
        open_ws,
        WITH_FAVORITE,
        {"productIds": [global_id("Product", product.pk)]},
        bus.product_group(product.pk),
    )
    # when the product changes
    await sync_to_async(catalog.stock_adjust)(actor=staff, product_id=product.pk, delta=1)
    # then one execution for the anonymous subscribers, one per customer, one per staff
    for socket in sockets:
        assert (await socket.next_data())["data"]["productEvents"]["product"]["stock"] == 11
    assert len(executions) == 1 + 10 + 5


async def test_signed_in_subscribers_each_get_their_own_answer(open_ws, executions):
    staff = await sync_to_async(make_user)(is_staff=True)
    fan, other = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    product = await sync_to_async(make_product)(stock=10)
    await sync_to_async(catalog.favorite_toggle)(actor=fan, product_id=product.pk)
    sockets = [
        await open_ws(init={"authorization": f"Bearer {access_token_encode(user)}"})
        for user in (fan, other)
    ] + [await open_ws()]
    await _subscribe_all(
        sockets,
        WITH_FAVORITE,
        {"productIds": [global_id("Product", product.pk)]},
        bus.product_group(product.pk),
    )
    await sync_to_async(catalog.stock_adjust)(actor=staff, product_id=product.pk, delta=1)
    favorites = [
        (await socket.next_data())["data"]["productEvents"]["product"]["isFavorite"]
        for socket in sockets
    ]
    assert favorites == [True, False, False]
    assert len(executions) == 3


async def test_different_documents_or_variables_are_not_shared(open_ws, executions):
    staff = await sync_to_async(make_user)(is_staff=True)
    product = await sync_to_async(make_product)(stock=10)
    product_id = global_id("Product", product.pk)
    contract, narrower, custom = await open_ws(), await open_ws(), await open_ws()
    group = bus.product_group(product.pk)
    await _subscribe_all(
        [contract], REALTIME, {"productIds": [product_id]}, group, "OnProductEvents"
    )
    await _subscribe_all(
        [narrower],
        REALTIME,
        {"productIds": [product_id], "types": ["STOCK_CHANGED"]},
        group,
        "OnProductEvents",
    )
    await _subscribe_all([custom], WITH_FAVORITE, {"productIds": [product_id]}, group)
    await sync_to_async(catalog.stock_adjust)(actor=staff, product_id=product.pk, delta=2)
    for socket in (contract, narrower):
        event = (await socket.next_data())["data"]["productEvents"]
        assert (event["type"], event["product"]["stock"]) == ("STOCK_CHANGED", 12)
    assert (await custom.next_data())["data"]["productEvents"]["product"] == {
        "id": product_id,
        "stock": 12,
        "isFavorite": False,
    }
    assert len(executions) == 3


WITH_AUTHOR_EMAILS = """
subscription Authors($productIds: [ID!]) {
  productEvents(productIds: $productIds) {
    product { reviews(first: 5) { edges { node { author { email } } } } }
  }
}
"""


async def test_a_connection_that_signed_in_over_itself_never_shares_what_it_may_see(
    open_ws, executions
):
    staff = await sync_to_async(make_user)(is_staff=True)
    alice = await sync_to_async(make_user)(email="alice@example.com", password="a-pass-phrase-9")
    product = await sync_to_async(make_product)(stock=10)
    await sync_to_async(make_review)(product=product, author=alice)
    # given an anonymous connection on which alice signs in (tokenCreate reveals her email
    # to this connection), and another anonymous connection
    hers, theirs = await open_ws(), await open_ws()
    await hers.subscribe(
        'mutation { tokenCreate(email: "alice@example.com", password: "a-pass-phrase-9") '
        "{ errors { code } } }"
    )
    assert (await hers.next_data())["data"]["tokenCreate"]["errors"] == []
    assert (await hers.receive())["type"] == "complete"
    await _subscribe_all(
        [hers, theirs],
        WITH_AUTHOR_EMAILS,
        {"productIds": [global_id("Product", product.pk)]},
        bus.product_group(product.pk),
    )
    await sync_to_async(catalog.stock_adjust)(actor=staff, product_id=product.pk, delta=1)

    def emails(payload: dict) -> list:
        edges = payload["data"]["productEvents"]["product"]["reviews"]["edges"]
        return [edge["node"]["author"]["email"] for edge in edges]

    # then each gets its own answer: the other connection never sees alice's email
    assert emails(await hers.next_data()) == ["alice@example.com"]
    assert emails(await theirs.next_data()) == [None]
    assert len(executions) == 2


async def test_a_second_connection_init_on_the_legacy_protocol_closes_with_4429(open_ws):
    fan = await sync_to_async(make_user)()
    socket = await open_ws(protocol=LEGACY_WS, acknowledge=False)
    await socket.communicator.send_json_to({"type": "connection_init", "payload": {}})
    assert (await socket.receive())["type"] == "connection_ack"
    await socket.communicator.send_json_to(
        {
            "type": "connection_init",
            "payload": {"authorization": f"Bearer {access_token_encode(fan)}"},
        }
    )
    output = await socket.communicator.receive_output(timeout=5)
    assert (output["type"], output["code"]) == ("websocket.close", 4429)
