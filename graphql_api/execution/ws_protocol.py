"""The legacy graphql-ws protocol as this API speaks it, and the consumer base that uses it.

Strawberry's legacy handler closes a refused `connection_init` with 1011 and accepts a
second `connection_init`. Here a refusal closes with 4403 (after the protocol's
`connection_error`), as graphql-transport-ws does: one close code for a bad token, whichever
protocol a client speaks. And, as there, a second `connection_init` closes with 4429: a
connection's viewer never changes under its running subscriptions.

Both protocols also resolve each operation's document first (graphql_api/persisted/): a
persisted query's hash (`extensions.persistedQuery`, or `documentId`) becomes its text, and
in trusted mode an untrusted document is refused, with the operation's `error` message and
a GraphQL error carrying `extensions.code`, before anything is parsed.

A subscription result shared by several subscribers (graphql_api/execution/
shared_execution.py) is sent, on both protocols, as its envelope around the payload's text
encoded once for all of them (graphql_api/execution/shared_frames.py), through the same
consumer `send` that strawberry's own sending ends in; the subscription sends such events
itself, with the message strawberry would make, through the `frame_sink` each operation is
started with (graphql_api/execution/direct_delivery.py).

Library internals relied on (checked with strawberry-graphql 0.341.2):
- `strawberry.subscriptions.protocols.graphql_transport_ws.handlers.BaseGraphQLTransportWSHandler`:
  graphql-transport-ws's handler, subclassed.
- `strawberry.subscriptions.protocols.graphql_transport_ws.handlers.BaseGraphQLTransportWSHandler.handle_subscribe`:
  overridden to resolve the document before strawberry runs it.
- `strawberry.subscriptions.protocols.graphql_transport_ws.handlers.BaseGraphQLTransportWSHandler.send_message`:
  sends a refused operation's `error` message; overridden to send shared results' frames
  (every message of an operation, `next` included, goes through it).
- `strawberry.subscriptions.protocols.graphql_transport_ws.handlers.BaseGraphQLTransportWSHandler.view` (instance attribute):
  the consumer, whose `encode_json` encodes every message and whose `send` sends it.
- `strawberry.subscriptions.protocols.graphql_transport_ws.handlers.BaseGraphQLTransportWSHandler.operations` (instance attribute):
  the running operations: a repeated id is left to strawberry (it closes with 4409).
- `strawberry.subscriptions.protocols.graphql_transport_ws.handlers.BaseGraphQLTransportWSHandler.connection_acknowledged` (instance attribute):
  before the acknowledgement, strawberry closes the socket (4401).
- `strawberry.subscriptions.protocols.graphql_ws.handlers.BaseGraphQLWSHandler.handle_start`:
  overridden to resolve the document before strawberry runs it.
- `strawberry.channels.GraphQLWSConsumer.graphql_transport_ws_handler_class`: the class the
  consumer runs graphql-transport-ws with, replaced.
- `strawberry.subscriptions.protocols.graphql_ws.handlers.BaseGraphQLWSHandler`: the
  legacy protocol's handler, subclassed.
- `strawberry.subscriptions.protocols.graphql_ws.handlers.BaseGraphQLWSHandler.handle_connection_init`:
  overridden to check the caller before strawberry acknowledges the connection.
- `strawberry.subscriptions.protocols.graphql_ws.handlers.BaseGraphQLWSHandler.send_message`:
  sends the `connection_error` message; overridden to send shared results' frames (the
  `data` messages go through it).
- `strawberry.subscriptions.protocols.graphql_ws.handlers.BaseGraphQLWSHandler.connection_acknowledged` (instance attribute):
  whether a `connection_init` was already accepted.
- `strawberry.subscriptions.protocols.graphql_ws.handlers.BaseGraphQLWSHandler.context` (instance attribute):
  the connection's context, given the `connection_init` payload as `connection_params`.
- `strawberry.subscriptions.protocols.graphql_ws.handlers.BaseGraphQLWSHandler.view` (instance attribute):
  the consumer, whose `on_ws_connect` hook decides (and which encodes and sends, as above).
- `strawberry.subscriptions.protocols.graphql_ws.handlers.BaseGraphQLWSHandler.websocket` (instance attribute):
  the socket, closed with our codes.
- `strawberry.subscriptions.protocols.graphql_ws.types.ConnectionInitMessage`: the message
  type of `connection_init`.
- `strawberry.channels.GraphQLWSConsumer.graphql_ws_handler_class`: the class the consumer
  runs the legacy protocol with, replaced.
"""  # noqa: E501 (the dotted names are one line each)

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from strawberry.channels import GraphQLWSConsumer
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import ConnectionInitMessage

from graphql_api.execution.direct_delivery import FrameSink, frame_sink
from graphql_api.execution.documents import known_digest
from graphql_api.execution.shared_frames import FrameEncoder
from graphql_api.persisted.resolution import DocumentRefused, resolve

