"""One execution of a subscription event for every subscriber that would get the same
answer.

A product change reaches every subscriber of that product; most send the same document
with the same variables and see the same thing (anonymous storefronts). Each used to run
the whole selection set through GraphQL for itself, the main cost of a fan-out. A payload
that carries a `share_key` (the event, and whom its subscription started for) is executed
once per key, document, variables and viewer (read from the context at execution: the
viewer's id, or none for anonymous callers, and the staff role) in this process; the
other subscribers get that result. A connection whose context reveals more than its
viewer may see (`revealed_user_ids`) never shares.

Only results without errors are handed on: a subscriber whose shared result holds errors
executes for itself, so no error object (with its path and extensions) is ever shared.

Library internals relied on (checked with strawberry-graphql 0.341.2, graphql-core 3.3.2):
- `strawberry.schema.schema.StrawberryGraphQLCoreExecutionContext`: strawberry's executor
  class (not public API), subclassed to share an execution.
- `graphql.execution.executor.Executor.execute_operation`: overridden; the one place
  where an operation's execution starts, for subscription events too.
- `graphql.execution.executor.Executor.is_awaitable`: tells whether the result of our own
  `execute_operation` must be awaited.
- `graphql.execution.values.VariableValues.coerced`: graphql-core 3.3's coerced variables
  (the executor's `variable_values` is a `VariableValues`, no longer a dict), compared to
  decide whether two subscribers sent the same variables.
The executor's instance attributes `operation`, `root_value` and `context_value` are read
as well (set by graphql-core's constructor; not importable, so not listed above).
"""

from __future__ import annotations

import enum
from typing import Any

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from domain.common.permissions import is_staff
from graphql_api.metrics import SHARED_EXECUTIONS
from realtime.registry import runtime
from realtime.single_flight import SingleFlight

# Subscribers of one event reach their execution one after another over the fan-out
# (hundreds of ms for a thousand): each result is kept that long (`SHARE_WINDOW`), unless
# it holds errors.
SHARED_RESULTS = "graphql_api.execution.event_results"


def _results() -> SingleFlight:
    return runtime.shared(SHARED_RESULTS, keep_when=lambda result: not result.errors)


_PLAIN = (str, int, float, bool, type(None), enum.Enum)


def _plain(value: Any) -> bool:
    """Compared by `repr` faithfully: scalars, enums, and lists and dicts of them."""
    if isinstance(value, list | tuple):
        return all(_plain(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and _plain(item) for key, item in value.items())
    return isinstance(value, _PLAIN)


def _document_key(executor: Any) -> tuple[str, str | None, str] | None:
    operation = executor.operation
    variables = executor.variable_values.coerced
    if operation.loc is None or not _plain(variables):
        return None  # nothing faithful to compare it by: do not share
    return (
        operation.loc.source.body,
        operation.name.value if operation.name else None,
        repr(sorted(variables.items())),
    )


def _viewer_key(context: Any) -> tuple[Any, bool] | None:
    """Who the execution answers, as it reads the context now (the viewer of a connection
    can differ from the one its subscription started with); None: never share."""
    if getattr(context, "request", None) is not None:
        return None  # over HTTP: answers may depend on the request (host, cookies)
    if getattr(context, "revealed_user_ids", None):
        return None  # this connection may see more than its viewer may (tokenCreate on it)
    viewer = getattr(context, "viewer", None)
    if viewer is None or not viewer.is_authenticated:
        return (None, False)
    return (viewer.pk, is_staff(viewer))


class _NotShareable(Exception):
    """The answer just computed is for its own subscriber only."""


class SharedEventExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's executor; subscription events with a `share_key` run once per key,
    document, variables and viewer."""

    def execute_operation(self, serially: bool | None = None) -> Any:
        share_key = getattr(self.root_value, "share_key", None)
        if share_key is None:
            return self.execute_once(serially)
        document = _document_key(self)
        viewer = _viewer_key(self.context_value)
        if document is None or viewer is None:
            return self.execute_once(serially)
        return self._shared((*document, *viewer, *share_key), viewer, serially)

    def execute_once(self, serially: bool | None = None) -> Any:
        """One real execution of the operation (shared or not, every one goes here)."""
        return super().execute_operation(serially)

    async def _shared(
        self, key: tuple[Any, ...], viewer: tuple[Any, bool], serially: bool | None
    ) -> Any:
        own: list[Any] = []

        async def execute() -> Any:
            result = await self._own(serially)
            own.append(result)
            if _viewer_key(self.context_value) != viewer:
                raise _NotShareable  # the context changed while executing (tokenCreate)
            return result

        try:
            result = await _results().get(key, execute)
        except _NotShareable:
            return own[0] if own else await self._own(serially)
        if result.errors and not own:
            return await self._own(serially)
        SHARED_EXECUTIONS["miss" if own else "hit"].inc()
        return result

    async def _own(self, serially: bool | None) -> Any:
        result = self.execute_once(serially)
        return await result if self.is_awaitable(result) else result
