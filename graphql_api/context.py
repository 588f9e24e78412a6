"""The per-request GraphQL context: who is asking, and the request's DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from strawberry.django.context import StrawberryDjangoContext
from strawberry.types import Info as StrawberryInfo

from graphql_api.catalog.dataloaders import Loaders


@dataclass
class Context(StrawberryDjangoContext):
    """`viewer` is the authenticated user or an AnonymousUser, resolved once per request.

    `revealed_user_ids`: users whose private fields this response may show although the
    viewer is not them, because the caller just proved to be them (register, tokenCreate)."""

    viewer: Any = None
    revealed_user_ids: set[int] = field(default_factory=set)
    websocket: Any = None  # the Channels consumer, for subscriptions
    connection_params: Any = None  # the WebSocket connection_init payload
    connection_authenticated: bool = False  # its `authorization` was checked and accepted
    sign_in: Any = None  # the WebSocket connection's SignIn (domain.accounts.authentication)
    # The HTTP view sends a compiled plan's JSON text as is (graphql_api/execution/plans).
    compiled_plans: bool = False

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(viewer=self.viewer)

    def new_loader_scope(self) -> None:
        """Forget the DataLoaders: each subscription event reads fresh data."""
        self.__dict__.pop("loaders", None)


Info = StrawberryInfo[Context, None]


def viewer_of(info: Info) -> Any:
    return info.context.viewer


def client_address(context: Context) -> str | None:
    """The caller's address, over HTTP or WebSocket: the one project/client_address.py put
    in the ASGI scope (behind trusted proxies, taken from X-Forwarded-For). None when the
    server does not know it (a Unix socket with no trusted proxy): per-address limits then
    do not apply, per-email ones still do; never one bucket shared by every such client."""
    request = context.request
    if request is not None:
        return request.META.get("REMOTE_ADDR")
    websocket = context.websocket
    client = websocket.scope.get("client") if websocket is not None else None
    return client[0] if client else None


def client_ip_of(info: Info) -> str | None:
    """The caller's address (see `client_address`)."""
    return client_address(info.context)
