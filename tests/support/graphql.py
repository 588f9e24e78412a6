"""Run GraphQL documents through the real HTTP endpoint (Django's test client)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.test import Client

CONTRACT = Path(__file__).resolve().parents[2] / "contract" / "operations"
# A stock change as a staff client sends it, for tests that drive a running server.
STOCK_ADJUST = (
    "mutation ($id: ID!, $d: Int!) { stockAdjust(productId: $id, delta: $d) "
    "{ product { stock } errors { code } } }"
)


def contract_document(name: str) -> str:
    """The text of `contract/operations/<name>.graphql`."""
    return (CONTRACT / f"{name}.graphql").read_text()


def run_graphql(
    client: Client,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    operation_name: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {"query": query, "variables": variables or {}}
    if operation_name:
        payload["operationName"] = operation_name
    response = client.post(
        "/graphql/", payload, content_type="application/json", headers=headers or {}
    )
    assert response.status_code in (200, 400), response.content
    return response.json()


def client_for(user: Any | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def execute(
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    viewer: Any | None = None,
    operation_name: str | None = None,
) -> dict[str, Any]:
    """Run a document straight through the schema, as `viewer`, without HTTP or
    authentication: for counting the queries an operation itself makes."""
    from asgiref.sync import async_to_sync
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse
    from django.test import RequestFactory

    from graphql_api.context import Context
    from graphql_api.schema import schema

    request = RequestFactory().post("/graphql/")
    request.user = viewer or AnonymousUser()
    context = Context(request=request, response=HttpResponse(), viewer=request.user)
    result = async_to_sync(schema.execute)(
        query,
        variable_values=variables or {},
        context_value=context,
        operation_name=operation_name,
    )
    response: dict[str, Any] = {"data": result.data}
    if result.errors:
        response["errors"] = [error.formatted for error in result.errors]
    return response


def error_codes(response: dict[str, Any]) -> list[str | None]:
    return [error.get("extensions", {}).get("code") for error in response.get("errors", [])]


def operation_document(name: str, operation: str) -> str:
    """One operation of `contract/operations/<name>.graphql` with the fragments it uses,
    as a document of its own (so it runs even while the file's other operations are not
    yet served)."""
    from graphql_api.persisted.store import operations_alone

    return dict(operations_alone(contract_document(name)))[operation]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
