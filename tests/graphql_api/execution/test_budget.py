"""A cost budget per client and window: over it, RATE_LIMITED with `retryAfter`, and HTTP
429 with `Retry-After`; nothing runs and nothing is spent."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from domain.accounts.tokens import access_token_encode
from graphql_api.execution import budget
from tests.factories import make_product, make_review, make_user
from tests.support.graphql import bearer
from tests.support.ids import global_id

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = "{ products(first: 10) { edges { node { name } } } }"  # costs 1 + 1 + 10 x 2 = 22


@pytest.fixture(autouse=True)
def _small_budgets(settings):
    settings.GRAPHQL_COST_BUDGET_ANONYMOUS = 50
    settings.GRAPHQL_COST_BUDGET_USER = 100
    settings.GRAPHQL_COST_BUDGET_WINDOW = 3600


def _post(client: Client, query: str = PAGE, address: str = "10.0.0.1", **headers: str) -> Any:
    return client.post(
        "/graphql/",
        {"query": query},
        content_type="application/json",
        headers=headers,
        REMOTE_ADDR=address,
    )


def test_an_anonymous_client_over_its_budget_is_told_when_to_come_back(
    client, django_assert_num_queries
):
    # given two pages spent (44 of 50)
    make_product()
    assert _post(client).status_code == 200
    assert _post(client).status_code == 200
    # when a third would pass the budget
    with django_assert_num_queries(0):
        refused = _post(client)
    # then
    assert refused.status_code == 429
    retry_after = int(refused["Retry-After"])
    assert 0 < retry_after <= 3600
    body = refused.json()
    assert "data" not in body
    assert body["errors"] == [
        {
            "message": f"Too much work asked for in a short time. Try again in {retry_after} "
            "seconds.",
            "extensions": {"code": "RATE_LIMITED", "retryAfter": retry_after},
        }
    ]
    # and a cheaper operation that still fits is served (the refused one spent nothing)
    assert _post(client, "{ products(first: 1) { totalCount } }").status_code == 200


def test_each_address_has_a_budget_of_its_own(client):
    make_product()
    for _ in range(2):
        assert _post(client, address="10.0.0.1").status_code == 200
    assert _post(client, address="10.0.0.1").status_code == 429
    assert _post(client, address="10.0.0.2").status_code == 200


def test_a_signed_in_user_spends_the_user_budget_from_any_address(client):
    # given a user whose token is used from two addresses
    make_product()
    token = access_token_encode(make_user())
    # when they spend 4 pages (88 of 100) from two addresses
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.2"):
        assert _post(client, address=address, **bearer(token)).status_code == 200
    # then the fifth is refused wherever it comes from, and anonymous callers are unaffected
    assert _post(client, address="10.0.0.3", **bearer(token)).status_code == 429
    assert _post(client, address="10.0.0.3").status_code == 200


def test_answers_from_the_response_cache_cost_nothing(client, settings):
    settings.RESPONSE_CACHE_TTL = 30
    make_product()
    responses = [_post(client) for _ in range(5)]
    assert [r.status_code for r in responses] == [200] * 5
    assert [r.get("X-Cache") for r in responses] == ["miss", "hit", "hit", "hit", "hit"]


async def test_the_budget_applies_over_websocket(open_ws):
    await sync_to_async(make_product)()
    user = await sync_to_async(make_user)()
    socket = await open_ws(init={"authorization": f"Bearer {access_token_encode(user)}"})
    for _ in range(4):
        await socket.subscribe(PAGE)
        assert (await socket.receive())["type"] == "next"
        assert (await socket.receive())["type"] == "complete"
    await socket.subscribe(PAGE)
    message = await socket.receive()
    assert message["type"] == "error"
    assert [e["extensions"]["code"] for e in message["payload"]] == ["RATE_LIMITED"]


def test_addresses_of_one_ipv6_network_share_a_budget(client):
    make_product()
    for address in ("2001:db8::1", "2001:db8::2"):
        assert _post(client, address=address).status_code == 200
    assert _post(client, address="2001:db8::ffff").status_code == 429
    assert _post(client, address="2001:db8:0:1::1").status_code == 200


SUBSCRIBE = "subscription ($id: ID!) { productEvents(productIds: [$id]) { type } }"  # costs 2


async def test_each_event_of_a_subscription_is_bounded_in_cost(open_ws):
    user = await sync_to_async(make_user)()
    socket = await open_ws(init={"authorization": f"Bearer {access_token_encode(user)}"})
    await socket.subscribe(
        "subscription { productEvents { product { reviews(first: 100) "
        "{ edges { node { body } } } } } }"
    )
    message = await socket.receive()
    assert message["type"] == "error"
    assert [e["extensions"] for e in message["payload"]] == [
        {"code": "QUERY_TOO_COMPLEX", "cost": 1 + 1 + 1 + 1 + 100 * (1 + 50), "maxCost": 1_000}
    ]


async def test_a_clients_live_subscriptions_are_bounded_and_ending_one_frees_its_share(
    open_ws, settings, monkeypatch
):
    # given a signed-in client that may hold subscriptions costing 5 at once
    settings.GRAPHQL_MAX_LIVE_COST = 5
    released = _signal_on_release(monkeypatch)
    user = await sync_to_async(make_user)()
    product = await sync_to_async(make_product)()
    gid = global_id("Product", product.pk)
    socket = await open_ws(init={"authorization": f"Bearer {access_token_encode(user)}"})
    first = await socket.subscribe(SUBSCRIBE, {"id": gid})
    await socket.subscribe(SUBSCRIBE, {"id": gid})
    # when a third would hold 6
    await socket.subscribe(SUBSCRIBE, {"id": gid})
    # then it is refused
    message = await socket.receive()
    assert message["type"] == "error"
    assert [e["extensions"] for e in message["payload"]] == [
        {"code": "QUERY_TOO_COMPLEX", "cost": 6, "maxCost": 5}
    ]
    # when the first ends, and the server has let go of its share
    await socket.communicator.send_json_to({"id": first, "type": "complete"})
    await asyncio.wait_for(released.wait(), timeout=5)
    # then another fits again: a fourth is accepted (an accepted subscription answers
    # nothing until an event), so a fifth would hold 6 and is the one refused
    await socket.subscribe(SUBSCRIBE, {"id": gid})
    fifth = await socket.subscribe(SUBSCRIBE, {"id": gid})
    message = await socket.receive()
    assert (message["type"], message["id"]) == ("error", fifth)
    assert [e["extensions"] for e in message["payload"]] == [
        {"code": "QUERY_TOO_COMPLEX", "cost": 6, "maxCost": 5}
    ]


def _signal_on_release(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """An event set when the server lets go of a live subscription's share."""
    released = asyncio.Event()
    release = budget.live_costs.release

    def releasing(*args: Any) -> None:
        release(*args)
        released.set()

    monkeypatch.setattr(budget.live_costs, "release", releasing)
    return released


def test_writes_spend_the_budget_so_a_user_cannot_move_the_cache_without_bound(client, settings):
    # given a reviewer whose budget holds two writes
    settings.GRAPHQL_COST_BUDGET_USER = 5_000
    settings.GRAPHQL_MUTATION_COST = 2_000
    author = make_user()
    review = make_review(product=make_product(), author=author)
    token = access_token_encode(author)
    edit = (
        "mutation ($id: ID!, $r: Int!) { reviewUpdate(id: $id, input: {rating: $r})"
        " { errors { code } } }"
    )
    gid = global_id("Review", review.pk)

    def rate(rating: int) -> Any:
        return client.post(
            "/graphql/",
            {"query": edit, "variables": {"id": gid, "r": rating}},
            content_type="application/json",
            headers=bearer(token),
        )

    # when they keep changing the rating back and forth
    statuses = [rate(rating).status_code for rating in (5, 4, 5)]
    # then the third write is refused
    assert statuses == [200, 200, 429]
