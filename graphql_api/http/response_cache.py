"""Whole-response cache for anonymous read queries, with one computation per answer.

Most storefront traffic is anonymous and asks the same catalog pages again and again. An
anonymous caller (no Authorization header, no session cookie) sees only public data with
no per-viewer values (isFavorite is false for all of them), so the answer depends only on
the document, the variables, the host (absolute image URLs), the negotiated media type
and the catalog. Answers are filed under the catalog's read version
(domain/common/read_version.py), which every committed change anonymous readers could see
moves, and kept RESPONSE_CACHE_TTL seconds at most (a bound on anything a write path might
not report).

Only successful query operations are stored; mutations, subscriptions, signed-in callers
and answers with errors always run.

Single flight (`serve`): when many requests miss one key at once (after the version moved,
or the entry expired), one computes and the others wait for its answer. In a process they
wait on the computation itself; across processes, the first takes a short lock in the
cache (an atomic add, which on Redis is SET NX EX) and the others poll for its entry.
Nobody waits longer than RESPONSE_CACHE_LOCK_TIMEOUT: a holder that crashed or hangs
costs its waiters that long at most, after which each computes for itself.

Waiters are never served an answer of an older version ("stale while revalidate"): the
version moves only after a public change commits, so an old answer would show the old
data to every client that asks after the commit, including the writer reading its own
write. Waiting for the new answer costs one computation's time instead."""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import secrets
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from graphql import OperationType

from domain.common.read_version import acatalog_version
from graphql_api.execution.documents import digest_of
from graphql_api.http.envelope import GraphQLRequest
from graphql_api.http.responses import negotiate

KEY_PREFIX = "gql-response:2:"  # 2: entries are (status, content type, body) (1: body)
LOCK_PREFIX = "gql-response-lock:"
SHARED_PREFIX = "gql-response-shared:"  # an uncacheable answer, for its waiters only
POLL_FIRST, POLL_MAX = 0.005, 0.1  # seconds between a waiter's looks, doubling


async def cache_key(
    request: HttpRequest,
    operation: GraphQLRequest,
    operation_type: OperationType | None,
    *,
    digest: str | None = None,
) -> str | None:
    """The key of this request's answer, or None when it must not be cached. `digest`: the
    SHA-256 of the document's text (known for a persisted query, which may come without
    its text): hash-only requests and requests with the text share entries."""
    if not settings.RESPONSE_CACHE_TTL or operation_type is not OperationType.QUERY:
        return None
    if operation.uploads:
        return None  # files are no part of a key
    if "Authorization" in request.headers or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    material = json.dumps(
        [
            request.scheme,
            request.get_host(),
            negotiate(request.headers.get("Accept")),  # the answer's media type
            digest or digest_of(operation.query or ""),
            operation.operation_name,
            operation.variables or {},
        ],
        sort_keys=True,
        separators=(",", ":"),
    )
    digest = hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{KEY_PREFIX}{await acatalog_version()}:{digest}"


@dataclass(frozen=True)
class Answer:
    """What a computed response is made of, to file or hand to the requests that waited."""

    status: int
    content_type: str
    content: bytes

    @classmethod
    def of(cls, response: Any) -> Answer | None:
        """None for a response that cannot be copied (streamed, or not yet rendered)."""
        if (
            not isinstance(response, HttpResponse)
            or response.streaming
            or not getattr(response, "is_rendered", True)
        ):
            return None
        content_type = response.get("Content-Type", "application/json")
        return cls(response.status_code, content_type, response.content)

    @classmethod
    def filed(cls, entry: Any) -> Answer | None:
        """From its cache entry: plain values, so that no entry outlives a rename of this
        class (anything else reads as a miss)."""
        if (
            isinstance(entry, tuple)
            and len(entry) == 3
            and isinstance(entry[0], int)
            and isinstance(entry[1], str)
            and isinstance(entry[2], bytes)
        ):
            return cls(*entry)
        return None

    def entry(self) -> tuple[int, str, bytes]:
        return (self.status, self.content_type, self.content)

    @property
    def cacheable(self) -> bool:
        return self.status == 200 and b'"errors"' not in self.content

    @property
    def shareable(self) -> bool:
        """May go to the requests that waited for it: anything but a refusal of the
        computing client's own cost budget (429), which says nothing of theirs."""
        return self.status != 429

    def response(self, source: str) -> HttpResponse:
        """`source`: `hit` (from the cache) or `shared` (waited for its computation)."""
        return HttpResponse(
            self.content,
            status=self.status,
            content_type=self.content_type,
            headers={"X-Cache": source},
        )


Compute = Callable[[], Awaitable[Any]]

Flights = dict[str, "asyncio.Future[Answer | None]"]
# In-process flights, per event loop (a future belongs to one): key -> its computation.
_flights: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Flights] = (
    weakref.WeakKeyDictionary()
)


