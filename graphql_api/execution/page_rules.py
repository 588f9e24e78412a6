"""Keyset (cursor) pagination rules, checked before anything runs.

strawberry-django's DjangoCursorConnection orders by the list's ordering plus the primary
key as a unique tiebreaker and encodes those values in each cursor, so a cursor stays
valid when rows are inserted before it. `PaginationRulesExtension` adds the API's rules
for every connection field in the operation, nested ones included, before execution
(nested pages are prefetched by the optimizer before their own resolvers would run):

- `first` or `last` is required, at most MAX_PAGE_SIZE: above is PAGINATION_LIMIT (never a
  silent cut); a negative one, or neither, is BAD_USER_INPUT;
- a cursor that is not one of ours is INVALID_CURSOR.

Library internals relied on (checked with strawberry-graphql-django 0.93.0):
- `strawberry_django.relay.DjangoCursorEdge.CURSOR_PREFIX`: the prefix
  strawberry-django encodes in each of its cursors, compared before decoding one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    Node,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_argument_values,
    get_named_type,
    get_operation_ast,
    get_variable_values,
    visit,
)
from strawberry.extensions import SchemaExtension
from strawberry.relay import from_base64
from strawberry_django.relay import DjangoCursorConnection, DjangoCursorEdge

from graphql_api.common.errors import ApiError, ApiErrorCode
from graphql_api.execution.core_schema import core_schema

MAX_PAGE_SIZE = 100
# The optimizer prefetches nested pages with this bound; ours is checked up front.
OPTIMIZER_MAX_RESULTS = 10_000

CursorConnection = DjangoCursorConnection


def check_page_arguments(*, first: Any, last: Any) -> None:
    given = {
        name: value
        for name, value in (("first", first), ("last", last))
        if isinstance(value, int) and not isinstance(value, bool)
    }
    if not given:
        raise ApiError(
            ApiErrorCode.BAD_USER_INPUT,
            f"Give `first` or `last` (at most {MAX_PAGE_SIZE}) to page through a list.",
        )
    for name, value in given.items():
        if value < 0:
            raise ApiError(ApiErrorCode.BAD_USER_INPUT, f"`{name}` must be 0 or more.")
        if value > MAX_PAGE_SIZE:
            raise ApiError(
                ApiErrorCode.PAGINATION_LIMIT,
                f"`{name}` is {value}; a page holds at most {MAX_PAGE_SIZE} items.",
            )


def check_cursor(cursor: Any) -> None:
    """Refuse what cannot be one of our cursors before it reaches the database."""
    if cursor is None or not isinstance(cursor, str):
        return
    try:
        prefix, payload = from_base64(cursor)
        values = json.loads(payload)
    except (ValueError, TypeError):
        values = None
        prefix = None
    if prefix != DjangoCursorEdge.CURSOR_PREFIX or not isinstance(values, list):
        raise ApiError(
            ApiErrorCode.INVALID_CURSOR, "The cursor is malformed or not from this list."
        )


def _is_connection(type_: Any) -> bool:
    return get_named_type(type_).name.endswith("Connection")


class _ConnectionArgumentsCheck(Visitor):
    def __init__(self, type_info: TypeInfo, variables: Any) -> None:
        super().__init__()
        self.type_info = type_info
        self.variables = variables

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        field = self.type_info.get_field_def()
        if field is None or not _is_connection(field.type):
            return
        arguments = get_argument_values(field, node, self.variables)
        check_page_arguments(first=arguments.get("first"), last=arguments.get("last"))
        check_cursor(arguments.get("after"))
        check_cursor(arguments.get("before"))


def _used_fragments(document: DocumentNode, root: Node) -> list[FragmentDefinitionNode]:
    """The fragment definitions `root` spreads, directly or through other fragments."""
    definitions = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    used: dict[str, FragmentDefinitionNode] = {}
    pending: list[Node] = [root]

    class Spreads(Visitor):
        def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
            name = node.name.value
            if name in definitions and name not in used:
                used[name] = definitions[name]
                pending.append(definitions[name])

    while pending:
        visit(pending.pop(), Spreads())
    return list(used.values())


class PaginationRulesExtension(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and context.result is None:
            error = self._first_violation()
            if error is not None:
                # Raised, not set as the result: the subscription path ignores a result.
                raise error
        yield

    def _first_violation(self) -> ApiError | None:
        context = self.execution_context
        document = context.graphql_document
        schema = core_schema(context.schema)
        operation = get_operation_ast(document, context.operation_name)
        if operation is None:
            return None  # execution reports the missing operation
        variables = get_variable_values(
            schema, operation.variable_definitions or (), context.variables or {}
        )
        if isinstance(variables, list):
            return None  # malformed variables: execution reports them
        type_info = TypeInfo(schema)
        check = _ConnectionArgumentsCheck(type_info, variables)
        try:
            for node in (operation, *_used_fragments(document, operation)):
                visit(node, TypeInfoVisitor(type_info, check))
        except ApiError as error:
            return error
        return None
