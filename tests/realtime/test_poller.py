"""The event-log poller: one per stream and event loop while watched, reading the log
through the reader it was handed and waking the listeners that have not seen that far."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Any

import pytest

from realtime import bus
from realtime.bus import Stream
from realtime.poller import LogPoller, running, watching
from realtime.registry import runtime


@pytest.fixture(autouse=True)
def _layer(in_memory_layer) -> None:
    """Every test here runs on the in-memory layer."""


class Reader:
    """An event log's reader for the poller: rows of (groups, message), counting calls."""

    def __init__(self, rows: list[tuple[list[str], dict[str, Any]]] | None = None) -> None:
        self.rows = rows or []
        self.calls: list[tuple[Stream, int, int]] = []
        self.called = asyncio.Event()

    async def __call__(self, *, stream: Stream, after_id: int, limit: int) -> list[Any]:
        self.calls.append((stream, after_id, limit))
        self.called.set()
        return [row for row in self.rows if row[1]["id"] > after_id][:limit]


def _row(event_id: int, *groups: str) -> tuple[list[str], dict[str, Any]]:
    return list(groups), {"stream": Stream.PRODUCT, "id": event_id}


@pytest.fixture
def reader(monkeypatch) -> Reader:
    given = Reader()
    monkeypatch.setattr(runtime, "log_reader", given)
    return given


async def test_a_look_wakes_the_listeners_of_groups_with_newer_events(monkeypatch):
    # given two groups' listeners, and a log read two rows at a time
    monkeypatch.setattr(LogPoller, "BATCH", 2)
    mine, theirs = f"test.{uuid.uuid4().hex}", f"test.{uuid.uuid4().hex}"
    log = Reader([_row(4, mine), _row(5, theirs), _row(6, mine), _row(7, theirs)])
    async with bus.listen([mine]) as listener, bus.listen([theirs]) as seen_all:
        listener.start_at(3)
        seen_all.start_at(7)
        polling = LogPoller(Stream.PRODUCT, log)
        polling.start_after(3)
        # when it looks
        await polling.look()
        # then it read batch by batch from where it was, and woke the one that was behind
        assert log.calls == [(Stream.PRODUCT, 3, 2), (Stream.PRODUCT, 5, 2), (Stream.PRODUCT, 7, 2)]
        assert polling.last_id == 7
        woken = [(await asyncio.wait_for(listener.next(), 5))[0] for _ in range(2)]
        assert woken == [  # once per batch that held news for it
            {"stream": Stream.PRODUCT, "id": 4, bus.WAKE_MESSAGE: True},
            {"stream": Stream.PRODUCT, "id": 6, bus.WAKE_MESSAGE: True},
        ]


async def test_a_poller_polls_from_the_lowest_position_of_its_watchers():
    polling = LogPoller(Stream.ORDER, Reader())
    polling.start_after(9)
    polling.start_after(4)
    polling.start_after(6)
    assert polling.last_id == 4


async def test_a_poller_looks_at_nothing_before_a_watcher_has_its_position():
    log = Reader([_row(1, "g")])
    await LogPoller(Stream.PRODUCT, log).look()
    assert log.calls == []


async def test_one_poller_per_stream_serves_its_watchers_and_stops_with_the_last(settings, reader):
    settings.WS_LOG_POLL_INTERVAL = 60
    with watching(Stream.PRODUCT) as first, watching(Stream.PRODUCT) as second:
        assert first is second is running(Stream.PRODUCT)
        assert first is not None and first.watchers == 2
        with watching(Stream.ORDER) as orders:
            assert orders is not first
    assert running(Stream.PRODUCT) is None and running(Stream.ORDER) is None
    assert first.task is not None
    with contextlib.suppress(asyncio.CancelledError):
        await first.task
    assert first.task.cancelled()


async def test_polling_off_starts_no_poller(settings, reader):
    settings.WS_LOG_POLL_INTERVAL = 0
    with watching(Stream.PRODUCT) as none:
        assert none is None
        assert running(Stream.PRODUCT) is None


async def test_polling_without_a_reader_is_refused(settings, monkeypatch):
    settings.WS_LOG_POLL_INTERVAL = 60
    monkeypatch.setattr(runtime, "log_reader", None)
    with pytest.raises(RuntimeError, match="use_log_reader"), watching(Stream.PRODUCT):
        pass


async def test_a_failed_look_is_tried_again_an_interval_later(settings, monkeypatch, caplog):
    settings.WS_LOG_POLL_INTERVAL = 0.01
    log = Reader()
    failures = 0

    async def failing_once(**kwargs: Any) -> list[Any]:
        nonlocal failures
        if not failures:
            failures += 1
            raise ConnectionError("database went away")
        return await log(**kwargs)

    monkeypatch.setattr(runtime, "log_reader", failing_once)
    with watching(Stream.PRODUCT) as polling:
        assert polling is not None
        polling.start_after(0)
        await asyncio.wait_for(log.called.wait(), 5)
    assert failures == 1
    assert "event log poll of product failed" in caplog.text
