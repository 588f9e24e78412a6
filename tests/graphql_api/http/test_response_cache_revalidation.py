"""Past its safety bound, an entry is served while one request computes it again, but only
within its catalog version; a committed change is never answered with an older entry, in
any process, whatever each process keeps in memory."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import AsyncClient

from domain.catalog import services
from graphql_api.http import response_cache
from graphql_api.http.local_answers import LocalAnswers
from tests.factories import make_product, make_user

QUERY = {"query": "query Page { products(first: 5) { edges { node { name price } } } }"}
KEY = "gql-test:revalidated"


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.RESPONSE_CACHE_TTL = 60
    settings.RESPONSE_CACHE_LOCK_TIMEOUT = 10


@pytest.fixture
def clock(monkeypatch) -> list[float]:
    """The response cache's wall clock, set by the test: `clock[0]`."""
    now = [1_000_000.0]
    monkeypatch.setattr(response_cache, "_now", lambda: now[0])
    return now


def _answer(body: bytes) -> HttpResponse:
    return HttpResponse(body, content_type="application/json")


def _computing(body: bytes, started: asyncio.Event, release: asyncio.Event, runs: list[bytes]):
    async def compute() -> HttpResponse:
        runs.append(body)
        started.set()
        await release.wait()
        return _answer(body)

    return compute


async def _fixed(body: bytes) -> HttpResponse:
    return _answer(body)


async def test_past_its_bound_an_entry_is_served_while_one_request_computes_it_again(clock):
    # given an entry filed 61 s ago (the bound is 60 s)
    assert (await response_cache.serve(KEY, lambda: _fixed(b'{"data":1}')))["X-Cache"] == "miss"
    clock[0] += 61
    started, release, runs = asyncio.Event(), asyncio.Event(), []
    leader = asyncio.create_task(
        response_cache.serve(KEY, _computing(b'{"data":2}', started, release, runs))
    )
    await started.wait()
    # when others ask while it computes
    others = [
        await response_cache.serve(KEY, _computing(b'{"data":3}', started, release, runs))
        for _ in range(3)
    ]
    # then they get the entry it replaces at once, and nobody else computes
    assert [(r["X-Cache"], r.content) for r in others] == [("stale", b'{"data":1}')] * 3
    release.set()
    assert ((await leader)["X-Cache"], runs) == ("miss", [b'{"data":2}'])
    after = await response_cache.serve(KEY, lambda: _fixed(b'{"data":4}'))
    assert (after["X-Cache"], after.content) == ("hit", b'{"data":2}')


def test_past_its_bound_another_process_serves_the_entry_while_the_lock_holder_computes(
    clock, monkeypatch
):
    # given an entry past its bound, and a first process recomputing it (holding the lock)
    local = _per_thread_local(monkeypatch)
    asyncio.run(response_cache.serve(KEY, lambda: _fixed(b'{"data":1}')))
    clock[0] += 61
    computing, done = threading.Event(), threading.Event()

    async def slow() -> HttpResponse:
        computing.set()
        await asyncio.get_running_loop().run_in_executor(None, done.wait, 30)
        return _answer(b'{"data":2}')

    results: dict[str, HttpResponse] = {}
    first = threading.Thread(
        target=lambda: results.__setitem__("first", asyncio.run(response_cache.serve(KEY, slow)))
    )
    first.start()
    assert computing.wait(30)
    # when a second process asks meanwhile (its own memory copy is empty)
    second = _run_in_thread(lambda: response_cache.serve(KEY, lambda: _fixed(b'{"data":3}')))
    done.set()
    first.join(30)
    # then it got the entry of the same version without waiting or computing
    assert (second["X-Cache"], second.content) == ("stale", b'{"data":1}')
    assert (results["first"]["X-Cache"], results["first"].content) == ("miss", b'{"data":2}')
    assert local.threads >= 2


async def test_an_entry_within_its_bound_is_a_hit(clock):
    # given
    await response_cache.serve(KEY, lambda: _fixed(b'{"data":1}'))
    # when / then: within the bound
    clock[0] += 59
    assert (await response_cache.serve(KEY, lambda: _fixed(b'{"data":2}')))["X-Cache"] == "hit"


# A committed change, in another process, with each process's memory copy.


class _PerThreadLocal:
    """Each thread (a "process" of the test) with its own in-memory copy of entries."""

    def __init__(self) -> None:
        self._copies = threading.local()
        self.threads = 0

    def _copy(self) -> LocalAnswers[Any]:
        if not hasattr(self._copies, "answers"):
            self._copies.answers = LocalAnswers(max_bytes=1 << 20)
            self.threads += 1
        return self._copies.answers

    def get(self, key: str) -> Any:
        return self._copy().get(key)

    def put(self, key: str, value: Any, body_bytes: int) -> None:
        self._copy().put(key, value, body_bytes)

    def clear(self) -> None:
        self._copy().clear()


def _per_thread_local(monkeypatch: pytest.MonkeyPatch) -> _PerThreadLocal:
    local = _PerThreadLocal()
    monkeypatch.setattr(response_cache, "local", local)
    return local


def _run_in_thread(make: Callable[[], Awaitable[Any]]) -> Any:
    """Runs `make()` on an event loop of its own in a thread of its own (a "process")."""
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(asyncio.run(make())))
    thread.start()
    thread.join(30)
    return result[0]


class _Process:
    """A thread with its own event loop and memory copy, kept for several requests."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def post(self) -> Any:
        async def request() -> Any:
            return await AsyncClient().post("/graphql/", QUERY, content_type="application/json")

        return asyncio.run_coroutine_threadsafe(request(), self.loop).result(30)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)


def _price(response: Any) -> str:
    return response.json()["data"]["products"]["edges"][0]["node"]["price"]


@pytest.mark.django_db(transaction=True)
def test_a_change_committed_by_another_process_is_seen_by_every_process_at_once(monkeypatch):
    # given two processes that both hold the answer in memory
    _per_thread_local(monkeypatch)
    staff = make_user(is_staff=True)
    product = make_product(name="Lamp", price=Decimal("10.00"))
    a, b = _Process(), _Process()
    try:
        assert [a.post()["X-Cache"], a.post()["X-Cache"]] == ["miss", "hit"]
        assert [b.post()["X-Cache"], b.post()["X-Cache"]] == ["hit", "hit"]
        # when a third process commits a change
        services.product_update(actor=staff, product_id=product.pk, price=Decimal("12.00"))
        # then the very next request of each sees it
        after_b, after_a = b.post(), a.post()
        assert (after_b["X-Cache"], _price(after_b)) == ("miss", "12.00")
        assert (after_a["X-Cache"], _price(after_a)) == ("hit", "12.00")
    finally:
        a.stop()
        b.stop()


@pytest.mark.django_db(transaction=True)
async def test_a_committed_change_is_never_answered_with_the_entry_before_it(clock):
    # given an answer cached long ago (past its bound: the older entry would be served
    # stale were it of the same version)
    from asgiref.sync import sync_to_async

    staff = await sync_to_async(make_user)(is_staff=True)
    product = await sync_to_async(make_product)(name="Lamp", price=Decimal("10.00"))
    client = AsyncClient()
    first = await client.post("/graphql/", QUERY, content_type="application/json")
    assert (first["X-Cache"], _price(first)) == ("miss", "10.00")
    clock[0] += 3_600
    # when a change commits
    await sync_to_async(services.product_update)(
        actor=staff, product_id=product.pk, price=Decimal("12.00")
    )
    # then
    after = await client.post("/graphql/", QUERY, content_type="application/json")
    assert (after["X-Cache"], _price(after)) == ("miss", "12.00")
