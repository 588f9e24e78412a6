"""The one GraphQL schema: queries, mutations and subscriptions of every domain."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionResult
from strawberry_django.optimizer import DjangoOptimizerExtension

from graphql_api.accounts.mutations import AccountMutation
from graphql_api.accounts.queries import AccountQuery
from graphql_api.catalog.mutations import CatalogMutation
from graphql_api.catalog.queries import CatalogQuery
from graphql_api.catalog.subscriptions import CatalogSubscription
from graphql_api.errors import error_with_code
from graphql_api.execution.gate import OperationGate
from graphql_api.fast_fields import install_fast_resolvers
from graphql_api.fresh_loaders import FreshLoadersExtension
from graphql_api.nodes import NodeQuery
from graphql_api.orders.mutations import OrderMutation
from graphql_api.orders.queries import OrderQuery
from graphql_api.orders.subscriptions import OrderSubscription
from graphql_api.pagination import OPTIMIZER_MAX_RESULTS, PaginationRulesExtension
from graphql_api.shared_events import SharedEventExecutionContext


@strawberry.type
class Query(NodeQuery, CatalogQuery, AccountQuery, OrderQuery):
    pass


@strawberry.type
class Mutation(AccountMutation, CatalogMutation, OrderMutation):
    pass


@strawberry.type
class Subscription(CatalogSubscription, OrderSubscription):
    pass


class QuerysetOptimizerExtension(DjangoOptimizerExtension):
    """strawberry-django's optimizer, applied where our fields build their querysets
    (strawberry-django fields call it from `get_queryset`), without its per-field
    `resolve` hook, which would wrap every value of every response.

    `only()` stays off: on nested cursor connections the optimizer applies it after
    pagination and drops the ordering columns the cursors are built from (each edge would
    then refetch them, an N+1 that also fails under ASGI)."""

    resolve = SchemaExtension.resolve  # type: ignore[assignment]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(enable_only_optimization=False, **kwargs)


async def _with_codes(results: AsyncGenerator[Any, None]) -> AsyncGenerator[Any, None]:
    try:
        async for result in results:
            if getattr(result, "errors", None):
                result.errors = [error_with_code(error) for error in result.errors]
            yield result
    finally:
        await results.aclose()


class ApiSchema(strawberry.Schema):
    """Every error leaves with an `extensions.code` (see graphql_api.errors)."""

    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        result = await super().execute(*args, **kwargs)
        if result.errors:
            result.errors = [error_with_code(error) for error in result.errors]
        return result

    async def stream(self, *args: Any, **kwargs: Any) -> Any:
        """What the graphql-transport-ws handler runs every operation through."""
        return _with_codes(await super().stream(*args, **kwargs))

    async def subscribe(self, *args: Any, **kwargs: Any) -> Any:
        result = await super().subscribe(*args, **kwargs)
        if not hasattr(result, "__aiter__"):
            if result.errors:
                result.errors = [error_with_code(error) for error in result.errors]
            return result
        return _with_codes(result)

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Client errors are answers, not incidents: unexpected exceptions are logged, with
        their traceback, by `error_with_code`."""


schema = ApiSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    config=StrawberryConfig(relay_max_results=OPTIMIZER_MAX_RESULTS),
    execution_context_class=SharedEventExecutionContext,
    # Classes or factories, never instances: instances would share state across requests.
    extensions=[
        OperationGate,  # limits, cost and budget, before anything runs
        PaginationRulesExtension,
        FreshLoadersExtension,
        QuerysetOptimizerExtension,
    ],
)
install_fast_resolvers(schema)
