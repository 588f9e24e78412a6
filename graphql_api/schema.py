"""The one GraphQL schema, assembled: the root types of every domain, the schema class and
its extensions. Nothing is decided here."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from graphql_api.accounts.api_keys import ApiKeyMutation, ApiKeyQuery
from graphql_api.accounts.mutations import AccountMutation
from graphql_api.accounts.queries import AccountQuery
from graphql_api.catalog.category_mutations import CategoryMutation
from graphql_api.catalog.mutations import CatalogMutation
from graphql_api.catalog.queries import CatalogQuery
from graphql_api.catalog.subscriptions import CatalogSubscription
from graphql_api.common.nodes import NodeQuery
from graphql_api.execution.coded_schema import ApiSchema, ErrorCodes
from graphql_api.execution.fast_fields import install_fast_resolvers
from graphql_api.execution.gate import OperationGate
from graphql_api.execution.loader_scope import FreshLoadersExtension
from graphql_api.execution.optimizer import QuerysetOptimizerExtension
from graphql_api.execution.page_rules import OPTIMIZER_MAX_RESULTS, PaginationRulesExtension
from graphql_api.execution.plans.runner import CompiledPlans
from graphql_api.execution.shared_execution import SharedEventExecutionContext
from graphql_api.orders.mutations import OrderMutation
from graphql_api.orders.queries import OrderQuery
from graphql_api.orders.subscriptions import OrderSubscription
from graphql_api.webhooks.mutations import WebhookMutation


@strawberry.type
class Query(NodeQuery, CatalogQuery, AccountQuery, OrderQuery, ApiKeyQuery):
    pass


@strawberry.type
class Mutation(
    AccountMutation,
    ApiKeyMutation,
    CatalogMutation,
    CategoryMutation,
    OrderMutation,
    WebhookMutation,
):
    pass


@strawberry.type
class Subscription(CatalogSubscription, OrderSubscription):
    pass


schema = ApiSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    config=StrawberryConfig(relay_max_results=OPTIMIZER_MAX_RESULTS),
    execution_context_class=SharedEventExecutionContext,
    # Classes or factories, never instances: instances would share state across requests.
    extensions=[
        ErrorCodes,  # first: its on_operation encloses every other hook
        OperationGate,  # limits, cost and budget, before anything runs
        PaginationRulesExtension,
        FreshLoadersExtension,
        QuerysetOptimizerExtension,
        CompiledPlans,  # last: where execution would start, every check passed
    ],
)
install_fast_resolvers(schema)
