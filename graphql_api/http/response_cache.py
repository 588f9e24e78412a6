"""Whole-response cache for anonymous read queries, with one computation per answer.

Most storefront traffic is anonymous and asks the same catalog pages again and again. An
anonymous caller (no Authorization or X-Api-Key header, no session cookie) sees only
public data with no per-viewer values (isFavorite is false for all of them), so the answer
depends only on the document, the variables, the host (absolute image URLs), the
negotiated media type and the catalog. Answers are filed under the catalog's read version
(domain/common/read_version.py), which every committed change anonymous readers could see
moves, so an entry can serve until the next such change: it is fresh for
RESPONSE_CACHE_TTL seconds at most (a safety bound on anything a write path might not
report; an hour by default), and kept RESPONSE_CACHE_LOCK_TIMEOUT seconds longer for
revalidation (below).

Only successful query operations are stored; mutations, subscriptions, signed-in callers
and answers with errors always run.

Where entries live: in the Django cache (Redis, shared by every process) and, in front of
it, a copy in each process (graphql_api/http/local_answers.py, bounded by
RESPONSE_CACHE_LOCAL_BYTES), so that a hit costs one trip to Redis (the version, read for
every request) instead of two, and no transfer or unpickling of the entry.

Single flight (`serve`) on a miss (a new version, or an entry gone): one request computes
and the others wait for its answer. In a process they wait on the computation itself;
across processes, the first takes a short lock in the cache (an atomic add, which on Redis
is SET NX EX) and the others poll for its entry. Nobody waits longer than
RESPONSE_CACHE_LOCK_TIMEOUT: a holder that crashed or hangs costs its waiters that long at
most, after which each computes for itself.

Stale while revalidate, within one version only: when an entry outlives its freshness
(RESPONSE_CACHE_TTL), the request that takes the lock computes it again (`X-Cache: miss`)
while every other gets the entry it replaces (`X-Cache: stale`), so that the safety bound
costs no wait. That entry is of the same catalog version, so nothing it shows has been
changed since. An answer of an older version is never served: the version moves only
after a public change commits, so an old answer would show the old data to every client
that asks after the commit, including the writer reading its own write. On a new version
the others wait for the new answer instead (one computation's time)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import secrets
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from graphql import OperationType

from domain.common import async_cache
from domain.common.read_version import acatalog_version
from graphql_api.http.authentication import sends_credentials
from graphql_api.http.envelope import GraphQLRequest
from graphql_api.http.local_answers import LocalAnswers
from graphql_api.http.responses import negotiate
from graphql_api.metrics import RESPONSE_CACHE
from graphql_api.persisted.resolution import envelope_digest

KEY_PREFIX = "gql-response:3:"  # 3: (status, content type, body, fresh until) (2: no date)
LOCK_PREFIX = "gql-response-lock:"
SHARED_PREFIX = "gql-response-shared:"  # an uncacheable answer, for its waiters only
POLL_FIRST, POLL_MAX = 0.005, 0.1  # seconds between a waiter's looks, doubling


def _now() -> float:
    """Wall-clock time, which every process's entries share (tests set it)."""
    return time.time()


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
    if sends_credentials(request) or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    if digest is None:
        digest = envelope_digest(operation.query, operation.extensions, operation.document_id)
        if digest is None:
            return None
    material = json.dumps(
        [
            settings.GRAPHQL_DOCUMENTS,  # an answer filed in one mode is not served in another
            request.scheme,
            request.get_host(),
            negotiate(request.headers.get("Accept")),  # the answer's media type
            digest,
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
    fresh_until: float = 0.0  # wall-clock time (shared by processes), once filed

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
        fresh_until = _now() + settings.RESPONSE_CACHE_TTL
        return cls(response.status_code, content_type, response.content, fresh_until)

    @classmethod
    def filed(cls, entry: Any) -> Answer | None:
        """From its cache entry: plain values, so that no entry outlives a rename of this
        class (anything else reads as a miss)."""
        if (
            isinstance(entry, tuple)
            and len(entry) == 4
            and isinstance(entry[0], int)
            and isinstance(entry[1], str)
            and isinstance(entry[2], bytes)
            and isinstance(entry[3], float)
        ):
            return cls(*entry)
        return None

    def entry(self) -> tuple[int, str, bytes, float]:
        return (self.status, self.content_type, self.content, self.fresh_until)

    @property
    def fresh(self) -> bool:
        return _now() < self.fresh_until

    @property
    def cacheable(self) -> bool:
        return self.status == 200 and b'"errors"' not in self.content

    @property
    def shareable(self) -> bool:
        """May go to the requests that waited for it: anything but a refusal of the
        computing client's own cost budget (429), which says nothing of theirs."""
        return self.status != 429

    def response(self, source: str) -> HttpResponse:
        """`source`: `hit` (from the cache), `stale` (from the cache, past its freshness,
        while another request computes it again) or `shared` (waited for its
        computation). It varies on the cookie as the computed one does (the session
        middleware adds that once the view looks for a signed-in session)."""
        RESPONSE_CACHE[source].inc()
        response = HttpResponse(
            self.content,
            status=self.status,
            content_type=self.content_type,
            headers={"X-Cache": source},
        )
        patch_vary_headers(response, ("Cookie",))
        return response


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
    computation), `stale` (see the module's docstring), or `miss` (computed here and
    filed); none when not filed (errors)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.RESPONSE_CACHE_LOCK_TIMEOUT
    flights = _flights.setdefault(loop, {})
    while True:
        answer = await _look(key)
        if answer is not None and answer.fresh:
            return answer.response("hit")
        if answer is not None:
            return await _revalidate(key, answer, compute, flights)
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


# The in-process copy of entries: a hit there needs no trip to Redis for the entry.
local: LocalAnswers[Answer] = LocalAnswers()


async def fresh_answer(key: str) -> HttpResponse | None:
    """The response for `key` when a fresh entry is filed (`X-Cache: hit`), else None: the
    early path of a request, before its document is parsed (an entry exists only for a
    query that answered without errors), for `serve` to take over on None."""
    answer = await _look(key)
    return answer.response("hit") if answer is not None and answer.fresh else None


async def _look(key: str) -> Answer | None:
    """The entry under `key`, fresh from this process's copy, else from the cache (then
    copied here when fresh); a stale one when that is all there is."""
    answer = local.get(key)
    if answer is not None and answer.fresh:
        return answer
    filed = Answer.filed(await async_cache.aget(key))
    if filed is not None and filed.fresh:
        local.put(key, filed, len(filed.content))
    return filed


async def _revalidate(key: str, stale: Answer, compute: Compute, flights: Flights) -> Any:
    """`stale` (same version, past its freshness) while one request, this one if it takes
    the lock, computes the entry again; the others are not held up."""
    if key in flights:  # this process computes it already
        return stale.response("stale")
    flight: asyncio.Future[Answer | None] = asyncio.get_running_loop().create_future()
    flights[key] = flight
    lock, token = LOCK_PREFIX + key, secrets.token_hex(8)
    answer = None
    try:
        taken, answer = await _take_lock(lock, token, key)
        if answer is not None:  # filed again by another meanwhile
            return answer.response("hit")
        if not taken:  # another process computes it
            return stale.response("stale")
        try:
            response, answer = await _compute_and_file(key, compute, token=None)
            return response
        finally:
            await _release_lock(lock, token)
    finally:
        if flights.get(key) is flight:
            del flights[key]
        flight.set_result(answer if answer is not None and answer.shareable else None)


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
    RESPONSE_CACHE["miss"].inc()
    response = await compute()
    answer = Answer.of(response)
    if answer is not None and answer.cacheable:
        timeout = settings.RESPONSE_CACHE_TTL + _lock_expiry()  # stale for revalidation
        await cache.aset(key, answer.entry(), timeout=timeout)
        local.put(key, answer, len(answer.content))
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
    """One trip to the cache's thread: take the lock, then look for a fresh entry again
    (the previous holder files it before it lets go, so a miss that raced it ends here)."""
    if not cache.add(lock, token, timeout=_lock_expiry()):
        return False, None
    answer = Answer.filed(cache.get(key))
    if answer is not None and not answer.fresh:
        answer = None
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
