"""The webhook operations of integrations.graphql, word for word, for every kind of caller:
anonymous, a customer, staff, and an API key of a staff member with and without the
WEBHOOKS_MANAGE scope (an actor marked with its scopes, as the key authentication will)."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from django.utils import timezone

from domain.common.permissions import API_KEY_SCOPES_ATTRIBUTE, StaffScope
from domain.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import make_staff, make_user
from tests.factories.webhooks import make_webhook
from tests.support.graphql import client_for, execute, run_graphql
from tests.support.ids import global_id, pk_of
from tests.support.webhook_operations import (
    WEBHOOK_CREATE,
    WEBHOOK_DELETE,
    WEBHOOK_DELIVERIES,
    WEBHOOK_UPDATE,
)

pytestmark = pytest.mark.django_db

VIEWERS = ["anonymous", "customer", "staff", "key_with_scope", "key_without_scope"]
REFUSED = {
    "anonymous": "UNAUTHENTICATED",
    "customer": "PERMISSION_DENIED",
    "key_without_scope": "PERMISSION_DENIED",
}


def _key_of(staff, scopes):
    """The actor an API key of `staff` with `scopes` acts as."""
    actor = copy.copy(staff)
    setattr(actor, API_KEY_SCOPES_ATTRIBUTE, frozenset(scopes))
    return actor


@pytest.fixture
def people():
    staff = make_staff(email="staff@example.com")
    return {
        "anonymous": None,
        "customer": make_user(email="customer@example.com"),
        "staff": staff,
        "key_with_scope": _key_of(staff, {StaffScope.WEBHOOKS_MANAGE}),
        "key_without_scope": _key_of(staff, {StaffScope.CATALOG_WRITE, StaffScope.ORDERS_READ}),
    }


@pytest.fixture(autouse=True)
def _public_targets_only(settings):
    settings.DEBUG = False
    settings.WEBHOOK_ALLOWED_HOSTS = []


@pytest.fixture(autouse=True)
def _public_hosts_resolve(monkeypatch):
    """hooks.example.com resolves to a public address (the test machine has no DNS)."""
    import ipaddress

    from domain.webhooks import addresses

    real = addresses.resolve

    def resolve(host, port):
        if host.endswith("example.com"):
            return [ipaddress.ip_address("93.184.215.14")]
        return real(host, port)

    monkeypatch.setattr(addresses, "resolve", resolve)


def _state() -> list[tuple]:
    return list(
        WebhookEndpoint.objects.order_by("pk").values_list("url", "events", "is_active", "secret")
    )


def _refusal(viewer: str, action: str) -> list[dict]:
    code = REFUSED[viewer]
    message = {
        "anonymous": f"Sign in as staff to {action}.",
        "customer": f"Only staff may {action}.",
        "key_without_scope": f"This API key may not {action}: it needs the WEBHOOKS_MANAGE scope.",
    }[viewer]
    return [{"field": None, "message": message, "code": code}]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_webhook_create(people, viewer):
    # given
    before = _state()
    variables = {
        "input": {
            "url": "https://hooks.example.com/shop",
            "events": ["PRODUCT_PRICE_CHANGED", "ORDER_CREATED"],
            "description": "ERP",
        }
    }
    # when
    result = execute(WEBHOOK_CREATE, variables, viewer=people[viewer])
    # then
    payload = result["data"]["webhookCreate"]
    if viewer in REFUSED:
        assert payload == {
            "webhook": None,
            "secret": None,
            "errors": _refusal(viewer, "create webhooks"),
        }
        assert _state() == before
        return
    endpoint = WebhookEndpoint.objects.get()
    assert payload == {
        "webhook": {
            "id": global_id("Webhook", endpoint.pk),
            "url": "https://hooks.example.com/shop",
            "events": ["PRODUCT_PRICE_CHANGED", "ORDER_CREATED"],
            "isActive": True,
            "createdAt": endpoint.created_at.isoformat(),
        },
        "secret": endpoint.secret,
        "errors": [],
    }
    assert payload["secret"].startswith("whsec_")
    assert (endpoint.description, endpoint.created_by_id) == ("ERP", people["staff"].pk)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_webhook_update(people, viewer):
    endpoint = make_webhook(events=["product.created"])
    before = _state()
    result = execute(
        WEBHOOK_UPDATE,
        {
            "id": global_id("Webhook", endpoint.pk),
            "input": {"events": ["ORDER_STATUS_CHANGED"], "isActive": False},
        },
        viewer=people[viewer],
    )
    payload = result["data"]["webhookUpdate"]
    if viewer in REFUSED:
        assert payload == {"webhook": None, "errors": _refusal(viewer, "change webhooks")}
        assert _state() == before
        return
    assert payload == {
        "webhook": {
            "id": global_id("Webhook", endpoint.pk),
            "url": endpoint.url,
            "events": ["ORDER_STATUS_CHANGED"],
            "isActive": False,
        },
        "errors": [],
    }
    endpoint.refresh_from_db()
    assert (endpoint.events, endpoint.is_active, endpoint.disabled_reason) == (
        ["order.status_changed"],
        False,
        "Disabled by staff.",
    )


@pytest.mark.parametrize("viewer", VIEWERS)
def test_webhook_delete(people, viewer):
    endpoint = make_webhook()
    before = _state()
    webhook_id = global_id("Webhook", endpoint.pk)
    result = execute(WEBHOOK_DELETE, {"id": webhook_id}, viewer=people[viewer])
    payload = result["data"]["webhookDelete"]
    if viewer in REFUSED:
        assert payload == {"deletedId": None, "errors": _refusal(viewer, "delete webhooks")}
        assert _state() == before
        return
    assert payload == {"deletedId": webhook_id, "errors": []}
    assert _state() == []


@pytest.mark.parametrize("viewer", VIEWERS)
def test_webhook_deliveries(people, viewer):
    # given an endpoint with a failed and a successful attempt
    endpoint = make_webhook()
    moment = timezone.now()
    deliveries = [
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            stream="product",
            event_pk=7,
            event_id="evt_product_7",
            event_type="product.price_changed",
            attempt=attempt,
            status_code=status,
            succeeded=status == 200,
            duration_ms=12,
            error="" if status == 200 else "HTTP 500",
            created_at=moment + timedelta(seconds=attempt),
        )
        for attempt, status in ((1, 500), (2, 200))
    ]
    # when
    result = execute(
        WEBHOOK_DELIVERIES, {"id": global_id("Webhook", endpoint.pk)}, viewer=people[viewer]
    )
    # then: a node for staff with the scope, and nothing at all for anyone else
    if viewer in REFUSED:
        assert result == {"data": {"node": None}}
        return
    assert result == {
        "data": {
            "node": {
                "id": global_id("Webhook", endpoint.pk),
                "url": endpoint.url,
                "deliveries": {
                    "edges": [
                        {
                            "node": {
                                "id": global_id("WebhookDelivery", delivery.pk),
                                "eventId": "evt_product_7",
                                "eventType": "PRODUCT_PRICE_CHANGED",
                                "attempt": delivery.attempt,
                                "statusCode": delivery.status_code,
                                "succeeded": delivery.succeeded,
                                "durationMs": 12,
                                "createdAt": delivery.created_at.isoformat(),
                            }
                        }
                        for delivery in reversed(deliveries)  # newest first
                    ]
                },
            }
        }
    }


@pytest.mark.parametrize("viewer", ["anonymous", "customer", "key_without_scope"])
def test_a_delivery_node_is_hidden_as_well(people, viewer):
    endpoint = make_webhook()
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        stream="order",
        event_pk=3,
        event_id="evt_order_3",
        event_type="order.created",
        attempt=1,
        succeeded=True,
        status_code=204,
        created_at=timezone.now(),
    )
    query = "query ($id: ID!) { node(id: $id) { ... on WebhookDelivery { eventId } } }"
    delivery_id = global_id("WebhookDelivery", delivery.pk)
    assert execute(query, {"id": delivery_id}, viewer=people[viewer]) == {"data": {"node": None}}
    assert execute(query, {"id": delivery_id}, viewer=people["staff"]) == {
        "data": {"node": {"eventId": "evt_order_3"}}
    }


def test_a_url_resolving_to_127_0_0_1_is_refused_with_debug_off(people):
    result = execute(
        WEBHOOK_CREATE,
        {"input": {"url": "http://127.0.0.1:8080/hooks", "events": ["PRODUCT_CREATED"]}},
        viewer=people["staff"],
    )
    assert result["data"]["webhookCreate"] == {
        "webhook": None,
        "secret": None,
        "errors": [
            {
                "field": "url",
                "message": "The address of 127.0.0.1 is not allowed as a webhook target (with "
                "DEBUG off, only public addresses are, and the hosts and networks listed in "
                "WEBHOOK_ALLOWED_HOSTS).",
                "code": "INVALID",
            }
        ],
    }
    assert _state() == []


def test_a_url_resolving_to_127_0_0_1_is_accepted_when_listed(people, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    result = execute(
        WEBHOOK_CREATE,
        {"input": {"url": "http://127.0.0.1:8080/hooks", "events": ["PRODUCT_CREATED"]}},
        viewer=people["staff"],
    )
    assert result["data"]["webhookCreate"]["errors"] == []
    assert _state()[0][:3] == ("http://127.0.0.1:8080/hooks", ["product.created"], True)


def test_every_bad_field_is_reported_at_once(people):
    result = execute(
        WEBHOOK_CREATE,
        {"input": {"url": "ftp://hooks.example.com/", "events": [], "description": "x" * 501}},
        viewer=people["staff"],
    )
    assert result["data"]["webhookCreate"]["errors"] == [
        {
            "field": "url",
            "message": "The URL must start with http:// or https://.",
            "code": "INVALID",
        },
        {"field": "events", "message": "Choose at least one event type.", "code": "REQUIRED"},
        {"field": "description", "message": "At most 500 characters.", "code": "INVALID"},
    ]
    assert _state() == []


@pytest.mark.parametrize(
    "bad_id", ["not-an-id", global_id("Product", 1), global_id("Webhook", 999)]
)
def test_an_unknown_webhook_is_not_found(people, bad_id):
    for document, name in ((WEBHOOK_UPDATE, "webhookUpdate"), (WEBHOOK_DELETE, "webhookDelete")):
        variables = {"id": bad_id, "input": {"isActive": False}} if name == "webhookUpdate" else {}
        variables.setdefault("id", bad_id)
        result = execute(document, variables, viewer=people["staff"])
        assert result["data"][name]["errors"] == [
            {"field": "id", "message": "No such webhook.", "code": "NOT_FOUND"}
        ]


def test_changing_the_url_checks_it_again(people):
    endpoint = make_webhook()
    result = execute(
        WEBHOOK_UPDATE,
        {"id": global_id("Webhook", endpoint.pk), "input": {"url": "http://10.0.0.5/in"}},
        viewer=people["staff"],
    )
    assert [e["code"] for e in result["data"]["webhookUpdate"]["errors"]] == ["INVALID"]
    endpoint.refresh_from_db()
    assert endpoint.url == "https://hooks.example.com/in"


def test_over_http_a_signed_in_staff_member_creates_a_webhook(people):
    client = client_for(people["staff"])
    result = run_graphql(
        client,
        WEBHOOK_CREATE,
        {"input": {"url": "https://hooks.example.com/a", "events": ["ORDER_CREATED"]}},
    )
    webhook = result["data"]["webhookCreate"]["webhook"]
    assert WebhookEndpoint.objects.get(pk=pk_of(webhook["id"], type_name="Webhook")).events == [
        "order.created"
    ]
    # and the secret is never readable again: not a field of Webhook
    later = run_graphql(
        client,
        "query ($id: ID!) { node(id: $id) { ... on Webhook { secret } } }",
        {"id": webhook["id"]},
    )
    assert [e["extensions"]["code"] for e in later["errors"]] == ["GRAPHQL_VALIDATION_FAILED"]
