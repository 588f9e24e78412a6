"""Every operation of backoffice.graphql and integrations.graphql sent over HTTP with a real
API key (`Authorization: Api-Key <secret>`), unchanged (the whole file plus its
operationName): a key holding the operation's scope gets through; a key holding every other
scope is refused (PERMISSION_DENIED, or null for a node it may not see) and nothing
changes; a revoked key gets 401. What a person does for themself (shopping.graphql) is
refused to any key, whatever its scopes."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from domain.accounts.models import ApiKey
from domain.catalog.models import Category, Favorite, Review
from domain.common.permissions import StaffScope
from domain.orders.models import Order, OrderStatus
from domain.webhooks.models import WebhookEndpoint
from tests.factories import (
    make_api_key,
    make_category,
    make_favorite,
    make_order,
    make_product,
    make_staff,
    make_user,
)
from tests.factories.api_keys import api_key_header
from tests.factories.webhooks import make_webhook
from tests.support.graphql import contract_document, error_codes
from tests.support.ids import global_id

pytestmark = pytest.mark.django_db

REFUSALS = {"UNAUTHENTICATED", "PERMISSION_DENIED"}


@dataclass(frozen=True)
class Case:
    document: str
    operation: str
    scope: StaffScope | None  # None: no key may run it
    variables: Callable[[dict[str, Any]], dict[str, Any]]
    refused_as: str = "payload"  # "payload" errors, a "top"-level error, or a "null" node


CASES = [
    Case(
        "backoffice",
        "CategoryCreate",
        StaffScope.CATALOG_WRITE,
        lambda w: {"input": {"name": "Key Lamps"}},
    ),
    Case(
        "backoffice",
        "CategoryUpdate",
        StaffScope.CATALOG_WRITE,
        lambda w: {"id": global_id("Category", w["category"].pk), "input": {"name": "Renamed"}},
    ),
    Case(
        "backoffice",
        "CategoryDelete",
        StaffScope.CATALOG_WRITE,
        lambda w: {"id": global_id("Category", w["empty_category"].pk)},
    ),
    Case("backoffice", "StaffOrders", StaffScope.ORDERS_READ, lambda w: {}, "top"),
    Case(
        "backoffice",
        "OrderFulfill",
        StaffScope.ORDERS_WRITE,
        lambda w: {"id": global_id("Order", w["order"].pk)},
    ),
    Case(
        "integrations",
        "ApiKeyCreate",
        None,
        lambda w: {"input": {"name": "Another", "scopes": ["CATALOG_READ"]}},
    ),
    Case(
        "integrations",
        "ApiKeyRevoke",
        None,
        lambda w: {"id": global_id("ApiKey", w["other_key"].pk)},
    ),
    Case("integrations", "ApiKeys", None, lambda w: {}, "top"),
    Case(
        "integrations",
        "WebhookCreate",
        StaffScope.WEBHOOKS_MANAGE,
        lambda w: {"input": {"url": "https://hooks.example.com/in", "events": ["ORDER_CREATED"]}},
    ),
    Case(
        "integrations",
        "WebhookUpdate",
        StaffScope.WEBHOOKS_MANAGE,
        lambda w: {"id": global_id("Webhook", w["webhook"].pk), "input": {"isActive": False}},
    ),
    Case(
        "integrations",
        "WebhookDelete",
        StaffScope.WEBHOOKS_MANAGE,
        lambda w: {"id": global_id("Webhook", w["webhook"].pk)},
    ),
    Case(
        "integrations",
        "WebhookDeliveries",
        StaffScope.WEBHOOKS_MANAGE,
        lambda w: {"id": global_id("Webhook", w["webhook"].pk)},
        "null",
    ),
]


@pytest.fixture(autouse=True)
def _public_hosts_resolve(monkeypatch, settings):
    """hooks.example.com resolves to a public address (the test machine has no DNS)."""
    from domain.webhooks import addresses

    settings.DEBUG = False
    real = addresses.resolve
    monkeypatch.setattr(
        addresses,
        "resolve",
        lambda host, port: (
            [ipaddress.ip_address("93.184.215.14")]
            if host.endswith("example.com")
            else real(host, port)
        ),
    )


@pytest.fixture
def world() -> dict[str, Any]:
    category = make_category(name="Lamps")
    product = make_product(name="Brass Lamp", category=category)
    customer = make_user()
    return {
        "category": category,
        "empty_category": make_category(name="Empty"),
        "product": product,
        "order": make_order(customer=customer, status=OrderStatus.CONFIRMED, lines=[(product, 1)]),
        "other_key": make_api_key(scopes=[StaffScope.CATALOG_READ])[0],
        "webhook": make_webhook(),
    }


def _state() -> tuple:
    return (
        list(Category.objects.order_by("pk").values_list("name", "parent_id")),
        list(Order.objects.order_by("pk").values_list("status", flat=True)),
        list(WebhookEndpoint.objects.order_by("pk").values_list("url", "is_active")),
        sorted(ApiKey.objects.values_list("name", "revoked_at")),
        Review.objects.count(),
        Favorite.objects.count(),
    )


def _send(case_document: str, operation: str, variables: dict, secret: str) -> tuple[int, dict]:
    response = Client().post(
        "/graphql/",
        {
            "query": contract_document(case_document),
            "operationName": operation,
            "variables": variables,
        },
        content_type="application/json",
        headers=api_key_header(secret),
    )
    return response.status_code, response.json()


def _payload(response: dict) -> Any:
    data = response.get("data") or {}
    return next(iter(data.values()), None) if data else None


def _refusals(response: dict) -> set[str]:
    codes = set(error_codes(response))
    payload = _payload(response)
    if isinstance(payload, dict):
        codes |= {error["code"] for error in payload.get("errors") or []}
    return codes & REFUSALS


@pytest.mark.parametrize(
    "case", [case for case in CASES if case.scope is not None], ids=lambda case: case.operation
)
def test_a_key_with_the_operations_scope_gets_through(world, case):
    # given a key holding only the operation's scope
    _, secret = make_api_key(scopes=[case.scope])
    # when
    status, response = _send(case.document, case.operation, case.variables(world), secret)
    # then
    assert status == 200, response
    assert "errors" not in response, response
    assert _refusals(response) == set()
    payload = _payload(response)
    assert payload is not None
    if isinstance(payload, dict) and "errors" in payload:
        assert payload["errors"] == []


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.operation)
def test_a_key_without_the_operations_scope_is_refused_and_changes_nothing(world, case):
    # given a key holding every scope but the operation's (every one when none allows it)
    _, secret = make_api_key(scopes=[scope for scope in StaffScope if scope != case.scope])
    before = _state()
    # when
    status, response = _send(case.document, case.operation, case.variables(world), secret)
    # then
    assert status == 200, response
    if case.refused_as == "null":
        assert response == {"data": {"node": None}}
    elif case.refused_as == "top":
        assert error_codes(response) == ["PERMISSION_DENIED"]
        assert response["data"] is None
    else:
        assert _refusals(response) == {"PERMISSION_DENIED"}
    assert _state() == before


@pytest.mark.parametrize("document", ["backoffice", "integrations"])
def test_a_revoked_key_gets_401_on_either_document(world, document):
    # given a revoked key that held every scope
    key, secret = make_api_key()
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    case = next(case for case in CASES if case.document == document)
    before = _state()
    # when
    status, response = _send(document, case.operation, case.variables(world), secret)
    # then
    assert status == 401
    assert error_codes(response) == ["UNAUTHENTICATED"]
    assert _state() == before


@pytest.mark.parametrize(
    ("operation", "variables"),
    [
        (
            "ReviewCreate",
            lambda w: {
                "input": {
                    "productId": global_id("Product", w["product"].pk),
                    "rating": 5,
                    "title": "Great",
                }
            },
        ),
        ("FavoriteToggle", lambda w: {"productId": global_id("Product", w["product"].pk)}),
        (
            "OrderPlace",
            lambda w: {
                "input": {
                    "lines": [{"productId": global_id("Product", w["product"].pk), "quantity": 1}]
                }
            },
        ),
    ],
    ids=["ReviewCreate", "FavoriteToggle", "OrderPlace"],
)
def test_a_key_never_does_what_a_person_does_for_themself(world, operation, variables):
    # given a key holding every scope
    _, secret = make_api_key()
    before = _state()
    # when
    status, response = _send("shopping", operation, variables(world), secret)
    # then
    assert status == 200, response
    assert _refusals(response) == {"PERMISSION_DENIED"}
    assert _state() == before


def test_a_key_reads_nothing_that_is_its_maker_s_own(world):
    # given a staff member with an order and a favourite, and their key holding every
    # scope but ORDERS_READ (which shows every customer's orders and accounts)
    maker = make_staff(email="maker@example.com")
    make_order(customer=maker, lines=[(world["product"], 1)])
    make_favorite(user=maker, product=world["product"])
    _, secret = make_api_key(
        created_by=maker, scopes=[scope for scope in StaffScope if scope != StaffScope.ORDERS_READ]
    )
    # when / then: their orders are refused, their private fields hidden, no favourites
    _, orders = _send("account", "MyOrders", {}, secret)
    assert error_codes(orders) == ["PERMISSION_DENIED"]
    _, me = _send("account", "Me", {}, secret)
    assert me["data"]["me"]["email"] is None
    assert me["data"]["me"]["favorites"] == {"edges": []}
    _, page = _send("storefront", "CatalogPage", {}, secret)
    assert [edge["node"]["isFavorite"] for edge in page["data"]["products"]["edges"]] == [False]
    _, filtered = _send("storefront", "CatalogPage", {"filters": {"isFavorite": True}}, secret)
    assert error_codes(filtered) == ["PERMISSION_DENIED"]


@pytest.mark.parametrize("value", ["", "   "], ids=["empty", "blank"])
def test_an_empty_x_api_key_header_gets_401_not_anonymous_access(world, value):
    # when
    response = Client().post(
        "/graphql/",
        {"query": "{ products(first: 1) { totalCount } }"},
        content_type="application/json",
        headers={"X-Api-Key": value},
    )
    # then
    assert response.status_code == 401
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]
