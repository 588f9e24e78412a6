"""Single flight: requests that miss one cached answer at the same time compute it once."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.http import HttpResponse
from django.test import AsyncClient

from graphql_api.http import response_cache
from graphql_api.schema import schema
from tests.factories import make_product

QUERY = {"query": "query Page { products(first: 5) { edges { node { name price } } } }"}
REQUESTS = 8


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.RESPONSE_CACHE_TTL = 30
    settings.RESPONSE_CACHE_LOCK_TIMEOUT = 10


def _answer(body: bytes) -> HttpResponse:
    return HttpResponse(body, content_type="application/json")


@pytest.mark.django_db(transaction=True)
async def test_concurrent_anonymous_misses_of_one_document_execute_it_once(monkeypatch):
    # given: the first execution waits until every request has arrived (or, without
    # single flight, until every request executes)
    await sync_to_async(make_product)(name="Lamp")
    arrived: list[int] = []
    executions: list[int] = []
    everyone_in = asyncio.Event()
    real_serve, real_execute = getattr(response_cache, "serve", None), schema.execute

    def count(seen: list[int]) -> None:
        seen.append(1)
        if len(seen) == REQUESTS:
            everyone_in.set()

    async def arriving_serve(key: str, compute: Any) -> Any:
        count(arrived)
        assert real_serve is not None
        return await real_serve(key, compute)

    async def gated_execute(*args: Any, **kwargs: Any) -> Any:
        count(executions)
        await everyone_in.wait()
        return await real_execute(*args, **kwargs)

    monkeypatch.setattr(response_cache, "serve", arriving_serve, raising=False)
    monkeypatch.setattr(schema, "execute", gated_execute)
    # when
    responses = await asyncio.gather(
        *(
            AsyncClient().post("/graphql/", QUERY, content_type="application/json")
            for _ in range(REQUESTS)
        )
    )
    # then
    assert len(executions) == 1
    assert {response.content for response in responses} == {responses[0].content}
    assert b'"name":"Lamp"' in responses[0].content
    sources = sorted(response["X-Cache"] for response in responses)
    assert sources.count("miss") == 1
    assert set(sources) - {"miss"} <= {"shared", "hit"}


def test_misses_in_two_processes_compute_once(monkeypatch):
    # given: two event loops in two threads stand for two processes (they meet only in
    # the cache); the first computes, and finishes only once the second, having missed the
    # cache, waits for the first's lock
    executions: list[str] = []
    first_computing, second_waits = threading.Event(), threading.Event()
    await_holder = response_cache._await_holder

    async def waiting_for_the_holder(*args: Any) -> Any:
        second_waits.set()
        return await await_holder(*args)

    monkeypatch.setattr(response_cache, "_await_holder", waiting_for_the_holder)

    async def first_compute() -> HttpResponse:
        executions.append("first")
        first_computing.set()
        await asyncio.get_running_loop().run_in_executor(None, second_waits.wait, 30)
        return _answer(b'{"data":{"n":1}}')

    async def second_compute() -> HttpResponse:
        executions.append("second")
        return _answer(b'{"data":{"n":2}}')

    def first() -> HttpResponse:
        return asyncio.run(response_cache.serve("gql-test:k", first_compute))

    def second() -> HttpResponse:
        first_computing.wait()  # so the first holds the lock
        return asyncio.run(response_cache.serve("gql-test:k", second_compute))

    results: dict[str, HttpResponse] = {}
    threads = [
        threading.Thread(target=lambda: results.__setitem__("first", first())),
        threading.Thread(target=lambda: results.__setitem__("second", second())),
    ]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # then the second waited for the first's answer instead of computing its own
    assert second_waits.is_set()
    assert executions == ["first"]
    assert results["first"]["X-Cache"] == "miss"
    assert results["second"]["X-Cache"] == "shared"
    assert results["second"].content == b'{"data":{"n":1}}'


async def test_a_holder_that_never_answers_holds_up_others_only_until_the_lock_timeout(settings):
    # given: another process took the lock and died
    settings.RESPONSE_CACHE_LOCK_TIMEOUT = 0.2
    await cache.aadd(response_cache.LOCK_PREFIX + "gql-test:k", "crashed", timeout=60)

    async def compute() -> HttpResponse:
        return _answer(b'{"data":{"n":1}}')

    # when
    response = await response_cache.serve("gql-test:k", compute)
    # then: it computed the answer itself, and filed it
    assert response["X-Cache"] == "miss" and response.content == b'{"data":{"n":1}}'
    assert (await response_cache.serve("gql-test:k", compute))["X-Cache"] == "hit"


def _signal_when_following(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """An event set once a request waits on another's computation in this process."""
    following = asyncio.Event()
    follow = response_cache._follow

    async def following_flight(*args: Any) -> Any:
        following.set()
        return await follow(*args)

    monkeypatch.setattr(response_cache, "_follow", following_flight)
    return following


async def test_when_the_computing_request_goes_away_a_waiting_one_computes(monkeypatch):
    # given: a computation under way whose request then goes away
    started, computations = asyncio.Event(), []
    following = _signal_when_following(monkeypatch)

    async def abandoned() -> HttpResponse:
        computations.append("abandoned")
        started.set()
        await asyncio.Event().wait()  # never ends by itself
        raise AssertionError("unreachable")

    async def compute() -> HttpResponse:
        computations.append("second")
        return _answer(b'{"data":{"n":2}}')

    first = asyncio.ensure_future(response_cache.serve("gql-test:k", abandoned))
    await started.wait()
    waiting = asyncio.ensure_future(response_cache.serve("gql-test:k", compute))
    await asyncio.wait_for(following.wait(), timeout=5)
    # when
    first.cancel()
    # then
    response = await waiting
    assert computations == ["abandoned", "second"]
    assert response["X-Cache"] == "miss" and response.content == b'{"data":{"n":2}}'
    with pytest.raises(asyncio.CancelledError):
        await first


@pytest.mark.django_db(transaction=True)
async def test_a_refusal_of_one_clients_budget_is_not_handed_to_those_who_waited(monkeypatch):
    # given a request computing an answer that turns out to be its client's 429
    leader_started, release = asyncio.Event(), asyncio.Event()
    following = _signal_when_following(monkeypatch)

    async def over_budget() -> HttpResponse:
        leader_started.set()
        await release.wait()
        return HttpResponse(b'{"errors":[]}', status=429, content_type="application/json")

    async def within_budget() -> HttpResponse:
        return _answer(b'{"data":{"x":1}}')

    leader = asyncio.create_task(response_cache.serve("budget-key", over_budget))
    await leader_started.wait()
    # when another client's request for the same answer waits for it
    waiter = asyncio.create_task(response_cache.serve("budget-key", within_budget))
    await asyncio.wait_for(following.wait(), timeout=5)
    release.set()
    # then the 429 stays with its client, and the other computes its own answer
    assert (await leader).status_code == 429
    answered = await waiter
    assert (answered.status_code, answered.content) == (200, b'{"data":{"x":1}}')
