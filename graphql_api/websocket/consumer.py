"""The GraphQL WebSocket consumer (graphql-transport-ws and legacy graphql-ws): the
caller is resolved through the one authentication entry, from the `authorization` of the
connection_init payload (`Bearer <access token>` or `Api-Key <key>`) or else the session
cookie; the connection then follows that sign-in and ends with it (see sign_in_watch.py),
on both protocols, and is closed with 1001 when the process restarts
(realtime/draining.py). The legacy protocol's close codes are
graphql_api/execution/ws_protocol.py's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from strawberry import UNSET
from strawberry.exceptions import ConnectionRejectionError

from domain.accounts.authentication import AuthenticationFailed, sign_in_by_authorization
from graphql_api.context import Context
from graphql_api.execution.ws_protocol import ProtocolConsumer
from graphql_api.websocket.sign_in_watch import ConnectionWatch
from realtime.draining import process_draining


class GraphQLSubscriptionConsumer(ProtocolConsumer):
    # No channel-layer channel of its own: Channels would otherwise give every socket a
    # channel and keep a receive of it pending for the socket's life (two more tasks per
    # socket, woken by the process's every message) although nothing is ever sent to it.
    # Subscriptions listen through realtime's one channel per process
    # (realtime/memberships.py). An alias that names no layer gives no channel
    # (`channels.layers.get_channel_layer` answers None).
    channel_layer_alias = "none: subscriptions listen through realtime"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "connection_init_wait_timeout",
            timedelta(seconds=settings.WS_CONNECTION_INIT_TIMEOUT),
        )
        kwargs.setdefault("max_subscriptions_per_connection", settings.WS_MAX_SUBSCRIPTIONS)
        # The handshake's Origin check (strawberry's): no Origin (not a browser) or the
        # page's own origin passes, others only when listed, as for HTTP's CORS.
        kwargs.setdefault("allowed_origins", settings.CORS_ALLOWED_ORIGINS)
        super().__init__(**kwargs)

    async def get_context(self, request: Any, response: Any) -> Context:
        return Context(
            request=None,
            response=None,
            viewer=self.scope.get("user") or AnonymousUser(),
            websocket=self,
        )

    async def connect(self) -> None:
        self.watch = ConnectionWatch(self._close_with)
        self.watch.limit_age(settings.WS_MAX_CONNECTION_AGE)
        await super().connect()
        # Closed with 1001 when the process restarts (at once if it already does).
        await process_draining.track_socket(self, self._close_with)

    async def disconnect(self, code: int) -> None:
        process_draining.forget_socket(self)
        watch = getattr(self, "watch", None)  # None when the handshake never reached us
        if watch is not None:
            await watch.stop()
        await super().disconnect(code)

    async def _close_with(self, code: int, reason: str) -> None:
        await self.close(code=code, reason=reason)

    async def on_ws_connect(self, context: Context) -> Any:
        if context.connection_authenticated:
            return UNSET  # already checked (LegacyProtocolHandler checks before strawberry)
        params = context.connection_params
        authorization = params.get("authorization") if isinstance(params, dict) else None
        if authorization is not None and not isinstance(authorization, str):
            raise ConnectionRejectionError(
                {"message": "`authorization` must be a string.", "code": "UNAUTHENTICATED"}
            )
        if authorization is None and not context.viewer.is_authenticated:
            context.connection_authenticated = True
            return UNSET  # anonymous: nothing to follow
        session = self.scope.get("session")
        try:
            context.viewer, sign_in = await sync_to_async(sign_in_by_authorization)(
                authorization,
                session_user=context.viewer,
                session_key=session.session_key if session is not None else None,
            )
        except AuthenticationFailed as failure:
            raise ConnectionRejectionError(
                {"message": str(failure), "code": "UNAUTHENTICATED"}
            ) from None
        context.connection_authenticated = True
        context.sign_in = sign_in
        self.watch.follow(sign_in)
        return UNSET
