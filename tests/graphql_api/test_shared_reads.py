"""SharedReads: subscribers share a read only while it is in flight, and only one that
started after they heard of their event."""

from __future__ import annotations

import asyncio
import time

import pytest

from graphql_api.subscriptions.streams import SharedReads


async def test_a_failed_read_is_not_handed_to_a_later_caller():
    reads, calls = SharedReads(), []

    async def load() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a passing database error")
        return "fresh"

    with pytest.raises(RuntimeError):
        await reads.get("key", load)
    assert await reads.get("key", load) == "fresh"


async def test_callers_at_the_same_time_share_one_read():
    reads, calls = SharedReads(), []

    async def load() -> int:
        calls.append(1)
        await asyncio.sleep(0.05)
        return len(calls)

    results = await asyncio.gather(*(reads.get("key", load) for _ in range(50)))
    assert results == [1] * 50
    assert len(calls) == 1


async def test_a_read_that_started_before_the_caller_heard_of_its_event_is_not_joined():
    reads, calls = SharedReads(), []

    async def load() -> int:
        calls.append(1)
        number = len(calls)
        await asyncio.sleep(0.1)
        return number

    early = asyncio.ensure_future(reads.get("key", load))
    await asyncio.sleep(0.02)
    late = await reads.get("key", load, not_before=time.monotonic())
    assert (await early, late) == (1, 2)


async def test_an_answer_kept_for_a_while_is_shared_then_read_again():
    reads, calls = SharedReads(keep_for=0.2), []

    async def load() -> int:
        calls.append(1)
        return len(calls)

    assert await reads.get("key", load) == 1
    assert await reads.get("key", load) == 1
    await asyncio.sleep(0.3)
    assert await reads.get("key", load) == 2
