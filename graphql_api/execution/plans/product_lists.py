"""`products(filters:, ordering:, after:)` compiled: the rows, their order and their cursors
exactly as the standard path (graphql_api/catalog/queries.py, ProductListField) pages them.

- Rows: without `filters`, the selector's visible list, compiled into the statement (it
  depends on the viewer's class only). With `filters`, the rows are built per request by
  the standard path's own code: the selector's visible list, ProductType's restriction and
  strawberry-django's `filters.apply` of the ProductFilter value (converted from the
  coerced argument by strawberry's `convert_arguments`, as the field converts it), so the
  rules of domain/catalog/product_filters.py decide for both paths. That queryset's SQL,
  its values as parameters, replaces the statement's `SplicedRows` marker when it is bound
  (`cache.py`): no filter value is ever in the cached text. A filter the domain refuses
  (anonymous `isFavorite`, a bad `minRating`, a malformed `categoryId`) falls back, and
  the standard path reports it.
- Order: strawberry-django's `apply_ordering` of the ProductOrder list, then the list's own
  `product_list_order` (the same function ProductListField calls). The ordering's fields
  and directions are enum values, part of the plan key.
- Cursors: keyset, over strawberry-django's ordering descriptors for that order
  (`annotate_ordering_fields`). A row's cursor is its ordering values as
  `Field.value_to_string` writes them, in a compact JSON list (`OrderedCollectionCursor`'s
  `str`); an `after` cursor is decoded by `OrderedCollectionCursor.from_cursor` (what it
  refuses falls back, so the standard path reports it) and compared key by key as
  `build_tuple_compare` does, with each value bound per request.
- `search` falls back: its ranked order and cursors carry a float4 rank that SQL does not
  write as Python's `str(float)` does for every value.

Library internals relied on (checked with strawberry-graphql 0.341.2,
strawberry-graphql-django 0.93.0):
- `strawberry.types.arguments.convert_arguments`: a field's coerced arguments as the
  Python values its resolver gets (input classes, enums), as strawberry converts them.
- `strawberry.schema.schema.Schema.schema_converter` (instance attribute): its
  `scalar_registry`, which `convert_arguments` needs.
- `strawberry_django.filters.apply`: a filter input applied to a queryset.
- `strawberry_django.ordering.apply_ordering`: an `ordering` list applied to a queryset.
- `strawberry_django.relay.cursor_connection.annotate_ordering_fields`: the ordering
  descriptors the cursor connection pages by.
- `strawberry_django.relay.cursor_connection.OrderedCollectionCursor.from_cursor`: the
  connection's decoding (and refusal) of an `after` cursor.
- `strawberry_django.relay.cursor_connection.OrderingDescriptor.get_comparator`: one
  key's "after this value" condition.
- `strawberry_django.relay.cursor_connection.OrderingDescriptor.get_eq`: one key's
  "equal to this value" condition.
- `strawberry_django.relay.cursor_connection.OrderingDescriptor.order_by` (instance
  attribute): the key's `OrderBy` expression.
- `strawberry_django.relay.cursor_connection.OrderedCollectionCursor.field_values`
  (instance attribute): a decoded cursor's values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db.models import F, OrderBy, Q
from django.db.models.expressions import Col
from graphql import GraphQLError
from strawberry.types.arguments import convert_arguments
from strawberry_django.filters import apply as apply_filters
from strawberry_django.ordering import apply_ordering
from strawberry_django.relay.cursor_connection import (
    OrderedCollectionCursor,
    OrderingDescriptor,
    annotate_ordering_fields,
)

from domain.catalog import selectors
from domain.catalog.models import Product
from graphql_api.catalog.filters import search_requested
from graphql_api.catalog.ordering import ProductOrder, product_list_order
from graphql_api.catalog.queries import CatalogQuery
from graphql_api.execution.plans import sql
from graphql_api.execution.plans.cache import Param, SplicedRows
from graphql_api.execution.plans.connections import connection, page_arguments
from graphql_api.execution.plans.objects import Env, json_of
from graphql_api.execution.plans.selection import NotCompilable, Selected

# How each kind of column's value is written into a cursor (Field.value_to_string).
_NUMBER_TYPES = {"DecimalField", "IntegerField", "PositiveIntegerField", "BigAutoField"}
_NUMBER_TYPES |= {"AutoField", "BigIntegerField"}
_TEXT_TYPES = {"CharField", "TextField", "SlugField"}


@dataclass(frozen=True)
class _FilterInfo:
    """What the filters read of `info`: the context (ProductFilter.is_favorite reads its
    viewer through `viewer_of`)."""

    context: Any


def visible_products(env: Env, include_unpublished: bool) -> Any:
    try:
        listed = selectors.product_list_visible_to(
            user=env.viewer, include_unpublished=include_unpublished
        )
    except ValidationError as refusal:
        raise NotCompilable("refused") from refusal
    # As ProductType.get_queryset, which strawberry-django applies to every list.
    return selectors.product_restrict_to_visible(listed, user=env.viewer)


def _converted(arguments: dict[str, Any], env: Env) -> tuple[Any, list[Any]]:
    """The `filters` and `ordering` values as the products resolver receives them."""
    given = {name: arguments[name] for name in ("filters", "ordering") if name in arguments}
    field = CatalogQuery.__strawberry_definition__.get_field("products")
    assert field is not None
    schema = env.schema
    try:
        converted = convert_arguments(
            given, field.arguments, schema.schema_converter.scalar_registry, schema.config
        )
    except Exception as refusal:  # the standard path reports it, its own way
        raise NotCompilable("arguments refused") from refusal
    filters, ordering = converted.get("filters"), converted.get("ordering")
    if search_requested(filters):
        raise NotCompilable("search")
    return filters, ordering or []


def _ordered(ordering: list[Any]) -> Any:
    ordered = apply_ordering(ProductOrder, ordering, None, Product.all_objects.all())
    return product_list_order(ordered, ordering_given=bool(ordering), searching=False)


def _descriptors(ordered: Any) -> list[OrderingDescriptor]:
    _, descriptors, _ = annotate_ordering_fields(ordered)
    return descriptors


def _order_expressions(ordered: Any) -> tuple[OrderBy, ...]:
    expressions = []
    for item in ordered.query.order_by:
        if isinstance(item, str):
            name = item.removeprefix("-")
            item = F(name).desc() if item.startswith("-") else F(name).asc()
        expressions.append(item)
    return tuple(expressions)


def _value_json(descriptor: OrderingDescriptor) -> sql.Sql:
    """The JSON of a row's value of this key in its cursor."""
    expression = descriptor.order_by.expression
    if not isinstance(expression, Col):
        raise NotCompilable("ordered by an expression")
    field = expression.target
    kind = field.get_internal_type()
    column = F(field.attname)
    if kind in _NUMBER_TYPES:
        value = sql.Sql("('\"' || {0}::text || '\"')", column)
    elif kind == "DateTimeField":
        value = sql.Sql("('\"' || {0} || '\"')", sql.datetime_text(column))
    elif kind in _TEXT_TYPES:
        value = sql.json_string(column)
    else:
        raise NotCompilable(f"cursor of a {kind}")
    return sql.Sql("coalesce({0}, 'null')", value) if field.null else value


