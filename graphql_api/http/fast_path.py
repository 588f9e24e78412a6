"""Cached anonymous answers served in front of Django's request handler (ASGI).

A hit of the response cache (graphql_api/http/response_cache.py) costs little: the
catalog version (one trip to Redis) and the entry (in this process's copy, most often).
Django's ASGI handler around it cost several times that: a thread started per request
for its thread-sensitive context, and two thread hops per middleware of the
`MiddlewareMixin` kind (process_request, process_response), plus the request signals.

`CachedAnswers` wraps the HTTP application. For a request to the GraphQL URL that may be
answered from the cache (GET or POST, anonymous: no Authorization or X-Api-Key header,
no session cookie, the same rule as the view's), it reads the body and checks the request as the
view does (the envelope, CSRF), then looks for a fresh entry under the key the view would
use. On a hit it runs the project's middleware (settings.MIDDLEWARE, the same classes, in
their synchronous mode, in this thread: none does I/O for an anonymous request that
touches neither session nor user) around that answer and sends it, so that the response's
headers (CORS, security headers, Vary, X-Cache, Content-Type) are the ones the view's hit
gets through Django. Anything else (a miss, another URL, a refusal, any error on the way)
goes to Django with the body it already read handed over unchanged, and is answered there
exactly as without this path: the view then runs its own early lookup and `serve`.

Skipped on a hit: Django's request_started/request_finished signals (closing database
connections and cache clients a hit never opened in its thread), URL resolution (the path
is compared with the GraphQL URL's) and the views' process_view hooks (CSRF's, which the
view is exempt from)."""

from __future__ import annotations

import io
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings
from django.core.handlers.asgi import ASGIHandler, ASGIRequest
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.module_loading import import_string
from graphql import OperationType

from graphql_api.http import response_cache
from graphql_api.http.authentication import CREDENTIAL_HEADERS
from graphql_api.http.csrf import csrf_rejection
from graphql_api.http.envelope import BadRequest, read_envelope
from graphql_api.metrics import REQUEST_STARTED, http_outcome, observe_http
from graphql_api.persisted.resolution import names_persisted_document

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
# ASGI header names are lower-case bytes.
_CREDENTIAL_HEADERS = frozenset(name.lower().encode() for name in CREDENTIAL_HEADERS)


def _answer_of(request: HttpRequest) -> HttpResponse:
    return request.cached_answer  # type: ignore[attr-defined]


def _middleware_chain() -> Callable[[HttpRequest], HttpResponse]:
    """settings.MIDDLEWARE around the answer a request carries, in synchronous mode."""
    handler: Callable[[HttpRequest], Any] = _answer_of
    for path in reversed(settings.MIDDLEWARE):
        handler = import_string(path)(handler)
    return handler


class _Sender(ASGIHandler):
    """Only for Django's `send_response` (headers and cookies encoded as for any
    response); it loads no middleware."""

    def __init__(self) -> None:  # no super().__init__(): nothing of the handler is used
        pass


class CachedAnswers:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._chain: Callable[[HttpRequest], HttpResponse] | None = None
        self._path: str | None = None
        self._sender = _Sender()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._candidate(scope):
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        received: list[Message] = []
        hit = None
        try:
            body = await self._body(receive, received)
            if body is not None:
                hit = await self._hit(scope, body)
        except Exception:  # Django answers it, exactly as without this path
            hit = None
        if hit is None:
            REQUEST_STARTED.set(started)  # the view's duration counts from here
            return await self.app(scope, _replaying(received, receive), send)
        response, operation_name = hit
        await self._sender.send_response(response, send)  # nothing to close: no signal
        observe_http(operation_name, http_outcome(response.status_code, errors=False), started)

    def _candidate(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "POST"):
            return False
        if not settings.RESPONSE_CACHE_TTL or scope.get("root_path"):
            return False
        if self._path is None:
            self._path = reverse("graphql")
        if scope.get("path") != self._path:
            return False
        cookie = settings.SESSION_COOKIE_NAME.encode() + b"="
        for name, value in scope.get("headers", ()):
            if name in _CREDENTIAL_HEADERS or (name == b"cookie" and cookie in value):
                return False  # signed in (or maybe: the view decides on the parsed cookie)
            if name == b"accept" and b"text/html" in value and scope["method"] == "GET":
                return False  # a browser asking for GraphiQL
        return True

    async def _body(self, receive: Receive, received: list[Message]) -> bytes | None:
        """The request's body, None when it is larger than any envelope may be (then only
        what was read so far is kept, for Django)."""
        chunks, size = [], 0
        while True:
            message = await receive()
            received.append(message)
            if message["type"] != "http.request":
                return None  # a disconnect: Django sees it
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > settings.GRAPHQL_MAX_BODY_BYTES:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _hit(self, scope: Scope, body: bytes) -> tuple[HttpResponse, str | None] | None:
        """The cached answer (and the operation's name), or None for Django to answer."""
        request = ASGIRequest(scope, io.BytesIO(body))
        try:
            operation = read_envelope(request, multipart_allowed=False)
        except BadRequest:
            return None
        if csrf_rejection(request) is not None:
            return None
        if request.method == "GET" and names_persisted_document(
            operation.extensions, operation.document_id
        ):
            return None  # the view answers it with its ETag (graphql_api/http/conditional.py)
        key = await response_cache.cache_key(request, operation, OperationType.QUERY)
        if key is None:
            return None
        answer = await response_cache.fresh_answer(key)
        if answer is None:
            return None
        if self._chain is None:
            self._chain = _middleware_chain()
        request.cached_answer = answer  # type: ignore[attr-defined]
        return self._chain(request), operation.operation_name


def _replaying(received: list[Message], receive: Receive) -> Receive:
    """`receive` that first hands over the messages this path already took."""
    pending = list(received)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
