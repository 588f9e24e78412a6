"""Shared subscription events sent by the subscription itself, past strawberry's
per-result processing.

An event that a subscriber shares with others (shared_execution.py) would still go, for
each subscriber, through graphql-core's per-event executor, strawberry's result handling
(a new result object, every extension's results and `on_stream_result` hooks) and the
protocol handler's message building. None of that changes a shared answer: it has no
errors, and no extension of the schema adds results to a subscription event (checked by
tests/realtime/test_direct_delivery.py). So the subscription's event loop
(graphql_api/subscriptions/adapter.py) hands each event to `deliver`, which sends the
shared frame itself; an event that is not shared (or whose answer has errors) goes the
standard way, through strawberry. Both run one after the other in the operation's task,
so frames keep the events' order.

What sends the frame is set, per operation, by the protocol handler that starts it
(`frame_sink`, ws_protocol.py); the executor is the subscription's own (its operation
task's `current_executor`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from graphql_api.execution.shared_execution import current_executor
from graphql_api.execution.shared_frames import SharedData

FrameSink = Callable[[SharedData], Awaitable[None]]

# Sends the shared data of an event as this operation's frame (set by the protocol handler
# for the operation's task).
frame_sink: ContextVar[FrameSink | None] = ContextVar("frame_sink", default=None)


def direct_delivery() -> Callable[[Any], Awaitable[bool]] | None:
    """For a subscription's event loop, in its operation's task: `deliver(payload)` sends
    the event's shared frame and answers True, or answers False (send it the standard
    way). None when this operation has no direct delivery (not over WebSocket)."""
    executor = current_executor.get()
    sink = frame_sink.get()
    if executor is None or sink is None:
        return None

    async def deliver(payload: Any) -> bool:
        data = await executor.shared_data(payload)
        if data is None:
            return False
        await sink(data)
        return True

    return deliver
