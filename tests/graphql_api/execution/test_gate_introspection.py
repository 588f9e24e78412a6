"""GRAPHQL_INTROSPECTION: on by default (the storefront schema is public); off, the schema
cannot be introspected and errors suggest no names."""

from __future__ import annotations

import pytest

from tests.support.graphql import run_graphql

pytestmark = pytest.mark.django_db

MISTYPED_FIELD = "{ prodcts(first: 1) { totalCount } }"


def _mistyped_enum_variable(client):
    return run_graphql(
        client,
        "query ($o: [ProductOrder!]) { products(first: 1, ordering: $o) { totalCount } }",
        {"o": [{"price": "ASCC"}]},
    )


def _messages(response):
    return [error["message"] for error in response["errors"]]


def test_introspection_and_suggestions_are_on_by_default(client):
    assert run_graphql(client, "{ __schema { queryType { name } } }") == {
        "data": {"__schema": {"queryType": {"name": "Query"}}}
    }
    assert "Did you mean 'products'" in _messages(run_graphql(client, MISTYPED_FIELD))[0]
    assert "Did you mean the enum value 'ASC'?" in " ".join(
        _messages(_mistyped_enum_variable(client))
    )


@pytest.mark.parametrize(
    "query", ["{ __schema { types { name } } }", '{ __type(name: "Product") { name } }']
)
def test_with_introspection_off_the_schema_cannot_be_read(client, settings, query):
    settings.GRAPHQL_INTROSPECTION = False
    response = run_graphql(client, query)
    assert "data" not in response
    assert {error["extensions"]["code"] for error in response["errors"]} == {
        "GRAPHQL_VALIDATION_FAILED"
    }


def test_with_introspection_off_typename_still_answers(client, settings):
    settings.GRAPHQL_INTROSPECTION = False
    assert run_graphql(client, "{ __typename }") == {"data": {"__typename": "Query"}}


def test_with_introspection_off_errors_suggest_nothing(client, settings):
    settings.GRAPHQL_INTROSPECTION = False
    assert _messages(run_graphql(client, MISTYPED_FIELD)) == [
        "Cannot query field 'prodcts' on type 'Query'."
    ]
    variables = _mistyped_enum_variable(client)
    assert "Did you mean" not in " ".join(_messages(variables))
    assert [error["extensions"]["code"] for error in variables["errors"]] == ["BAD_USER_INPUT"]
