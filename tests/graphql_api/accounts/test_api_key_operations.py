"""The API-key operations of integrations.graphql (ApiKeyCreate, ApiKeyRevoke, ApiKeys) for
anonymous callers, customers, staff and an API key (every scope): only staff signed in as
themselves manage keys; anyone else gets UNAUTHENTICATED or PERMISSION_DENIED (in the
payload for mutations, as a top-level error for the query) and nothing changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from domain.accounts.models import ApiKey
from domain.common.permissions import StaffScope
from tests.factories import make_api_key, make_staff, make_user
from tests.factories.api_keys import api_key_header
from tests.support.graphql import client_for, error_codes
from tests.support.ids import global_id
from tests.support.integrations_operations import API_KEY_OPERATIONS

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "customer", "staff", "api_key"]
REFUSAL = {
    "anonymous": "UNAUTHENTICATED",
    "customer": "PERMISSION_DENIED",
    "api_key": "PERMISSION_DENIED",
}
ME = "{ me { email } }"


@pytest.fixture
def world() -> dict[str, Any]:
    """Two staff members, each with a key (Ada's the older), and a customer."""
    ada, bob = make_staff(email="ada@example.com"), make_staff(email="bob@example.com")
    adas_key, adas_secret = make_api_key(created_by=ada, name="ERP", scopes=["CATALOG_READ"])
    bobs_key, bobs_secret = make_api_key(created_by=bob, name="Search", scopes=list(StaffScope))
    return {
        "staff": ada,
        "customer": make_user(email="customer@example.com"),
        "keys": [adas_key, bobs_key],
        "secrets": [adas_secret, bobs_secret],
    }


def _run(world: dict[str, Any], role: str, operation: str, variables: dict) -> dict[str, Any]:
    headers: dict[str, str] = {}
    client = Client()
    if role == "api_key":
        headers = api_key_header(world["secrets"][1])  # a key with every scope
    elif role in ("customer", "staff"):
        client = client_for(world[role])
    response = client.post(
        "/graphql/",
        {"query": API_KEY_OPERATIONS, "operationName": operation, "variables": variables},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200, response.content
    return response.json()


def _state() -> list[tuple]:
    return list(ApiKey.objects.order_by("pk").values_list("pk", "name", "revoked_at"))


def _refused(code: str, message: str, field: str | None = None) -> list[dict[str, Any]]:
    return [{"field": field, "message": message, "code": code}]


CREATE_REFUSALS = {
    "anonymous": "Sign in as staff to create API keys.",
    "customer": "Only staff may create API keys.",
    "api_key": "This API key may not create API keys: it needs a staff sign-in, not an API key.",
}


@pytest.mark.parametrize("role", ROLES)
def test_api_key_create(world, role):
    before = _state()
    result = _run(
        world,
        role,
        "ApiKeyCreate",
        {"input": {"name": "Indexer", "scopes": ["CATALOG_READ", "ORDERS_READ"]}},
    )
    payload = result["data"]["apiKeyCreate"]
    if role != "staff":
        assert payload == {
            "apiKey": None,
            "secret": None,
            "errors": _refused(REFUSAL[role], CREATE_REFUSALS[role]),
        }
        assert _state() == before
        return
    assert payload["errors"] == []
    key = ApiKey.objects.get(name="Indexer")
    assert payload["apiKey"] == {
        "id": global_id("ApiKey", key.pk),
        "name": "Indexer",
        "prefix": key.prefix,
        "scopes": ["CATALOG_READ", "ORDERS_READ"],
        "createdAt": key.created_at.isoformat(),
    }
    assert payload["secret"].startswith(key.prefix)
    assert key.created_by_id == world["staff"].pk
    # the secret shown works, as its maker
    used = Client().post(
        "/graphql/",
        {"query": ME},
        content_type="application/json",
        headers=api_key_header(payload["secret"]),
    )
    assert used.json() == {"data": {"me": {"email": "ada@example.com"}}}


REVOKE_REFUSALS = {
    "anonymous": "Sign in as staff to revoke API keys.",
    "customer": "Only staff may revoke API keys.",
    "api_key": "This API key may not revoke API keys: it needs a staff sign-in, not an API key.",
}


@pytest.mark.parametrize("role", ROLES)
def test_api_key_revoke(world, role):
    # Ada's key is revoked by: staff (Ada herself), or refused for anyone else
    before = _state()
    target = world["keys"][0]
    result = _run(world, role, "ApiKeyRevoke", {"id": global_id("ApiKey", target.pk)})
    payload = result["data"]["apiKeyRevoke"]
    if role != "staff":
        assert payload == {"apiKey": None, "errors": _refused(REFUSAL[role], REVOKE_REFUSALS[role])}
        assert _state() == before
        return
    target.refresh_from_db()
    assert payload == {
        "apiKey": {
            "id": global_id("ApiKey", target.pk),
            "revokedAt": target.revoked_at.isoformat(),
        },
        "errors": [],
    }


@pytest.mark.parametrize("role", ROLES)
def test_api_keys(world, role):
    before = _state()
    result = _run(world, role, "ApiKeys", {})
    assert _state() == before
    if role != "staff":
        assert result["data"] is None
        assert error_codes(result) == [REFUSAL[role]]
        return
    adas, bobs = world["keys"]
    assert [edge["node"] for edge in result["data"]["apiKeys"]["edges"]] == [
        {
            "id": global_id("ApiKey", key.pk),
            "name": key.name,
            "prefix": key.prefix,
            "scopes": scopes,
            "createdAt": key.created_at.isoformat(),
            "lastUsedAt": None,
            "revokedAt": None,
        }
        for key, scopes in (
            (
                bobs,
                ["CATALOG_READ", "CATALOG_WRITE", "ORDERS_READ", "ORDERS_WRITE", "WEBHOOKS_MANAGE"],
            ),
            (adas, ["CATALOG_READ"]),
        )
    ]


def test_a_staff_member_revokes_another_staff_members_key_and_it_stops_working(world):
    # given Bob's key, which works
    secret = world["secrets"][1]
    ok = Client().post(
        "/graphql/", {"query": ME}, content_type="application/json", headers=api_key_header(secret)
    )
    assert ok.status_code == 200
    # when Ada revokes it, twice (a retry)
    variables = {"id": global_id("ApiKey", world["keys"][1].pk)}
    first = _run(world, "staff", "ApiKeyRevoke", variables)["data"]["apiKeyRevoke"]
    second = _run(world, "staff", "ApiKeyRevoke", variables)["data"]["apiKeyRevoke"]
    # then both succeed with the same revocation, and the key gets 401
    assert first["errors"] == second["errors"] == []
    assert first["apiKey"]["revokedAt"] is not None
    assert second["apiKey"] == first["apiKey"]
    refused = Client().post(
        "/graphql/", {"query": ME}, content_type="application/json", headers=api_key_header(secret)
    )
    assert refused.status_code == 401
    # and the list still shows it, revoked, with the use it had
    listed = _run(world, "staff", "ApiKeys", {})["data"]["apiKeys"]["edges"][0]["node"]
    assert listed["revokedAt"] == first["apiKey"]["revokedAt"]
    assert listed["lastUsedAt"] is not None


@pytest.mark.parametrize(
    "given_id",
    [
        pytest.param(lambda world: global_id("ApiKey", 987654), id="unknown"),
        pytest.param(lambda world: "not-an-id", id="malformed"),
        pytest.param(lambda world: global_id("Product", world["keys"][0].pk), id="other-type"),
    ],
)
def test_revoking_what_is_not_a_key_is_not_found(world, given_id):
    before = _state()
    result = _run(world, "staff", "ApiKeyRevoke", {"id": given_id(world)})
    assert result["data"]["apiKeyRevoke"] == {
        "apiKey": None,
        "errors": _refused("NOT_FOUND", "No such API key.", field="id"),
    }
    assert _state() == before


@pytest.mark.parametrize(
    ("input", "errors"),
    [
        (
            {"name": "  ", "scopes": ["CATALOG_READ"]},
            [{"field": "name", "message": "Give the key a name.", "code": "REQUIRED"}],
        ),
        (
            {"name": "x" * 101, "scopes": []},
            [
                {"field": "name", "message": "At most 100 characters.", "code": "INVALID"},
                {"field": "scopes", "message": "Give at least one scope.", "code": "REQUIRED"},
            ],
        ),
    ],
)
def test_bad_input_gets_payload_errors_and_creates_nothing(world, input, errors):
    before = _state()
    result = _run(world, "staff", "ApiKeyCreate", {"input": input})
    assert result["data"]["apiKeyCreate"] == {"apiKey": None, "secret": None, "errors": errors}
    assert _state() == before


def test_an_unknown_scope_is_a_validation_error(world):
    result = _run(world, "staff", "ApiKeyCreate", {"input": {"name": "x", "scopes": ["ROOT"]}})
    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert "data" not in result


@pytest.mark.parametrize(("role", "visible"), [(r, r == "staff") for r in ROLES])
def test_a_key_by_node_id_is_seen_by_staff_only(world, role, visible):
    key_id = global_id("ApiKey", world["keys"][0].pk)
    query = "query ($id: ID!) { node(id: $id) { ... on ApiKey { id name } } }"
    client = Client()
    headers = api_key_header(world["secrets"][1]) if role == "api_key" else {}
    if role in ("customer", "staff"):
        client = client_for(world[role])
    response = client.post(
        "/graphql/",
        {"query": query, "variables": {"id": key_id}},
        content_type="application/json",
        headers=headers,
    ).json()
    assert response == {"data": {"node": {"id": key_id, "name": "ERP"} if visible else None}}
