"""An operation compiled into one statement: `SELECT <the data object as JSON text>`.

Root fields covered: `products` (no filters or ordering), `product(slug:)`. Anything else
raises NotCompilable and the standard executor answers."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection as db_connection
from django.db.models import F
from graphql import FragmentDefinitionNode, GraphQLSchema, OperationDefinitionNode, OperationType

from domain.catalog import selectors
from domain.catalog.models import Product
from graphql_api.execution.plans import sql
from graphql_api.execution.plans.connections import connection, page_arguments
from graphql_api.execution.plans.objects import Env, json_of, one
from graphql_api.execution.plans.selection import NotCompilable, Selected, collect

# Category's Meta ordering, which strawberry-django pages by (then the id).
CATEGORY_ORDER = (F("position").asc(), F("name").asc(), F("pk").asc())


def _visible_products(env: Env, include_unpublished: bool) -> Any:
    try:
        listed = selectors.product_list_visible_to(
            user=env.viewer, include_unpublished=include_unpublished
        )
    except ValidationError as refusal:
        raise NotCompilable("refused") from refusal
    # As ProductType.get_queryset, which strawberry-django applies to every list.
    return selectors.product_restrict_to_visible(listed, user=env.viewer)


def _products(selected: Selected, env: Env) -> Any:
    arguments = selected.arguments
    if arguments.get("filters") is not None or arguments.get("ordering") is not None:
        raise NotCompilable("filters and ordering")
    page = page_arguments(arguments, nested=False)
    rows = _visible_products(env, bool(arguments.get("includeUnpublished")))
    return connection(selected, env, rows, first=page.first, after=page.after, json_of=json_of)


def _product(selected: Selected, env: Env) -> Any:
    slug = selected.arguments.get("slug")
    if selected.arguments.get("id") is not None or not isinstance(slug, str):
        raise NotCompilable("product by id")
    rows = selectors.product_get_visible_by_slug(user=env.viewer, slug=slug)
    return one(selectors.product_restrict_to_visible(rows, user=env.viewer), selected, env)


def _categories(selected: Selected, env: Env) -> Any:
    page = page_arguments(selected.arguments, nested=False)
    return connection(
        selected,
        env,
        selectors.category_list(),
        first=page.first,
        after=page.after,
        json_of=json_of,
        ordering=CATEGORY_ORDER,
    )


ROOTS = {"products": _products, "product": _product, "categories": _categories}


def compile_operation(
    schema: GraphQLSchema,
    document: Any,
    operation: OperationDefinitionNode,
    variables: dict[str, Any],
    env: Env,
) -> tuple[str, list[Any]]:
    """The statement answering `operation` (its one row: the `data` object as text)."""
    if operation.operation is not OperationType.QUERY:
        raise NotCompilable("not a query")
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    root_type = schema.query_type
    fields = collect(schema, root_type, [operation.selection_set], fragments, variables)
    members = []
    for selected in fields:
        if selected.name == "__typename":
            members.append((selected.key, sql.constant_text(root_type.name)))
            continue
        compile_root = ROOTS.get(selected.name)
        if compile_root is None:
            raise NotCompilable(selected.name)
        members.append((selected.key, compile_root(selected, env)))
    data = sql.json_object(members)
    # Compiled in the frame of an empty query: the root has no columns to refer to.
    query = Product.all_objects.none().query
    resolved = data.resolve_expression(query)
    compiler = query.get_compiler(connection=db_connection)
    body, params = compiler.compile(resolved)
    return f"SELECT ({body})::text", list(params)
