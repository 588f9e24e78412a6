"""Drive the real ASGI application (project/asgi.py) in-process, as daphne would for a
client connecting from a given peer address."""

from __future__ import annotations

import json
from http.cookies import SimpleCookie
from typing import Any

from channels.testing import HttpCommunicator, WebsocketCommunicator

Headers = dict[str, str]


def with_peer(application: Any, peer: tuple[str, int] | None) -> Any:
    """`application` as a server runs it for a TCP peer at `peer` (None: a Unix socket)."""

    async def served(scope: dict[str, Any], receive: Any, send: Any) -> Any:
        return await application({**scope, "client": peer}, receive, send)

    return served


def _raw(headers: Headers) -> list[tuple[bytes, bytes]]:
    return [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
    ]


async def http_request(
    method: str,
    path: str = "/graphql/",
    *,
    body: dict[str, Any] | None = None,
    headers: Headers | None = None,
    peer: tuple[str, int] | None = ("127.0.0.1", 50000),
) -> dict[str, Any]:
    """One request through project.asgi.application: {"status", "headers" (a dict of
    lowercase names to values, repeated ones comma-joined), "cookies" (set by the
    response, name to value), "json" (or None)}."""
    from project.asgi import application

    raw_headers = {"host": "testserver"}
    raw_headers.update((name.lower(), value) for name, value in (headers or {}).items())
    data = b""
    if body is not None:
        data = json.dumps(body).encode()
        raw_headers.setdefault("content-type", "application/json")
    communicator = HttpCommunicator(
        with_peer(application, peer), method, path, body=data, headers=_raw(raw_headers)
    )
    response = await communicator.get_response(timeout=10)
    joined: dict[str, str] = {}
    cookies: dict[str, str] = {}
    for name, value in response["headers"]:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        joined[key] = f"{joined[key]}, {text}" if key in joined else text
        if key == "set-cookie":
            cookies.update((name, morsel.value) for name, morsel in SimpleCookie(text).items())
    content = response["body"]
    is_json = joined.get("content-type", "").startswith("application/json") and content
    return {
        "status": response["status"],
        "headers": joined,
        "cookies": cookies,
        "json": json.loads(content) if is_json else None,
    }


def websocket(
    *,
    headers: Headers | None = None,
    peer: tuple[str, int] | None = ("127.0.0.1", 50000),
    subprotocol: str = "graphql-transport-ws",
) -> WebsocketCommunicator:
    """A WebSocket client of /graphql/ through project.asgi.application (not yet connected)."""
    from project.asgi import application

    return WebsocketCommunicator(
        with_peer(application, peer),
        "/graphql/",
        headers=_raw(headers or {}),
        subprotocols=[subprotocol],
    )
