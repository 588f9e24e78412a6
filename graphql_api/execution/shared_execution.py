"""One execution of a subscription event for every subscriber that would get the same
answer, and one JSON encoding of it.

A product change reaches every subscriber of that product; most send the same document
with the same variables. Each used to run the whole selection set through GraphQL for
itself, the main cost of a fan-out. A payload that carries a `share_key` (the event, and
what its root object depends on) is executed once per key, document, variables and viewer
in this process; the other subscribers get that result. The viewer part of the key is the
viewer's class (staff or not: anonymous callers and every signed-in customer are one class)
when the document reads no field that may differ between viewers of a class
(graphql_api/subscriptions/viewer_fields.py), else the viewer itself (its id, or none for
anonymous callers, and the staff role), both read from the context at execution. A
connection whose context reveals more than its viewer may see (`revealed_user_ids`) never
shares.

Only results without errors are handed on: a subscriber whose shared result holds errors
executes for itself, so no error object (with its path and extensions) is ever shared. The
data of a shared result is a `SharedData`, encoded once for all its subscribers
(shared_frames.py); the subscription sends it itself (`shared_data`, direct_delivery.py).

Library internals relied on (checked with strawberry-graphql 0.341.2, graphql-core 3.3.2):
- `strawberry.schema.schema.StrawberryGraphQLCoreExecutionContext`: strawberry's executor
  class (not public API), subclassed to share an execution.
- `graphql.execution.executor.Executor.execute_operation`: overridden; the one place
  where an operation's execution starts, for subscription events too.
- `graphql.execution.executor.Executor.is_awaitable`: tells whether the result of our own
  `execute_operation` must be awaited.
- `graphql.execution.executor.Executor.build_per_event_executor`: makes each event's
  executor as a shallow copy of the subscription's, so what `__init__` sets here (the
  subscription's sharing decision, made once) is the same object in every copy.
- `graphql.execution.values.VariableValues.coerced`: graphql-core 3.3's coerced variables
  (the executor's `variable_values` is a `VariableValues`, no longer a dict), compared to
  decide whether two subscribers sent the same variables.
The executor's instance attributes `schema`, `fragment_definitions`, `operation`,
`variable_values`, `root_value` and `context_value` are read as well (set by graphql-core's
constructor; not importable, so not listed above).
"""

from __future__ import annotations

import enum
from contextvars import ContextVar
from typing import Any

from graphql import ExecutionResult
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from domain.common.permissions import key_scopes, staff_scopes
from graphql_api.execution.shared_frames import SharedData
from graphql_api.metrics import SHARED_EXECUTIONS
from graphql_api.subscriptions.viewer_fields import reads_per_viewer_fields
from realtime.registry import runtime
from realtime.single_flight import SingleFlight

# Subscribers of one event reach their execution one after another over the fan-out
# (hundreds of ms for a thousand): each result is kept that long (`SHARE_WINDOW`), unless
# it holds errors.
SHARED_RESULTS = "graphql_api.execution.event_results"
# The viewer part of the key of a document that reads no per-viewer field.
VIEWER_CLASS = "class"


# The executor of the operation last built in this task: in a subscription's operation
# task, the subscription's own (its resolver sends shared events itself: direct_delivery.py).
current_executor: ContextVar[SharedEventExecutionContext | None] = ContextVar(
    "current_executor", default=None
)


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


def _viewer_key(context: Any, *, per_viewer: bool) -> tuple[Any, frozenset[Any]] | None:
    """Who the execution answers, as it reads the context now (the viewer of a connection
    can differ from the one its subscription started with): the viewer's class, or with
    `per_viewer` the viewer; None: never share."""
    if getattr(context, "request", None) is not None:
        return None  # over HTTP: answers may depend on the request (host, cookies)
    if getattr(context, "revealed_user_ids", None):
        return None  # this connection may see more than its viewer may (tokenCreate on it)
    viewer = getattr(context, "viewer", None)
    # The viewer's staff scopes: none for anonymous callers and customers alike (one
    # class), every one for staff, a key's own for an API key.
    if viewer is None or not viewer.is_authenticated:
        return (VIEWER_CLASS if not per_viewer else None, frozenset())
    # A key acting for a person is never that person (their orders, favourites, e-mail).
    person = viewer.pk if key_scopes(viewer) is None else ("key", viewer.pk)
    return (VIEWER_CLASS if not per_viewer else person, staff_scopes(viewer))


class _NotShareable(Exception):
    """The answer just computed is for its own subscriber only."""


class SharedEventExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's executor; subscription events with a `share_key` run once per key,
    document, variables and viewer (or viewer class)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The subscription's document key and whether it reads per-viewer fields, worked
        # out at its first event; each event's executor is a shallow copy of this one.
        self.event_sharing: dict[str, Any] = {}
        current_executor.set(self)

    def execute_operation(self, serially: bool | None = None) -> Any:
        shared = self._share(serially)
        return self.execute_once(serially) if shared is None else shared

    async def shared_data(self, payload: Any) -> SharedData | None:
        """The data of `payload` (an event of this subscription) as shared with the other
        subscribers who get the same answer; None when it is not shared (no share key, a
        connection that never shares, an answer with errors): the caller then hands the
        payload to the standard path, which executes it for its subscriber."""
        shared = self.build_per_event_executor(payload)._share(serially=False)
        if shared is None:
            return None
        result = await shared
        return result.data if isinstance(result.data, SharedData) else None

    def _share(self, serially: bool | None) -> Any:
        """The shared execution of this event (awaitable), or None when it is not shared."""
        share_key = getattr(self.root_value, "share_key", None)
        if share_key is None:
            return None
        document, per_viewer = self._sharing()
        viewer = _viewer_key(self.context_value, per_viewer=per_viewer)
        if document is None or viewer is None:
            return None
        return self._shared((*document, *viewer, *share_key), viewer, per_viewer, serially)

    def _sharing(self) -> tuple[tuple[str, str | None, str] | None, bool]:
        sharing = self.event_sharing
        if not sharing:
            sharing["document"] = _document_key(self)
            sharing["per_viewer"] = reads_per_viewer_fields(
                self.schema, self.operation, self.fragment_definitions
            )
        return sharing["document"], sharing["per_viewer"]

    def execute_once(self, serially: bool | None = None) -> Any:
        """One real execution of the operation (shared or not, every one goes here)."""
        return super().execute_operation(serially)

    async def _shared(
        self,
        key: tuple[Any, ...],
        viewer: tuple[Any, bool],
        per_viewer: bool,
        serially: bool | None,
    ) -> Any:
        own: list[Any] = []

        async def execute() -> Any:
            result = await self._own(serially)
            own.append(result)
            if _viewer_key(self.context_value, per_viewer=per_viewer) != viewer:
                raise _NotShareable  # the context changed while executing (tokenCreate)
            if result.errors or not isinstance(result.data, dict):
                return result
            return ExecutionResult(SharedData(result.data), None, result.extensions)

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
