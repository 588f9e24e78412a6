"""The declaration of which fields a subscription may share by viewer class: complete,
followed through fragments, and true (the shareable fields answer alike for every viewer
of a class)."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from graphql import (
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    get_named_type,
    is_leaf_type,
    parse,
)

from domain.accounts.tokens import access_token_encode
from domain.catalog import services as catalog
from graphql_api.execution import shared_execution
from graphql_api.schema import schema
from graphql_api.subscriptions.viewer_fields import (
    PER_VIEWER,
    SAME_FOR_VIEWER_CLASS,
    reads_per_viewer_fields,
)
from realtime import bus
from tests.factories import (
    make_category,
    make_product,
    make_product_image,
    make_review,
    make_user,
)
from tests.support.graphql import contract_document
from tests.support.ids import global_id
from tests.support.websocket import joining

SCHEMA = build_schema(schema.as_str())


def _reachable_fields(graphql_schema: GraphQLSchema) -> set[str]:
    """`Type.field` of every field of every type a subscription can reach."""
    fields: set[str] = set()
    seen: set[str] = set()
    pending: list[Any] = [graphql_schema.subscription_type]
    while pending:
        named = get_named_type(pending.pop())
        if named.name in seen:
            continue
        seen.add(named.name)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            for name, field in named.fields.items():
                fields.add(f"{named.name}.{name}")
                pending.append(field.type)
        if not isinstance(named, GraphQLObjectType) and not is_leaf_type(named):
            pending.extend(graphql_schema.get_possible_types(named))
    return fields


def test_every_field_a_subscription_can_reach_is_declared_once():
    # a new field (or type) reachable from Subscription must be declared per viewer or
    # same for a viewer class; nothing is declared both ways or left over
    assert not PER_VIEWER & SAME_FOR_VIEWER_CLASS
    assert _reachable_fields(SCHEMA) == PER_VIEWER | SAME_FOR_VIEWER_CLASS


def _reads(document: str, operation: str | None = None) -> bool:
    ast = parse(document)
    operations = [
        definition for definition in ast.definitions if definition.kind == "operation_definition"
    ]
    chosen = next(
        op for op in operations if operation is None or (op.name and op.name.value == operation)
    )
    fragments = {
        definition.name.value: definition
        for definition in ast.definitions
        if definition.kind == "fragment_definition"
    }
    return reads_per_viewer_fields(SCHEMA, chosen, fragments)


def test_the_contract_product_events_are_shared_by_class_and_order_updates_are_not():
    realtime = contract_document("realtime")
    assert _reads(realtime, "OnProductEvents") is False
    assert _reads(realtime, "OnMyOrderUpdates") is True


@pytest.mark.parametrize(
    "document",
    [
        "subscription { productEvents { product { isFavorite } } }",
        "subscription { productEvents { product { fav: isFavorite } } }",
        "subscription { productEvents { ...E } } fragment E on ProductEvent "
        "{ product { ...P } } fragment P on Product { isFavorite }",
        "subscription { productEvents { product { ... on Product { isFavorite } } } }",
        "subscription { productEvents { product { reviews(first: 2) "
        "{ edges { node { author { email } } } } } } }",
        "subscription { productEvents { product { reviews { edges { node { author "
        "{ favorites { edges { node { id } } } } } } } } } }",
        "subscription { productEvents { ...Missing } }",
    ],
)
def test_a_per_viewer_field_anywhere_in_the_selection_makes_it_per_viewer(document):
    assert _reads(document) is True


@pytest.mark.parametrize(
    "document",
    [
        "subscription { productEvents { __typename cursor product { __typename id stock } } }",
        "subscription { productEvents { ...E } } fragment E on ProductEvent "
        "{ product { ... on Product { name reviews(first: 2) { edges { node "
        "{ author { displayName } } } } } } }",
    ],
)
def test_a_selection_of_shareable_fields_is_shared_by_class(document):
    assert _reads(document) is False


def _shareable_selection(type_: GraphQLObjectType, path: tuple[str, ...] = ()) -> str:
    """Every field of `type_` declared same for a viewer class, down to leaves, each type
    once per path (no cycles), lists paged by 3 (within the cost limit)."""
    parts = []
    for name, field in type_.fields.items():
        if f"{type_.name}.{name}" not in SAME_FOR_VIEWER_CLASS:
            continue
        returned = get_named_type(field.type)
        if is_leaf_type(returned):
            parts.append(name)
        elif isinstance(returned, GraphQLObjectType) and returned.name not in path:
            inner = _shareable_selection(returned, (*path, type_.name))
            page = "(first: 3)" if "first" in field.args else ""
            if inner:
                parts.append(f"{name}{page} {{ {inner} }}")
    return " ".join(parts)


PRODUCT_EVENT = SCHEMA.get_type("ProductEvent")
EVERY_SHAREABLE_FIELD = (
    "subscription Everything($productIds: [ID!]) { productEvents(productIds: $productIds) "
    f"{{ {_shareable_selection(PRODUCT_EVENT)} }} }}"
)


@pytest.mark.django_db(transaction=True)
async def test_every_shareable_field_answers_alike_for_every_viewer_of_a_class(
    open_ws, monkeypatch
):
    # given a product with a category tree, images and reviews (one by a customer who also
    # favourited it), every non-staff role and two staff accounts, each executing for
    # itself (per viewer, as before sharing by class)
    monkeypatch.setattr(shared_execution, "reads_per_viewer_fields", lambda *args: True)
    assert "author { id displayName }" in EVERY_SHAREABLE_FIELD
    fan, other = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    staff = [await sync_to_async(make_user)(is_staff=True) for _ in range(2)]
    parent = await sync_to_async(make_category)()
    category = await sync_to_async(make_category)(parent=parent)
    product = await sync_to_async(make_product)(category=category, stock=4)
    await sync_to_async(make_product_image)(product=product)
    await sync_to_async(make_review)(product=product, author=fan)
    await sync_to_async(make_review)(product=product, author=other)
    await sync_to_async(catalog.favorite_toggle)(actor=fan, product_id=product.pk)
    sockets = [await open_ws()] + [
        await open_ws(init={"authorization": f"Bearer {access_token_encode(user)}"})
        for user in (fan, other, *staff)
    ]
    for socket in sockets:
        async with joining(bus.product_group(product.pk)):
            await socket.subscribe(
                EVERY_SHAREABLE_FIELD, {"productIds": [global_id("Product", product.pk)]}
            )
    # when it changes
    await sync_to_async(catalog.stock_adjust)(actor=staff[0], product_id=product.pk, delta=1)
    # then every viewer of a class got the same answer
    answers = [await socket.next_data() for socket in sockets]
    assert "errors" not in answers[0]
    assert answers[0]["data"]["productEvents"]["product"]["reviews"]["totalCount"] == 2
    assert answers[0] == answers[1] == answers[2]
    assert answers[3] == answers[4]
