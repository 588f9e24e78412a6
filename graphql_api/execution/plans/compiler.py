"""An operation compiled into one statement: `SELECT <the data object as JSON text>`.

Root fields covered: `products` (filters and ordering: `product_lists.py`),
`product(slug:)`, `node(id:)` of a Product id, `categories` (first page).
Anything else raises NotCompilable and the standard executor answers. Statements are kept
per plan key (`cache.py`): the request's own values (viewer id, cursors, slugs, the media
URL prefix) are parameters bound per request, never part of the text."""

from __future__ import annotations

from typing import Any

from django.db import connection as db_connection
from django.db.models import F
from graphql import FragmentDefinitionNode, GraphQLSchema, OperationDefinitionNode, OperationType

from domain.catalog import selectors
from domain.catalog.models import Product
from graphql_api.execution.plans import sql
from graphql_api.execution.plans.cache import STATEMENTS, Param, Statement, frozen, viewer_class
from graphql_api.execution.plans.connections import connection, page_arguments
from graphql_api.execution.plans.nodes import node_pk, node_type
from graphql_api.execution.plans.objects import Env, json_of, one
from graphql_api.execution.plans.product_lists import products_connection, products_values
from graphql_api.execution.plans.selection import NotCompilable, Selected, collect

# Category's Meta ordering, which strawberry-django pages by (then the id).
CATEGORY_ORDER = (F("position").asc(), F("name").asc(), F("pk").asc())


# Root arguments whose values are bound per request (the key has only whether given).
BOUND_ARGUMENTS = {
    "products": ("after", "filters"),
    "categories": ("after",),
    "product": ("slug",),
    "node": ("id",),
}


def _product(selected: Selected, env: Env) -> Any:
    slug = selected.arguments.get("slug")
    if selected.arguments.get("id") is not None or not isinstance(slug, str):
        raise NotCompilable("product by id")
    bound_slug = Param(f"{selected.key}.slug", Product._meta.get_field("slug"))
    rows = selectors.product_get_visible_by_slug(user=env.viewer, slug=bound_slug)
    return one(selectors.product_restrict_to_visible(rows, user=env.viewer), selected, env)


def _node(selected: Selected, env: Env) -> Any:
    """`node(id:)` of a Product id (`collect` took the type from the id): as the node
    field resolves it, the product if the viewer may see it, else null."""
    if selected.type_name != "Product":
        raise NotCompilable(f"node of {selected.type_name}")
    pk = Param(f"{selected.key}.pk", Product._meta.pk)
    rows = selectors.product_restrict_to_visible(Product.objects.filter(pk=pk), user=env.viewer)
    return one(rows, selected, env)


def _categories(selected: Selected, env: Env) -> Any:
    page = page_arguments(selected.arguments, nested=False)
    if page.after is not None:
        raise NotCompilable("after on categories")
    return connection(
        selected,
        env,
        selectors.category_list(),
        first=page.first,
        after=None,
        json_of=json_of,
        ordering=CATEGORY_ORDER,
    )


ROOTS = {
    "products": products_connection,
    "product": _product,
    "categories": _categories,
    "node": _node,
}


def _shape(fields: list[Selected], bound: dict[str, tuple[str, ...]]) -> tuple[Any, ...]:
    """Everything of the selection the statement's text depends on."""
    shape = []
    for selected in fields:
        names = bound.get(selected.name, ())
        arguments = tuple(
            (name, ("bound", type(value).__qualname__) if name in names else frozen(value))
            for name, value in selected.arguments.items()
        )
        children = _shape(selected.fields, {})
        shape.append((selected.key, selected.name, selected.type_name, arguments, children))
    return tuple(shape)


def request_values(fields: list[Selected], env: Env) -> dict[str, Any]:
    """The values this request binds (NotCompilable for a cursor the plans cannot read)."""
    values: dict[str, Any] = {"media_prefix": env.media_prefix}
    if viewer_class(env.viewer) != "anonymous":
        values["viewer"] = env.viewer.pk
    for selected in fields:
        if selected.name == "products":
            values.update(products_values(selected, env))
        elif selected.name == "product":
            values[f"{selected.key}.slug"] = selected.arguments.get("slug")
        elif selected.name == "node":
            values[f"{selected.key}.pk"] = node_pk(selected.arguments.get("id"))
    return values


def compile_operation(
    schema: GraphQLSchema,
    document: Any,
    operation: OperationDefinitionNode,
    variables: dict[str, Any],
    env: Env,
) -> tuple[str, list[Any]]:
    """The statement answering `operation` (its one row: the `data` object as text), from
    the cache when its plan key was compiled before, and this request's parameters."""
    if operation.operation is not OperationType.QUERY:
        raise NotCompilable("not a query")
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    root_type = schema.query_type
    fields = collect(
        schema, root_type, [operation.selection_set], fragments, variables, node_type=node_type
    )
    values = request_values(fields, env)
    key = (
        schema,
        _shape(fields, BOUND_ARGUMENTS),
        viewer_class(env.viewer),
        env.media_prefix is None,
    )
    statement = STATEMENTS.get_or_build(key, lambda: _compile(root_type, fields, env))
    return statement.bind(values)


def _compile(root_type: Any, fields: list[Selected], env: Env) -> Statement:
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
    return Statement(f"SELECT ({body})::text", tuple(params))
