"""HTTP caching of persisted queries sent with GET (the document named by its hash, so the
URL is short and the same for every client).

An anonymous caller's answer (no Authorization or X-Api-Key header, no session cookie:
the response cache's rule, graphql_api/http/response_cache.py) depends only on the document, the
variables, the operation, the host, the media type and the catalog: its `ETag` is the
SHA-256 of those with the catalog's read version (domain/common/read_version.py), so it
changes with every change an anonymous reader could see. A matching `If-None-Match` is
answered `304 Not Modified` without executing anything. A successful answer is
`Cache-Control: public, no-cache`: browsers and CDNs may keep it but ask again with its
ETag before each use (a cheap 304 while nothing changed), so none serves it after a change
it would not see (a max-age would let them); an answer with errors is `no-store`
(a PersistedQueryNotFound must not be kept: the client registers the text next). A
signed-in caller's answer is `private, no-store`, with no ETag."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from domain.common.read_version import acatalog_version
from graphql_api.http.authentication import sends_credentials
from graphql_api.http.envelope import GraphQLRequest
from graphql_api.http.responses import negotiate

PUBLIC_VARY = "Accept, Authorization, Cookie, X-Api-Key"


def is_anonymous(request: HttpRequest) -> bool:
    return not sends_credentials(request) and settings.SESSION_COOKIE_NAME not in request.COOKIES


async def entity_tag(request: HttpRequest, operation: GraphQLRequest, digest: str) -> str:
    material = json.dumps(
        [
            await acatalog_version(),
            digest,
            operation.operation_name,
            operation.variables or {},
            request.scheme,
            request.get_host(),
            negotiate(request.headers.get("Accept")),
        ],
        sort_keys=True,
        separators=(",", ":"),
    )
    return '"' + hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest() + '"'


def _public_headers(tag: str) -> dict[str, str]:
    return {
        "ETag": tag,
        "Cache-Control": "public, no-cache",
        "Vary": PUBLIC_VARY,
    }


def matches(request: HttpRequest, tag: str) -> bool:
    """Whether `If-None-Match` names `tag` (weak comparison, as RFC 9110 asks for GET)."""
    header = request.headers.get("If-None-Match", "")
    if header.strip() == "*":
        return True
    return any(item.strip().removeprefix("W/") == tag for item in header.split(","))


def not_modified(tag: str) -> HttpResponse:
    return HttpResponse(status=304, headers=_public_headers(tag))


def mark_public(response: HttpResponse, tag: str) -> None:
    """Cache headers of an anonymous answer: public with its tag when it succeeded."""
    content = getattr(response, "content", b"")
    if response.status_code == 200 and b'"errors"' not in content:
        for name, value in _public_headers(tag).items():
            response[name] = value
    else:
        response["Cache-Control"] = "no-store"


def mark_private(response: HttpResponse) -> None:
    response["Cache-Control"] = "private, no-store"
