"""SingleFlight: callers share a read only while it is in flight (or kept), and only one
that started after they heard of their event."""

from __future__ import annotations

import asyncio
import math
import time

import pytest

from realtime.single_flight import SingleFlight


class GatedLoad:
    """A read that counts its calls and ends when the test opens its gate."""

    def __init__(self) -> None:
        self.calls = 0
        self.gate = asyncio.Event()
        self.started = asyncio.Event()

    async def __call__(self) -> int:
        self.calls += 1
        number = self.calls
        self.started.set()
        await self.gate.wait()
        return number


async def test_a_failed_read_is_not_handed_to_a_later_caller():
    reads, calls = SingleFlight(), []

    async def load() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a passing database error")
        return "fresh"

    with pytest.raises(RuntimeError):
        await reads.get("key", load)
    assert await reads.get("key", load) == "fresh"


async def test_callers_at_the_same_time_share_one_read():
    reads, load = SingleFlight(), GatedLoad()
    waiting = asyncio.gather(*(reads.get("key", load) for _ in range(50)))
    await load.started.wait()
    load.gate.set()
    assert await waiting == [1] * 50
    assert load.calls == 1


async def test_different_keys_are_read_apart():
    reads, load = SingleFlight(), GatedLoad()
    load.gate.set()
    assert [await reads.get(key, load) for key in ("a", "b")] == [1, 2]


async def test_a_read_that_started_before_the_caller_heard_of_its_event_is_not_joined():
    reads, load = SingleFlight(), GatedLoad()
    early = asyncio.ensure_future(reads.get("key", load))
    await load.started.wait()
    heard_at = math.nextafter(time.monotonic(), math.inf)  # after the early read started
    late = asyncio.ensure_future(reads.get("key", load, not_before=heard_at))
    load.gate.set()
    assert (await early, await late) == (1, 2)


async def test_a_read_that_started_after_the_caller_heard_of_its_event_is_joined():
    reads, load = SingleFlight(), GatedLoad()
    heard_at = time.monotonic()
    early = asyncio.ensure_future(reads.get("key", load))
    await load.started.wait()
    late = asyncio.ensure_future(reads.get("key", load, not_before=heard_at))
    load.gate.set()
    assert (await early, await late) == (1, 1)


async def _when_kept_time_passed(keep_for: float, monkeypatch: pytest.MonkeyPatch) -> None:
    """Move the event loop's clock past `keep_for` and return once timers due by then ran
    (no real waiting: the loop is told the time has come)."""
    loop = asyncio.get_running_loop()
    passed = asyncio.Event()
    loop.call_later(keep_for * 2, passed.set)  # due after the keep timer: runs after it
    now = loop.time()
    monkeypatch.setattr(loop, "time", lambda: now + keep_for * 10)
    await passed.wait()


async def test_an_answer_kept_for_a_while_is_shared_then_read_again(monkeypatch):
    reads, load = SingleFlight(keep_for=30.0), GatedLoad()
    load.gate.set()
    assert await reads.get("key", load) == 1
    assert await reads.get("key", load) == 1  # kept: shared after its read ended
    await _when_kept_time_passed(30.0, monkeypatch)
    assert await reads.get("key", load) == 2


async def test_an_answer_keep_when_refuses_is_not_kept():
    reads, load = SingleFlight(keep_for=30.0, keep_when=lambda answer: answer > 1), GatedLoad()
    load.gate.set()
    assert await reads.get("key", load) == 1  # refused: forgotten at once
    assert await reads.get("key", load) == 2  # kept
    assert await reads.get("key", load) == 2
