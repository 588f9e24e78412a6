"""Browser clients on other origins: one list (CORS_ALLOWED_ORIGINS) decides the CORS
answers over HTTP and the WebSocket handshake's Origin check, in-process through
project.asgi.application."""

from __future__ import annotations

import pytest

from tests.support.asgi import http_request, websocket

# Channels' consumer closes stale database connections of its thread on every message.
pytestmark = pytest.mark.django_db(transaction=True)

APP = "https://app.example"  # listed
EVIL = "https://evil.example"  # not listed
APOLLO_HEADERS = (
    "content-type,authorization,x-csrftoken,apollographql-client-name,apollographql-client-version"
)
CORS_RESPONSE_HEADERS = (
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-max-age",
    "access-control-expose-headers",
)


@pytest.fixture(autouse=True)
def _listed(settings):
    settings.CORS_ALLOWED_ORIGINS = [APP]


def _cors(headers: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name in CORS_RESPONSE_HEADERS}


async def _preflight(origin: str) -> dict:
    return await http_request(
        "OPTIONS",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": APOLLO_HEADERS,
        },
    )


async def test_a_preflight_is_answered_and_allows_only_a_listed_origin():
    # when Apollo Client's preflight comes from a listed origin and from another
    allowed, refused = await _preflight(APP), await _preflight(EVIL)
    # then both are answered (no 405), and only the listed origin may send its request,
    # with cookies and the headers a GraphQL client sends
    assert (allowed["status"], refused["status"]) == (200, 200)
    assert _cors(allowed["headers"]) == {
        "access-control-allow-origin": APP,
        "access-control-allow-credentials": "true",
        "access-control-allow-methods": "GET, POST, OPTIONS",
        "access-control-allow-headers": (
            "accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with, "
            "apollographql-client-name, apollographql-client-version, "
            "apollo-require-preflight, x-apollo-operation-name"
        ),
        "access-control-max-age": "86400",
        "access-control-expose-headers": "Retry-After",
    }
    assert _cors(refused["headers"]) == {}


async def test_a_cross_origin_post_may_be_read_by_a_listed_origin_only():
    # when the same query is posted from a listed origin and from another
    responses = [
        await http_request("POST", body={"query": "{ __typename }"}, headers={"Origin": origin})
        for origin in (APP, EVIL)
    ]
    # then both are served, but only the listed origin's page may read the answer
    assert [(r["status"], r["json"]) for r in responses] == [
        (200, {"data": {"__typename": "Query"}}),
        (200, {"data": {"__typename": "Query"}}),
    ]
    assert [_cors(r["headers"]) for r in responses] == [
        {
            "access-control-allow-origin": APP,
            "access-control-allow-credentials": "true",
            "access-control-expose-headers": "Retry-After",
        },
        {},
    ]
    # and shared caches keep the answers apart by Origin
    assert all("origin" in r["headers"]["vary"].lower() for r in responses)


async def _handshake(headers: dict[str, str]) -> tuple[bool, int | str | None]:
    communicator = websocket(headers=headers)
    try:
        return await communicator.connect(timeout=5)
    finally:
        await communicator.disconnect()


async def test_a_websocket_handshake_from_another_origin_is_accepted_only_when_listed(settings):
    # given the API at 127.0.0.1:8000 and two pages' dev servers, one listed
    settings.CORS_ALLOWED_ORIGINS = ["http://localhost:5173"]
    host = {"Host": "127.0.0.1:8000"}
    # when each page opens a socket (a dev proxy that rewrites Host sends the same)
    listed = await _handshake({**host, "Origin": "http://localhost:5173"})
    unlisted = await _handshake({**host, "Origin": "http://localhost:8289"})
    # then the listed origin's is accepted, the other's refused before it is accepted
    assert listed == (True, "graphql-transport-ws")
    assert unlisted[0] is False
    # while the API's own pages and native clients (no Origin) need no entry
    assert await _handshake({**host, "Origin": "http://127.0.0.1:8000"}) == (
        True,
        "graphql-transport-ws",
    )
    assert await _handshake(host) == (True, "graphql-transport-ws")


async def test_a_websocket_handshake_naming_a_host_not_ours_is_refused(settings):
    # given a page on an attacker's name that resolves to this server (DNS rebinding):
    # its Origin and Host agree, so the Origin check alone would take it as same-origin
    settings.ALLOWED_HOSTS = ["shop.example"]
    # when it opens a socket
    connected, _ = await _handshake({"Host": "evil.example", "Origin": "http://evil.example"})
    # then it is refused, as Django refuses such a Host over HTTP
    assert connected is False
    assert await _handshake({"Host": "shop.example", "Origin": "https://shop.example"}) == (
        True,
        "graphql-transport-ws",
    )
