"""The schema class and the extension that give every error an `extensions.code`.

`ErrorCodes` uses strawberry's public extension hooks, as its own `MaskErrors` does:
`on_stream_result` for each result `Schema.stream` yields (the graphql-transport-ws
handler runs every operation through it, the legacy graphql-ws one every subscription),
and the end of `on_operation` for the result of `Schema.execute` (HTTP). It must come
first in the schema's extensions so that its `on_operation` encloses every other hook.

Library internals relied on (checked with strawberry-graphql 0.341.2):
- `strawberry.schema.schema.Schema.execute`: an exception raised out of an extension hook
  (an operation gate that could not reach Redis, say) is turned into an error result only
  after `on_operation` has ended, so no hook sees that result; `ErrorCodes` re-raises such
  an exception as an error that already has its code (and lets strawberry's own refusals
  of an operation through unchanged, which `execute` re-raises to the view).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from graphql_api.execution.error_codes import REQUEST_REFUSALS, error_with_code


def _code_errors(result: Any) -> None:
    """Give each error of `result` (an execution result, or a frame of one) its code."""
    errors = getattr(result, "errors", None)
    if errors:
        result.errors = [error_with_code(error) for error in errors]


class ErrorCodes(SchemaExtension):
    """Every error leaves with an `extensions.code` (see graphql_api.execution.error_codes)."""

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        except REQUEST_REFUSALS:
            raise  # `execute` re-raises them to the transport, which answers them itself
        except GraphQLError as error:
            coded = error_with_code(error)
            if coded is error:
                raise
            raise coded from error
        except Exception as exc:
            raise error_with_code(GraphQLError(str(exc), original_error=exc)) from exc
        result = self.execution_context.result
        _code_errors(result)
        _code_errors(getattr(result, "initial_result", None))

    def on_stream_result(self, result: Any) -> Iterator[None]:
        _code_errors(result)
        for frames in ("incremental", "completed"):  # incremental delivery's
            for frame in getattr(result, frames, None) or ():
                _code_errors(frame)
        yield


class ApiSchema(strawberry.Schema):
    """The project's schema: errors are coded by the `ErrorCodes` extension, which must come
    first in its extensions."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        extensions = list(kwargs.get("extensions") or ())
        if not extensions or extensions[0] is not ErrorCodes:
            raise TypeError("ApiSchema: put ErrorCodes first in `extensions`")
        super().__init__(*args, **kwargs)

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Client errors are answers, not incidents: unexpected exceptions are logged, with
        their traceback, by `error_with_code`."""
