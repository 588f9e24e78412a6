"""Where a plan runs: the extension hook at which execution would start.

`CompiledPlans.on_execute` runs after the operation gate (parse, validation, variables,
cost, budget: graphql_api/execution/gate.py, in `on_validate`) and after the page rules'
own `on_execute` (the extension list's order), so a plan only ever answers an operation
every check accepted. It sets the execution result before strawberry would execute: its
`data` is `CompiledData`, the finished JSON text, which only the HTTP view knows to send
as is (graphql_api/http/view.py `encode_json`); so plans run only where the context says
`compiled_plans` (the HTTP view's). Any operation a plan does not cover, any variable
the standard path would refuse, any SQL error: the standard executor runs, untouched.

Library internals relied on (checked with strawberry-graphql 0.341.2):
- `strawberry.types.execution.ExecutionContext.result`: set in `on_execute` before
  strawberry executes; strawberry then skips graphql-core's execution and uses it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, transaction
from graphql import ExecutionResult, get_operation_ast, get_variable_values
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType as StrawberryOperationType

from graphql_api.execution.core_schema import core_schema
from graphql_api.execution.plans.compiler import compile_operation
from graphql_api.execution.plans.objects import Env
from graphql_api.execution.plans.selection import NotCompilable
from graphql_api.execution.plans.sql import ascii_escaped

logger = logging.getLogger(__name__)


class CompiledData(dict):  # type: ignore[type-arg]
    """The `data` of a planned answer: empty as a dict, its JSON text in `text`."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


def _media_prefix(request: Any) -> str | None:
    if request is None:
        return None
    base = default_storage.url("")
    return request.build_absolute_uri(base) if base.endswith("/") else None


def _run(statement: str, params: list[Any]) -> str | None:
    if connection.in_atomic_block:
        try:
            with transaction.atomic():  # a savepoint: a failure leaves the outer intact
                return _fetch(statement, params)
        except DatabaseError:
            logger.info("compiled plan failed; the standard executor answers", exc_info=True)
            return None
    opened_here = connection.connection is None
    try:
        return _fetch(statement, params)
    except DatabaseError:
        logger.info("compiled plan failed; the standard executor answers", exc_info=True)
        return None
    finally:
        # The connection goes back (to the pool) at once: the thread this runs in is not
        # always the one whose request_finished closes connections, and one left open in a
        # finished thread would hold its pool slot for good.
        if opened_here:
            connection.close()


def _fetch(statement: str, params: list[Any]) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    return row[0] if row else None


def _answer(context: Any, schema: Any) -> CompiledData | None:
    """The planned answer, or None when the standard executor must answer. In the
    database thread: that thread's connection says which database it is (the statements
    are PostgreSQL's SQL)."""
    if connection.vendor != "postgresql":
        return None
    document = context.graphql_document
    operation = get_operation_ast(document, context.operation_name)
    if operation is None:
        return None
    variables = get_variable_values(
        schema, operation.variable_definitions or (), context.variables or {}
    )
    if isinstance(variables, list):
        return None
    request = context.context.request
    env = Env(
        viewer=context.context.viewer,
        media_prefix=_media_prefix(request),
        schema=context.schema,
        context=context.context,
    )
    try:
        statement, params = compile_operation(schema, document, operation, variables, env)
    except NotCompilable:
        return None
    text = _run(statement, params)
    if text is None:
        return None
    return CompiledData(ascii_escaped(text))


class CompiledPlans(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        # No look at `connection` here: in the event loop, Django makes a connection
        # object per async context, so that each subscription (and each request) would
        # build one only to read its vendor (about 2 KB each, held while it lives).
        if (
            settings.GRAPHQL_COMPILED_PLANS
            and context.result is None
            and context.graphql_document is not None
            and not context.pre_execution_errors
            and getattr(context.context, "compiled_plans", False)
            and context.operation_type is StrawberryOperationType.QUERY  # never a mutation
        ):
            data = await sync_to_async(_answer)(context, core_schema(context.schema))
            if data is not None:
                context.result = ExecutionResult(data=data, errors=None)
        yield
