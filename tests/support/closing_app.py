"""An ASGI application for daphne that closes every WebSocket with 1013 as soon as it has
accepted it, with the bounded protocol installed as project/asgi.py does."""

from __future__ import annotations

from typing import Any

from realtime import backpressure

REASON = "Too slow to keep up: reconnect and resume from your last cursor."

backpressure.install()


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http":  # /healthz, for `running_daphne`
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
    elif scope["type"] == "websocket":
        await receive()  # websocket.connect
        await send({"type": "websocket.accept", "subprotocol": scope["subprotocols"][0]})
        await send({"type": "websocket.close", "code": 1013, "reason": REASON})
        while (await receive())["type"] != "websocket.disconnect":
            pass
