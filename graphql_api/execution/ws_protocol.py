"""The legacy graphql-ws protocol as this API speaks it, and the consumer base that uses it.

Strawberry's legacy handler closes a refused `connection_init` with 1011 and accepts a
second `connection_init`. Here a refusal closes with 4403 (after the protocol's
`connection_error`), as graphql-transport-ws does: one close code for a bad token, whichever
protocol a client speaks. And, as there, a second `connection_init` closes with 4429: a
connection's viewer never changes under its running subscriptions.

Library internals relied on (checked with strawberry-graphql 0.341.2):
- `strawberry.subscriptions.protocols.graphql_ws.handlers.BaseGraphQLWSHandler`: the
  legacy protocol's handler, subclassed.
- `strawberry.subscriptions.protocols.graphql_ws.handlers.BaseGraphQLWSHandler.handle_connection_init`:
  overridden to check the caller before strawberry acknowledges the connection.
- `strawberry.subscriptions.protocols.graphql_ws.handlers.BaseGraphQLWSHandler.send_message`:
  sends the `connection_error` message.
- `strawberry.subscriptions.protocols.graphql_ws.handlers.BaseGraphQLWSHandler.connection_acknowledged` (instance attribute):
  whether a `connection_init` was already accepted.
- `strawberry.subscriptions.protocols.graphql_ws.handlers.BaseGraphQLWSHandler.context` (instance attribute):
  the connection's context, given the `connection_init` payload as `connection_params`.
- `strawberry.subscriptions.protocols.graphql_ws.handlers.BaseGraphQLWSHandler.view` (instance attribute):
  the consumer, whose `on_ws_connect` hook decides.
- `strawberry.subscriptions.protocols.graphql_ws.handlers.BaseGraphQLWSHandler.websocket` (instance attribute):
  the socket, closed with our codes.
- `strawberry.subscriptions.protocols.graphql_ws.types.ConnectionInitMessage`: the message
  type of `connection_init`.
- `strawberry.channels.GraphQLWSConsumer.graphql_ws_handler_class`: the class the consumer
  runs the legacy protocol with, replaced.
"""  # noqa: E501 (the dotted names are one line each)

from __future__ import annotations

from strawberry.channels import GraphQLWSConsumer
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import ConnectionInitMessage

FORBIDDEN_CLOSE_CODE = 4403
TOO_MANY_INITIALISATIONS_CLOSE_CODE = 4429


class LegacyProtocolHandler(BaseGraphQLWSHandler):
    """The legacy graphql-ws protocol, with graphql-transport-ws's close codes for a refused
    or repeated `connection_init` (see the module docstring)."""

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


class ProtocolConsumer(GraphQLWSConsumer):
    """strawberry's Channels consumer, speaking the legacy protocol through
    `LegacyProtocolHandler`. Subclasses use only strawberry's public hooks (`get_context`,
    `on_ws_connect`) and Channels' consumer API."""

    graphql_ws_handler_class = LegacyProtocolHandler
