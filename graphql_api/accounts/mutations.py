"""Account mutations: each calls one domain service and maps its errors."""

from __future__ import annotations

from typing import Any

import strawberry
from asgiref.sync import sync_to_async
from django.contrib.auth import alogin, alogout, aupdate_session_auth_hash
from django.core.exceptions import ValidationError

from domain.accounts import services
from domain.accounts.api_keys import api_key_id_of
from domain.accounts.authentication import bearer_token, sign_in_key
from domain.common.error_codes import CommonErrorCode
from graphql_api.accounts.types import UserType
from graphql_api.common.payload_errors import (
    MutationError,
    errors_from_validation,
    mutation_error,
    unauthenticated_error,
)
from graphql_api.context import Info, client_ip_of, viewer_of
from graphql_api.http.csrf import has_bearer_token


@strawberry.input(name="RegisterInput")
class RegisterInput:
    email: str
    password: str
    display_name: str | None = None


@strawberry.type(name="RegisterPayload")
class RegisterPayload:
    user: UserType | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.type(name="TokenCreatePayload")
class TokenCreatePayload:
    token: str | None = strawberry.field(default=None, description="Access token (JWT).")
    refresh_token: str | None = None
    user: UserType | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.type(name="TokenRefreshPayload")
class TokenRefreshPayload:
    token: str | None = strawberry.field(default=None, description="A new access token.")
    refresh_token: str | None = strawberry.field(
        default=None, description="The next refresh token; the one sent is used up."
    )
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.type(name="TokenRevokePayload")
class TokenRevokePayload:
    revoked: bool = False
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.type(name="PasswordChangePayload")
class PasswordChangePayload:
    user: UserType | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.type(name="LoginPayload")
class LoginPayload:
    user: UserType | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.type(name="LogoutPayload")
class LogoutPayload:
    logged_out: bool = False
    errors: list[MutationError] = strawberry.field(default_factory=list)


def _needs_http(operation: str) -> MutationError:
    return mutation_error(
        f"`{operation}` manages a browser session: send it over HTTP.", CommonErrorCode.INVALID
    )


def _through_api_key(info: Info, operation: str) -> MutationError | None:
    """An API key request is no browser: it never starts or ends a session (nor sets a
    session cookie)."""
    if api_key_id_of(viewer_of(info)) is None:
        return None
    return mutation_error(
        f"`{operation}` manages a browser session: send it without an API key.",
        CommonErrorCode.PERMISSION_DENIED,
    )


def _sign_in_of(info: Info) -> str | None:
    """The caller's sign-in (device, API key or browser session), as limits per sign-in
    key it."""
    context = info.context
    key_id = api_key_id_of(viewer_of(info))
    if key_id is not None:
        return sign_in_key(access_token=None, session_key=None, api_key_id=key_id)
    if context.request is not None:
        token = bearer_token(context.request.headers.get("Authorization"))
        session = None if token else context.request.session.session_key
        return sign_in_key(access_token=token, session_key=session)
    sign_in = context.sign_in
    if sign_in is None:
        return None
    return sign_in_key(access_token=sign_in.access_token, session_key=sign_in.session_key)


def _reveal(info: Info, user: Any) -> Any:
    info.context.revealed_user_ids.add(user.pk)
    return user


@strawberry.type
class AccountMutation:
    @strawberry.mutation(description="Create a customer account.")
    async def register(self, info: Info, input: RegisterInput) -> RegisterPayload:
        try:
            user = await sync_to_async(services.user_register)(
                email=input.email,
                password=input.password,
                display_name=input.display_name,
                client_ip=client_ip_of(info),
            )
        except ValidationError as error:
            return RegisterPayload(errors=errors_from_validation(error))
        return RegisterPayload(user=_reveal(info, user))

    @strawberry.mutation(description="Sign in a bearer-token client (mobile, WebSocket).")
    async def token_create(self, info: Info, email: str, password: str) -> TokenCreatePayload:
        try:
            issued = await sync_to_async(services.token_create)(
                email=email, password=password, client_ip=client_ip_of(info)
            )
        except ValidationError as error:
            return TokenCreatePayload(errors=errors_from_validation(error))
        return TokenCreatePayload(
            token=issued.access, refresh_token=issued.refresh, user=_reveal(info, issued.user)
        )

    @strawberry.mutation(description="Rotate a refresh token: a new access and refresh token.")
    async def token_refresh(self, info: Info, refresh_token: str) -> TokenRefreshPayload:
        try:
            issued = await sync_to_async(services.token_refresh)(refresh_token=refresh_token)
        except ValidationError as error:
            return TokenRefreshPayload(errors=errors_from_validation(error))
        return TokenRefreshPayload(token=issued.access, refresh_token=issued.refresh)

    @strawberry.mutation(description="Sign out a device: its refresh token stops working.")
    async def token_revoke(self, info: Info, refresh_token: str) -> TokenRevokePayload:
        try:
            await sync_to_async(services.token_revoke)(refresh_token=refresh_token)
        except ValidationError as error:
            return TokenRevokePayload(errors=errors_from_validation(error))
        return TokenRevokePayload(revoked=True)

    @strawberry.mutation(description="Change your password; every refresh token is revoked.")
    async def password_change(
        self, info: Info, old_password: str, new_password: str
    ) -> PasswordChangePayload:
        viewer = viewer_of(info)
        if not viewer.is_authenticated:
            return PasswordChangePayload(errors=[unauthenticated_error()])
        try:
            user = await sync_to_async(services.password_change)(
                user=viewer,
                old_password=old_password,
                new_password=new_password,
                sign_in=_sign_in_of(info),
            )
        except ValidationError as error:
            return PasswordChangePayload(errors=errors_from_validation(error))
        request = info.context.request
        if request is not None and not has_bearer_token(request):
            await aupdate_session_auth_hash(request, user)  # keep this browser signed in
        return PasswordChangePayload(user=user)

    @strawberry.mutation(description="Sign in with a session cookie (GraphiQL, browser SPA).")
    async def login(self, info: Info, email: str, password: str) -> LoginPayload:
        if info.context.request is None:
            return LoginPayload(errors=[_needs_http("login")])
        if (refusal := _through_api_key(info, "login")) is not None:
            return LoginPayload(errors=[refusal])
        try:
            user = await sync_to_async(services.user_authenticate)(
                email=email, password=password, client_ip=client_ip_of(info)
            )
        except ValidationError as error:
            return LoginPayload(errors=errors_from_validation(error))
        await alogin(
            info.context.request, user, backend="django.contrib.auth.backends.ModelBackend"
        )
        info.context.viewer = user
        return LoginPayload(user=user)

    @strawberry.mutation(description="End the session of this browser.")
    async def logout(self, info: Info) -> LogoutPayload:
        request = info.context.request
        if request is None:
            return LogoutPayload(errors=[_needs_http("logout")])
        if (refusal := _through_api_key(info, "logout")) is not None:
            return LogoutPayload(errors=[refusal])
        session_user = await request.auser()
        await alogout(request)
        if session_user.is_authenticated:  # its WebSocket connections end too
            await sync_to_async(services.user_logout)(user=session_user)
        return LogoutPayload(logged_out=True)
