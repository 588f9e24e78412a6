"""The checks every operation passes before it runs, over HTTP and WebSocket alike.

In order, each refusing with a GraphQL error that carries `extensions.code`:

1. the text is parsed once per distinct text (graphql_api.execution.documents), under a
   length and token limit checked before and while lexing;
2. text the database cannot store (NUL, unpaired surrogates), in a variable or a string
   literal: BAD_USER_INPUT;
3. validation, cached per document: the GraphQL rules, depth and alias limits, and, with
   GRAPHQL_INTROSPECTION off, no introspection and no "Did you mean" suggestions;
4. the variables, coerced as execution would (its errors, without suggestions when
   introspection is off);
5. the static cost (graphql_api.execution.cost) against GRAPHQL_MAX_COST, or for a
   subscription (whose selection runs again for every event) GRAPHQL_MAX_SUBSCRIPTION_COST,
   and the client's live subscriptions in this process against GRAPHQL_MAX_LIVE_COST:
   QUERY_TOO_COMPLEX, with `cost` and `maxCost` in `extensions`;
6. the client's cost budget (graphql_api.execution.budget): RATE_LIMITED, with
   `retryAfter` in `extensions`.

Errors are handed to strawberry as `pre_execution_errors` from `on_validate` (its supported
seam for cached validation), so every transport reports them as it reports validation
errors, subscriptions included.

Library internals relied on (checked with strawberry-graphql 0.341.2 and graphql-core 3.3.2):
- `strawberry.types.execution.ExecutionContext.parse_options`: updated with our parser
  limits, so strawberry's own parse (when the cache could not) refuses the same texts.
- `strawberry.types.execution.ExecutionContext.graphql_document`: set from the document
  cache in `on_parse`, which strawberry then neither parses nor re-validates.
- `strawberry.types.execution.ExecutionContext.pre_execution_errors`: set in `on_validate`,
  strawberry's seam for cached validation: it reports them as validation errors.
- `strawberry.types.execution.ExecutionContext.validation_rules`: the rules strawberry
  would validate with, run here together with ours.
- `strawberry.schema.validation_rules.maybe_null.MaybeNullValidationRule`: a rule
  strawberry's own validation adds.
- `strawberry.schema.validation_rules.one_of.OneOfInputValidationRule`: a rule strawberry's
  own validation adds (`@oneOf` on ProductOrder needs it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from django.conf import settings
from graphql import (
    GraphQLError,
    GraphQLSchema,
    NoSchemaIntrospectionCustomRule,
    OperationType,
    get_operation_ast,
    get_variable_values,
    validate,
)
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter, SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from graphql_api.common.errors import ApiError, ApiErrorCode
from graphql_api.context import client_address
from graphql_api.execution import budget
from graphql_api.execution.clean_text import UNSTORABLE_TEXT_MESSAGE, holds_unstorable_text
from graphql_api.execution.core_schema import core_schema
from graphql_api.execution.cost import operation_cost
from graphql_api.execution.documents import ParsedDocument, documents, parse_options

# The deepest contract document nests 6 levels.
MAX_QUERY_DEPTH = 12
MAX_ALIASES = 30

_LIMIT_RULES = (
    *QueryDepthLimiter(max_depth=MAX_QUERY_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
    MaybeNullValidationRule,
    OneOfInputValidationRule,
)


def _validation_errors(
    schema: GraphQLSchema, parsed: ParsedDocument | None, document: Any, base_rules: Any
) -> list[GraphQLError]:
    introspection = settings.GRAPHQL_INTROSPECTION
    key = (introspection, tuple(base_rules))
    if parsed is not None and key in parsed.validation:
        return parsed.validation[key]
    rules = (*base_rules, *_LIMIT_RULES)
    if not introspection:
        rules = (*rules, NoSchemaIntrospectionCustomRule)
    errors = validate(schema, document, rules, hide_suggestions=not introspection)
    if parsed is not None:
        parsed.validation[key] = errors
    return errors


def _bad_user_input(error: GraphQLError) -> GraphQLError:
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        extensions={**(error.extensions or {}), "code": ApiErrorCode.BAD_USER_INPUT.value},
    )


class OperationGate(SchemaExtension):
    parsed: ParsedDocument | None = None
    live: tuple[budget.Client, int] | None = None  # a live subscription's held cost

    def on_operation(self) -> Iterator[None]:
        # Strawberry parses with these only when the cache below could not (it then raises
        # the same error, at the same bounded cost).
        self.execution_context.parse_options.update(parse_options())
        try:
            yield  # for a subscription: as long as it lives
        finally:
            if self.live is not None:
                budget.live_costs.release(*self.live)

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and isinstance(context.query, str):
            try:
                self.parsed = documents().get(context.query)
            except GraphQLError:
                pass  # reported by strawberry's own parse, under the same limits
            else:
                context.graphql_document = self.parsed.document
        yield

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        if context.graphql_document is not None:
            context.pre_execution_errors = await self._refusals()
        yield

    async def _refusals(self) -> list[GraphQLError]:
        context = self.execution_context
        if holds_unstorable_text(context.variables) or (
            self.parsed is not None and not self.parsed.literals_storable
        ):
            return [ApiError(ApiErrorCode.BAD_USER_INPUT, UNSTORABLE_TEXT_MESSAGE)]
        schema = core_schema(context.schema)
        document = context.graphql_document
        errors = _validation_errors(schema, self.parsed, document, context.validation_rules)
        if errors:
            return errors
        operation = get_operation_ast(document, context.operation_name)
        if operation is None:
            return []  # execution reports the missing or ambiguous operation
        variables = get_variable_values(
            schema,
            operation.variable_definitions or (),
            context.variables or {},
            hide_suggestions=not settings.GRAPHQL_INTROSPECTION,
        )
        if isinstance(variables, list):  # the same errors execution would report
            return [_bad_user_input(error) for error in variables]
        cost = operation_cost(schema, document, operation, variables)
        subscription = operation.operation is OperationType.SUBSCRIPTION
        limit = (
            settings.GRAPHQL_MAX_SUBSCRIPTION_COST if subscription else settings.GRAPHQL_MAX_COST
        )
        if cost > limit:
            return [_too_complex(cost, limit, per_event=subscription)]
        client = budget.client_of(
            viewer=getattr(context.context, "viewer", None),
            address=client_address(context.context) if context.context is not None else None,
        )
        if client is None:
            return []
        if subscription:
            if (held := budget.live_costs.hold(client, cost)) is not None:
                return [_too_much_live(held)]
            self.live = (client, cost)
        if retry_after := await budget.charge(client, cost):
            if self.live is not None:
                budget.live_costs.release(*self.live)
                self.live = None
            return [
                ApiError(
                    ApiErrorCode.RATE_LIMITED,
                    f"Too much work asked for in a short time. Try again in {retry_after} seconds.",
                    retryAfter=retry_after,
                )
            ]
        return []


def _too_complex(cost: int, limit: int, *, per_event: bool) -> ApiError:
    what = "Each event of this subscription" if per_event else "This operation"
    return ApiError(
        ApiErrorCode.QUERY_TOO_COMPLEX,
        f"{what} could produce {cost} values; at most {limit} are allowed. Ask for smaller "
        "pages or fewer nested lists.",
        cost=cost,
        maxCost=limit,
    )


def _too_much_live(held: int) -> ApiError:
    return ApiError(
        ApiErrorCode.QUERY_TOO_COMPLEX,
        f"Your live subscriptions would cost {held} per round of events; at most "
        f"{settings.GRAPHQL_MAX_LIVE_COST} are allowed. End some subscriptions first.",
        cost=held,
        maxCost=settings.GRAPHQL_MAX_LIVE_COST,
    )