async def serve(key: str, compute: Compute) -> Any:
    """The answer for `key` (from `cache_key`): from the cache, or from the computation of
    another request that is already under way (in this process or another), or from
    `compute`, run once for everyone who asks meanwhile, whose answer is then filed.

    Responses carry `X-Cache`: `hit`, `shared` (this request waited for another's
    computation), or `miss` (computed here and filed); none when not filed (errors)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.RESPONSE_CACHE_LOCK_TIMEOUT
    flights = _flights.setdefault(loop, {})
    while True:
        answer = Answer.filed(await cache.aget(key))
        if answer is not None:
            return answer.response("hit")
        flight = flights.get(key)
        if flight is None:
            return await _lead(key, compute, flights, deadline)
        answer = await _follow(flight, deadline - loop.time())
        if answer is not None:
            return answer.response("shared")
        if loop.time() >= deadline:  # the computation failed or is too slow: our own
            response, _ = await _compute_and_file(key, compute, token=None)
            return response
        # The computation we waited for failed (its request went away): start again.


async def _follow(flight: asyncio.Future[Answer | None], timeout: float) -> Answer | None:
    try:
        return await asyncio.wait_for(asyncio.shield(flight), max(timeout, 0))
    except TimeoutError:
        return None


async def _lead(key: str, compute: Compute, flights: Flights, deadline: float) -> Any:
    """Compute (or wait for another process's computation) for every request of this
    process that asks meanwhile."""
    flight: asyncio.Future[Answer | None] = asyncio.get_running_loop().create_future()
    flights[key] = flight
    answer = None
    try:
        response, answer = await _across_processes(key, compute, deadline)
        return response
    finally:
        if flights.get(key) is flight:
            del flights[key]
        # None (failed, cancelled, or not for others): the waiters start again
        flight.set_result(answer if answer is not None and answer.shareable else None)


async def _across_processes(
    key: str, compute: Compute, deadline: float
) -> tuple[Any, Answer | None]:
    loop = asyncio.get_running_loop()
    lock = LOCK_PREFIX + key
    token = secrets.token_hex(8)
    while loop.time() < deadline:
        taken, answer = await _take_lock(lock, token, key)
        if answer is not None:  # filed between our miss and our lock
            return answer.response("hit"), answer
        if taken:
            try:
                return await _compute_and_file(key, compute, token=token)
            finally:
                await _release_lock(lock, token)
        answer = await _await_holder(key, lock, deadline)
        if answer is not None:
            return answer.response("shared"), answer
        # The holder went away without an answer (or the wait is over): look again.
    return await _compute_and_file(key, compute, token=None)


async def _compute_and_file(
    key: str, compute: Compute, *, token: str | None
) -> tuple[Any, Answer | None]:
    """Compute; file a cacheable answer under `key`, and an uncacheable one under the
    lock's `token` for the requests that waited for it (nobody else reads it)."""
    response = await compute()
    answer = Answer.of(response)
    if answer is not None and answer.cacheable:
        await cache.aset(key, answer.entry(), timeout=settings.RESPONSE_CACHE_TTL)
        response["X-Cache"] = "miss"
    elif answer is not None and answer.shareable and token is not None:
        await cache.aset(SHARED_PREFIX + token, answer.entry(), timeout=_lock_expiry())
    return response, answer


async def _await_holder(key: str, lock: str, deadline: float) -> Answer | None:
    """Poll for the answer of the process holding `lock`; None once the holder let go
    without one (its answer could not be copied, or it crashed and the lock expired) or
    the deadline passed."""
    loop = asyncio.get_running_loop()
    token = await cache.aget(lock)
    delay = POLL_FIRST
    while isinstance(token, str):
        shared = SHARED_PREFIX + token
        found = await _get_many([key, shared, lock])
        answer = Answer.filed(found.get(key)) or Answer.filed(found.get(shared))
        if answer is not None:
            return answer
        if found.get(lock) != token or loop.time() >= deadline:
            return None
        await asyncio.sleep(min(delay, max(deadline - loop.time(), 0)))
        delay = min(delay * 2, POLL_MAX)
    return None


def _lock_expiry() -> int:
    """Whole seconds (Redis' EX), at least one."""
    return max(1, math.ceil(settings.RESPONSE_CACHE_LOCK_TIMEOUT))


@sync_to_async
def _take_lock(lock: str, token: str, key: str) -> tuple[bool, Answer | None]:
    """One trip to the cache's thread: take the lock, then look for the entry again (the
    previous holder files it before it lets go, so a miss that raced it ends here)."""
    if not cache.add(lock, token, timeout=_lock_expiry()):
        return False, None
    answer = Answer.filed(cache.get(key))
    if answer is not None:
        _release_lock_now(lock, token)
    return True, answer


def _release_lock_now(lock: str, token: str) -> None:
    # Not atomic: a holder that overran the lock's expiry may remove its successor's lock,
    # which costs one more computation, never a wrong answer.
    if cache.get(lock) == token:
        cache.delete(lock)


_release_lock = sync_to_async(_release_lock_now)


@sync_to_async
def _get_many(keys: list[str]) -> dict[str, Any]:
    return cache.get_many(keys)