def _cursor(descriptors: list[OrderingDescriptor]) -> sql.Sql:
    values = " || ',' || ".join(f"{{{i}}}" for i in range(len(descriptors)))
    return sql.Sql(
        sql.base64_text(f"'orderedcursor:[' || {values} || ']'"),
        *(_value_json(d) for d in descriptors),
    )


def _after_condition(key: str, descriptors: list[OrderingDescriptor]) -> Q:
    """build_tuple_compare's condition, each cursor value a parameter."""
    current: Q | None = None
    for index in reversed(range(len(descriptors))):
        descriptor = descriptors[index]
        value = Param(f"{key}.after.{index}", descriptor.order_by.expression.output_field)
        comparison = descriptor.get_comparator(value, False)
        assert comparison is not None  # only for a null value, which falls back
        after_this = comparison if current is None else descriptor.get_eq(value) & current
        current = comparison if current is None else comparison | after_this
    return current if current is not None else Q()


def products_connection(selected: Selected, env: Env) -> sql.Sql:
    """The JSON of `products(...)`."""
    arguments = selected.arguments
    page = page_arguments(arguments, nested=False)
    filters, ordering = _converted(arguments, env)
    include_unpublished = bool(arguments.get("includeUnpublished"))
    if filters is None:
        rows = visible_products(env, include_unpublished)
    else:
        spliced = SplicedRows(f"{selected.key}.rows", Product._meta.pk)
        rows = Product.all_objects.filter(pk__in=spliced)
    ordered = _ordered(ordering)
    descriptors = _descriptors(ordered)
    after = _after_condition(selected.key, descriptors) if page.after is not None else None
    return connection(
        selected,
        env,
        rows,
        first=page.first,
        after=after,
        json_of=json_of,
        ordering=_order_expressions(ordered),
        cursor=_cursor(descriptors),
    )


def products_values(selected: Selected, env: Env) -> dict[str, Any]:
    """This request's values for `products(...)`: the filtered rows' SQL, the cursor's
    values. NotCompilable for what the standard path would refuse or read otherwise."""
    arguments = selected.arguments
    page = page_arguments(arguments, nested=False)
    filters, ordering = _converted(arguments, env)
    values: dict[str, Any] = {}
    if filters is not None:
        rows = visible_products(env, bool(arguments.get("includeUnpublished")))
        try:
            filtered = apply_filters(filters, rows, _FilterInfo(env.context))
        except (GraphQLError, ValidationError, ValueError, TypeError) as refusal:
            raise NotCompilable("filters refused") from refusal
        try:
            # Unordered: an IN subquery needs no order, and under DISTINCT Django would
            # select the ordering's columns too.
            rows_sql = filtered.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # e.g. `inList: []`: Django runs nothing, the list is empty
            rows_sql = ("SELECT NULL::integer WHERE false", ())
        values[f"{selected.key}.rows"] = rows_sql
    if page.after is not None:
        descriptors = _descriptors(_ordered(ordering))
        try:
            cursor = OrderedCollectionCursor.from_cursor(page.after, descriptors)
        except ValueError as refusal:
            raise NotCompilable("cursor") from refusal
        if any(value is None for value in cursor.field_values):
            raise NotCompilable("null in a cursor")
        for index, value in enumerate(cursor.field_values):
            values[f"{selected.key}.after.{index}"] = value
    return values
