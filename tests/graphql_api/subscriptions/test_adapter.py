"""The adapter between realtime's stream and a GraphQL subscription: realtime's exceptions
become close codes and `ApiError`, each event is built in a fresh loader scope."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from types import SimpleNamespace
from typing import Any

import pytest
from graphql import parse

from domain.events.selectors import ReplayTooLong as DomainReplayTooLong
from graphql_api.common.errors import ApiError, ApiErrorCode
from graphql_api.subscriptions import adapter
from realtime.bus import Stream
from realtime.errors import ReplayTooLong, SlowConsumer, TransportLost
from realtime.stream import StreamSource


class Socket:
    def __init__(self) -> None:
        self.closed: tuple[int, str] | None = None

    async def close(self, *, code: int, reason: str) -> None:
        self.closed = (code, reason)


class Context:
    def __init__(self) -> None:
        self.websocket = Socket()
        self.scopes = 0

    def new_loader_scope(self) -> None:
        self.scopes += 1


async def _nothing() -> Any:
    raise AssertionError("the stream is replaced in these tests")


SOURCE = StreamSource(
    stream=Stream.PRODUCT,
    groups=("g",),
    latest_id=_nothing,
    read_after=_nothing,  # type: ignore[arg-type]
    accepts=lambda message: True,
    share_key="k",
)


def _stream_of(monkeypatch, events: list[dict], then: BaseException | None = None) -> None:
    async def stream(source: Any, *, after_id: Any, max_pending: int) -> AsyncGenerator[dict]:
        for event in events:
            yield event
        if then is not None:
            raise then

    monkeypatch.setattr(adapter, "replay_then_live", stream)


def _info() -> SimpleNamespace:
    """What the adapter reads of strawberry's `Info`: the context and the operation."""
    operation = parse("subscription OnProductEvents { productEvents { cursor } }")
    return SimpleNamespace(context=Context(), operation=operation.definitions[0])


async def _run(info: Any, build: Any = None) -> list[Any]:
    async def echo(event: dict) -> Any:
        return event["id"]

    return [
        item
        async for item in adapter.subscription_events(
            info, SOURCE, after_id=None, build=build or echo
        )
    ]


async def test_each_event_is_built_in_a_fresh_loader_scope_and_none_is_not_sent(monkeypatch):
    _stream_of(monkeypatch, [{"id": 1}, {"id": 2}, {"id": 3}])
    info = _info()

    async def build(event: dict) -> int | None:
        return None if event["id"] == 2 else event["id"]

    assert await _run(info, build) == [1, 3]
    assert info.context.scopes == 3


@pytest.mark.parametrize(
    ("error", "code", "reason"),
    [
        (SlowConsumer(), 1013, adapter.SLOW_CONSUMER_REASON),
        (TransportLost(), 1012, adapter.TRANSPORT_LOST_REASON),
    ],
)
async def test_realtime_giving_up_closes_the_socket_with_its_code(monkeypatch, error, code, reason):
    _stream_of(monkeypatch, [{"id": 1}], then=error)
    info = _info()
    assert await _run(info) == [1]
    assert info.context.websocket.closed == (code, reason)
    assert "resume from your last cursor" in reason


async def test_a_replay_too_long_is_cursor_expired(monkeypatch):
    _stream_of(monkeypatch, [], then=ReplayTooLong("too many"))
    info = _info()
    with pytest.raises(ApiError) as raised:
        await _run(info)
    assert raised.value.extensions == {"code": ApiErrorCode.CURSOR_EXPIRED.value}
    assert info.context.websocket.closed is None


@pytest.mark.django_db(transaction=True)
async def test_the_domains_replay_too_long_reaches_the_stream_as_realtimes():
    def too_many(position: int) -> list[dict]:
        raise DomainReplayTooLong("more than 10000 events to replay")

    with pytest.raises(ReplayTooLong, match="more than 10000"):
        await adapter.log_reader(too_many)(5)
