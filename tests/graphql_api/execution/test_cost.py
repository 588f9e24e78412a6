"""The static cost limit: documents that could produce more than GRAPHQL_MAX_COST values
are refused with QUERY_TOO_COMPLEX before anything runs, over HTTP and WebSocket."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    NonNullTypeNode,
    get_named_type,
    get_variable_values,
    parse,
)

from graphql_api.execution.core_schema import core_schema
from graphql_api.execution.cost import LIST_SIZES, is_connection, operation_cost
from graphql_api.schema import schema
from tests.support.graphql import contract_document, run_graphql

# The bomb: 30 aliases of products -> reviews -> product -> reviews (10 MB of output).
_BRANCH = (
    "products(first: 100) { edges { node { reviews(first: 100) { edges { node { product {"
    " reviews(first: 100) { edges { node { title author { displayName } } } } } } } } } } }"
)
BOMB = "{ " + " ".join(f"a{i}: {_BRANCH}" for i in range(30)) + " }"


def _cost(query: str, variables: dict[str, Any] | None = None) -> int:
    document = parse(query)
    operation = document.definitions[0]
    coerced = get_variable_values(
        core_schema(schema), operation.variable_definitions or (), variables or {}
    )
    assert not isinstance(coerced, list), coerced
    return operation_cost(core_schema(schema), document, operation, coerced)


def test_cost_counts_each_value_a_page_and_a_list_can_hold():
    # products: 1 + edges (1 + 10 x node (1 + name 1 + images (1 + 20 x url 1)))
    assert _cost("{ products(first: 10) { edges { node { name images { url } } } } }") == 232


def test_page_sizes_come_from_variables_and_default_to_the_largest_page():
    query = "query ($n: Int) { products(first: $n) { totalCount edges { cursor } } }"
    assert _cost(query, {"n": 3}) == 1 + 1 + (1 + 3)
    assert _cost(query, {}) == 1 + 1 + (1 + 100)


def test_fragments_count_once_per_spread_and_aliases_count_apart():
    query = (
        '{ a: product(slug: "x") { ...F } b: product(slug: "y") { ...F ...F } }'
        " fragment F on Product { name price }"
    )
    assert _cost(query) == (1 + 2) + (1 + 4)


def test_introspection_costs_what_its_largest_answer_could_and_typename_nothing():
    assert _cost("{ __typename __schema { types { name fields { name } } } }") == 25_000
    assert _cost('{ __type(name: "Product") { fields { name } } }') == 1_000


@pytest.mark.django_db
def test_the_full_introspection_query_is_admitted_and_many_schemas_are_not(client):
    from graphql import get_introspection_query

    assert "errors" not in run_graphql(client, get_introspection_query(descriptions=True))
    many = "{ " + " ".join(f"a{i}: __schema {{ types {{ name }} }}" for i in range(3)) + " }"
    assert [e["extensions"]["code"] for e in run_graphql(client, many)["errors"]] == [
        "QUERY_TOO_COMPLEX"
    ]


def test_every_list_of_objects_outside_a_connection_has_a_declared_size():
    unsized = []
    for type_ in core_schema(schema).type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        if is_connection(type_):
            continue  # its lists are pages
        for name, field in type_.fields.items():
            field_type = (
                field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
            )
            item = get_named_type(field.type)
            if (
                isinstance(field_type, GraphQLList)
                and isinstance(item, GraphQLObjectType)
                and item.name not in LIST_SIZES
            ):
                unsized.append(f"{type_.name}.{name}")
    assert unsized == []


@pytest.mark.parametrize(
    "name",
    ["account", "backoffice", "integrations", "realtime", "shopping", "staff", "storefront"],
)
def test_every_contract_operation_fits_the_default_limit_with_room_at_its_largest_pages(
    name, settings
):
    document = parse(contract_document(name))
    for operation in document.definitions:
        if not hasattr(operation, "operation"):
            continue
        names = {v.variable.name.value for v in operation.variable_definitions or ()}
        variables: dict = {"first": 100} if "first" in names else {}
        # a required id (WebhookDeliveries' `$id: ID!`) does not change the cost
        variables |= {
            v.variable.name.value: "any"
            for v in operation.variable_definitions or ()
            if isinstance(v.type, NonNullTypeNode)
            and getattr(v.type.type, "name", None) is not None
            and v.type.type.name.value == "ID"
            and v.default_value is None
        }
        coerced = get_variable_values(
            core_schema(schema), operation.variable_definitions or (), variables
        )
        cost = operation_cost(core_schema(schema), document, operation, coerced)
        assert cost * 1.5 <= settings.GRAPHQL_MAX_COST, (operation.name.value, cost)


@pytest.mark.django_db
def test_the_bomb_is_refused_before_any_database_work(client, django_assert_num_queries):
    # when
    with django_assert_num_queries(0):
        response = run_graphql(client, BOMB)
    # then
    assert "data" not in response
    [error] = response["errors"]
    assert error["extensions"] == {
        "code": "QUERY_TOO_COMPLEX",
        "cost": _cost(BOMB),
        "maxCost": 50_000,
    }
    assert _cost(BOMB) > 30 * 100 * 100 * 100


@pytest.mark.django_db
def test_the_limit_is_a_setting(client, settings):
    settings.GRAPHQL_MAX_COST = 10
    response = run_graphql(client, "{ products(first: 5) { edges { node { name } } } }")
    assert response["errors"][0]["extensions"] == {
        "code": "QUERY_TOO_COMPLEX",
        "cost": 1 + 1 + 5 * 2,
        "maxCost": 10,
    }


@pytest.mark.django_db(transaction=True)
async def test_the_bomb_is_refused_over_websocket_too(open_ws):
    socket = await open_ws()
    await socket.subscribe(BOMB)
    message = await socket.receive()
    assert message["type"] == "error"
    assert [e["extensions"]["code"] for e in message["payload"]] == ["QUERY_TOO_COMPLEX"]


def test_a_review_body_costs_a_unit_per_100_characters_it_may_hold():
    # reviews: 1 + edges (1 + 2 x node (1 + title 1 + body 50))
    assert _cost(
        '{ product(slug: "x") { reviews(first: 2) { edges { node { title body } } } } }'
    ) == (1 + 1 + 1 + 2 * (1 + 1 + 50))


def test_each_mutation_field_adds_the_cost_of_a_write(settings):
    settings.GRAPHQL_MUTATION_COST = 2_000
    query = (
        'mutation { a: tokenRevoke(refreshToken: "x") { revoked } ...Again __typename }'
        ' fragment Again on Mutation { b: tokenRevoke(refreshToken: "y") { revoked } }'
    )
    assert _cost(query) == 2 * (1 + 1) + 2 * 2_000
