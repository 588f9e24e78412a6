"""The GraphQL WebSocket consumer (graphql-transport-ws and legacy graphql-ws): the
caller is resolved through the one authentication entry, from the `authorization` of the
connection_init payload or else the session cookie."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from strawberry.channels import GraphQLWSConsumer
from strawberry.exceptions import ConnectionRejectionError
from strawberry.types.unset import UNSET

from domain.accounts.authentication import AuthenticationFailed, user_from_authorization
from graphql_api.context import Context


class GraphQLSubscriptionConsumer(GraphQLWSConsumer):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "connection_init_wait_timeout",
            timedelta(seconds=settings.WS_CONNECTION_INIT_TIMEOUT),
        )
        kwargs.setdefault("max_subscriptions_per_connection", settings.WS_MAX_SUBSCRIPTIONS)
        super().__init__(**kwargs)

    async def get_context(self, request: Any, response: Any) -> Context:
        return Context(
            request=None,
            response=None,
            viewer=self.scope.get("user") or AnonymousUser(),
            websocket=self,
        )

    async def on_ws_connect(self, context: Context) -> Any:
        params = context.connection_params
        authorization = params.get("authorization") if isinstance(params, dict) else None
        if authorization is None:
            return UNSET  # the session's user (or anonymous)
        if not isinstance(authorization, str):
            raise ConnectionRejectionError(
                {"message": "`authorization` must be a string.", "code": "UNAUTHENTICATED"}
            )
        try:
            context.viewer = await sync_to_async(user_from_authorization)(
                authorization, session_user=context.viewer
            )
        except AuthenticationFailed as failure:
            raise ConnectionRejectionError(
                {"message": str(failure), "code": "UNAUTHENTICATED"}
            ) from None
        return UNSET