FORBIDDEN_CLOSE_CODE = 4403
TOO_MANY_INITIALISATIONS_CLOSE_CODE = 4429


def _refusal_error(refused: DocumentRefused) -> dict[str, Any]:
    return {"message": refused.message, "extensions": {"code": refused.code.value}}


async def _with_document(
    message: Any,
    run: Callable[[Any], Awaitable[None]],
    refuse: Callable[[DocumentRefused], Awaitable[None]],
    sink: FrameSink,
) -> None:
    """Run `message` (a subscribe or start) with its document resolved to its text, and
    `sink` to send its shared events (graphql_api/execution/direct_delivery.py)."""
    payload = message.get("payload")
    if not isinstance(payload, dict):
        await run(message)  # strawberry reports the malformed message
        return
    try:
        document = await resolve(
            payload.get("query"), payload.get("extensions"), payload.get("documentId")
        )
    except DocumentRefused as refused:
        await refuse(refused)
        return
    # The operation's task (created by `run`) inherits the known digest and the sink.
    known = known_digest.set((document.text, document.digest))
    sending = frame_sink.set(sink)
    try:
        await run({**message, "payload": {**payload, "query": document.text}})
    finally:
        frame_sink.reset(sending)
        known_digest.reset(known)


async def _send(
    view: Any,
    frames: FrameEncoder,
    message: Any,
    send_message: Callable[[Any], Awaitable[None]],
) -> None:
    """`message` as its shared frame when it has one (see shared_frames.py), else as the
    handler's own `send_message` would (the consumer's `encode_json`, then `send`)."""
    frame = frames.shared_frame(message)
    if frame is None:
        await send_message(message)
    else:
        await view.send(text_data=frame)


class TransportProtocolHandler(BaseGraphQLTransportWSHandler):
    """graphql-transport-ws, with persisted and trusted documents."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shared_frames = FrameEncoder(self.view.encode_json)

    async def send_message(self, message: Any) -> None:
        await _send(self.view, self.shared_frames, message, super().send_message)

    async def handle_subscribe(self, message: Any) -> None:
        if not self.connection_acknowledged or message["id"] in self.operations:
            await super().handle_subscribe(message)  # strawberry closes the socket
            return

        async def refuse(refused: DocumentRefused) -> None:
            await self.send_message(
                {"id": message["id"], "type": "error", "payload": [_refusal_error(refused)]}
            )

        def sink(data: Any) -> Awaitable[None]:  # the message strawberry's `send_next` makes
            next_message = {"id": message["id"], "type": "next", "payload": {"data": data}}
            return self.send_message(next_message)

        await _with_document(message, super().handle_subscribe, refuse, sink)


class LegacyProtocolHandler(BaseGraphQLWSHandler):
    """The legacy graphql-ws protocol, with graphql-transport-ws's close codes for a refused
    or repeated `connection_init` (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shared_frames = FrameEncoder(self.view.encode_json)

    async def send_message(self, message: Any) -> None:
        await _send(self.view, self.shared_frames, message, super().send_message)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        if self.connection_acknowledged:  # one viewer per connection, as graphql-transport-ws
            await self.websocket.close(
                code=TOO_MANY_INITIALISATIONS_CLOSE_CODE, reason="Too many initialisation requests"
            )
            return
        payload = message.get("payload")
        if isinstance(payload, dict):
            self.context.connection_params = payload
            try:
                await self.view.on_ws_connect(self.context)
            except ConnectionRejectionError as rejection:
                await self.send_message({"type": "connection_error", "payload": rejection.payload})
                await self.websocket.close(code=FORBIDDEN_CLOSE_CODE, reason="Forbidden")
                return
        await super().handle_connection_init(message)

    async def handle_start(self, message: Any) -> None:
        if not self.connection_acknowledged:
            await super().handle_start(message)  # strawberry closes the socket
            return

        async def refuse(refused: DocumentRefused) -> None:
            await self.send_message(
                {"type": "error", "id": message["id"], "payload": _refusal_error(refused)}
            )

        def sink(data: Any) -> Awaitable[None]:  # as strawberry's `send_data_message` makes it
            data_message = {"type": "data", "id": message["id"], "payload": {"data": data}}
            return self.send_message(data_message)

        await _with_document(message, super().handle_start, refuse, sink)


class ProtocolConsumer(GraphQLWSConsumer):
    """strawberry's Channels consumer, speaking both protocols through the handlers above.
    Subclasses use only strawberry's public hooks (`get_context`, `on_ws_connect`) and
    Channels' consumer API."""

    graphql_ws_handler_class = LegacyProtocolHandler
    graphql_transport_ws_handler_class = TransportProtocolHandler
