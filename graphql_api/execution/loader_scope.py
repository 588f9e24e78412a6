"""Each operation starts with empty DataLoaders. Over HTTP the context is new for every
request anyway; over WebSocket strawberry keeps one context for the whole connection, so
without this a query would see values cached by an earlier one."""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension


class FreshLoadersExtension(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        reset = getattr(self.execution_context.context, "new_loader_scope", None)
        if reset is not None:
            reset()
        yield
