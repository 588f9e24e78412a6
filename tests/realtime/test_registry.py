"""The registry of realtime's process-wide state."""

from __future__ import annotations

import asyncio

from realtime.memberships import GroupRouter
from realtime.registry import FirstHeard, Runtime


async def test_named_shared_reads_are_one_object_per_name():
    state = Runtime()
    assert state.shared("a") is state.shared("a")
    assert state.shared("a") is not state.shared("b")


async def test_a_reset_forgets_the_state_but_not_the_configuration():
    # given a runtime with a reader, state and named reads
    state = Runtime()

    async def reader(**kwargs):
        return []

    state.log_reader = reader
    reads = state.shared("a")
    log_reads = state.log_reads
    state.routers[asyncio.get_running_loop()] = GroupRouter(layer=None)
    state.first_heard.remember("product", 1, 10.0)
    # when it is reset
    state.reset()
    # then only the reader is left
    assert state.log_reader is reader
    assert state.shared("a") is not reads
    assert state.log_reads is not log_reads
    assert dict(state.routers) == {}
    assert state.first_heard.remember("product", 1, 20.0) == 20.0


def test_first_heard_keeps_the_first_moment_of_each_event():
    heard = FirstHeard()
    assert heard.remember("product", 1, 10.0) == 10.0
    assert heard.remember("product", 1, 5.0) == 10.0
    assert heard.remember("order", 1, 7.0) == 7.0


def test_first_heard_forgets_the_oldest_events_beyond_its_memory():
    heard = FirstHeard(memory=2)
    for event_id in (1, 2, 3):
        heard.remember("product", event_id, float(event_id))
    assert heard.remember("product", 1, 99.0) == 99.0  # forgotten, so heard again now
    assert heard.remember("product", 3, 99.0) == 3.0
