"""Every error leaves with an `extensions.code`, on `Schema.execute` (HTTP) and
`Schema.stream` (WebSocket) alike, decided from what raised it."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension

from graphql_api.common.errors import ApiError, ApiErrorCode
from graphql_api.execution.coded_schema import ApiSchema, ErrorCodes


class BrokenHook(SchemaExtension):
    """An extension whose `on_execute` fails unexpectedly (Redis down, say)."""

    def on_execute(self) -> Iterator[None]:
        if "brokenHook" in (self.execution_context.query or ""):
            raise RuntimeError("connection refused")
        yield


@strawberry.type
class Query:
    @strawberry.field
    def fine(self) -> int:
        return 1

    @strawberry.field
    def crash(self) -> int:
        raise RuntimeError("secret detail")

    @strawberry.field
    def refused(self) -> int:
        raise ApiError(ApiErrorCode.PERMISSION_DENIED, "No.")

    @strawberry.field
    def bad_cursor(self) -> int:
        raise ValueError("Invalid cursor")  # strawberry-django's refusal of a cursor

    @strawberry.field
    def broken_hook(self) -> int:
        return 1


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def ticks(self) -> AsyncGenerator[int, None]:
        yield 1
        raise RuntimeError("secret detail")


schema = ApiSchema(query=Query, subscription=Subscription, extensions=[ErrorCodes, BrokenHook])


def _errors(result: Any) -> list[tuple[str, dict[str, Any] | None]]:
    return [(error.message, error.extensions) for error in result.errors or []]


INTERNAL = ("Internal server error.", {"code": "INTERNAL_SERVER_ERROR"})

CASES = [
    ("{ crash }", [INTERNAL]),
    ("{ refused }", [("No.", {"code": "PERMISSION_DENIED"})]),
    (
        "{ badCursor }",
        [("The cursor is malformed or not from this list.", {"code": "INVALID_CURSOR"})],
    ),
    ("{ brokenHook }", [INTERNAL]),
    ("{ fine", [("Syntax Error: Expected Name, found <EOF>.", {"code": "GRAPHQL_PARSE_FAILED"})]),
    (
        "{ nope }",
        [
            (
                "Cannot query field 'nope' on type 'Query'.",
                {"code": "GRAPHQL_VALIDATION_FAILED"},
            )
        ],
    ),
]


@pytest.mark.parametrize(("query", "errors"), CASES)
async def test_an_executed_operation_codes_every_error(query, errors):
    # when
    result = await schema.execute(query)

    # then
    assert _errors(result) == errors


@pytest.mark.parametrize(("query", "errors"), CASES)
async def test_a_streamed_operation_codes_every_error(query, errors):
    # when
    results = [result async for result in await schema.stream(query)]

    # then
    assert [_errors(result) for result in results] == [errors]


async def test_a_subscription_codes_an_error_raised_between_events():
    # when
    results = [result async for result in await schema.subscribe("subscription { ticks }")]

    # then
    assert [(result.data, _errors(result)) for result in results] == [
        ({"ticks": 1}, []),
        (None, [INTERNAL]),
    ]


async def test_strawberrys_refusal_of_an_operation_type_is_a_bad_request():
    # when: a query sent where only subscriptions run (the legacy graphql-ws protocol)
    results = [result async for result in await schema.subscribe("{ fine }")]

    # then
    assert [[code["code"] for _, code in _errors(result)] for result in results] == [
        ["BAD_REQUEST"]
    ]


def test_the_schema_refuses_extensions_without_error_codes_first():
    with pytest.raises(TypeError, match="ErrorCodes first"):
        ApiSchema(query=Query, extensions=[BrokenHook, ErrorCodes])
