"""The schema class: every error leaves with an `extensions.code`.

Library internals relied on (checked with strawberry-graphql 0.341.2):
- overriding `Schema.execute`, `Schema.stream` (what the graphql-transport-ws handler runs
  every operation through) and `Schema.subscribe`;
- `Schema.process_errors`, overridden to keep client errors out of the error log.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionResult

from graphql_api.common.errors import error_with_code


async def _with_codes(results: AsyncGenerator[Any, None]) -> AsyncGenerator[Any, None]:
    try:
        async for result in results:
            if getattr(result, "errors", None):
                result.errors = [error_with_code(error) for error in result.errors]
            yield result
    finally:
        await results.aclose()


class ApiSchema(strawberry.Schema):
    """Every error leaves with an `extensions.code` (see graphql_api.common.errors)."""

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
