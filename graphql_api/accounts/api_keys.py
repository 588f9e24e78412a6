"""API keys in GraphQL (integrations.graphql): `apiKeys`, `apiKeyCreate`, `apiKeyRevoke`.
Staff signed in as themselves only; the rules are domain/accounts/api_keys.py's and
domain/accounts/selectors.py's, and an API key is refused like any non-staff caller."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
import strawberry_django
from django.db.models import QuerySet
from strawberry import relay

from domain.accounts import api_keys, models, selectors
from domain.common.permissions import StaffScope
from graphql_api.common.nodes import service_pk
from graphql_api.common.payload_errors import MutationError, call_service
from graphql_api.common.permissions import domain_refusals_as_errors
from graphql_api.context import Info, viewer_of
from graphql_api.execution.fast_fields import pure
from graphql_api.execution.page_rules import CursorConnection

ApiKeyScope = strawberry.enum(
    Enum("ApiKeyScope", {scope.name: scope.value for scope in StaffScope}),  # type: ignore[misc]
    name="ApiKeyScope",
    description="What an API key may do, acting for the staff member who made it.",
)


@strawberry_django.type(
    models.ApiKey,
    name="ApiKey",
    description="A key for a server, acting for the staff member who made it, limited to its "
    "scopes. Its secret is shown once, by `apiKeyCreate`; only a hash of it is stored.",
)
class ApiKeyType(relay.Node):
    id: relay.NodeID[int]
    name: str
    prefix: str = strawberry_django.field(
        description="The start of the secret, to tell keys apart."
    )
    created_at: datetime
    last_used_at: datetime | None = strawberry_django.field(
        description="Recorded at most once a minute."
    )
    revoked_at: datetime | None

    @classmethod
    def get_queryset(cls, queryset: QuerySet[Any], info: Info, **kwargs: Any) -> QuerySet[Any]:
        return selectors.api_key_restrict_to_visible(queryset, user=viewer_of(info))

    @strawberry_django.field(only=["scopes"])
    @pure
    def scopes(self: models.ApiKey, info: Info) -> list[ApiKeyScope]:  # type: ignore[valid-type]
        known = ApiKeyScope.__members__  # type: ignore[attr-defined]
        return [ApiKeyScope[scope] for scope in self.scopes if scope in known]  # type: ignore[misc]


@strawberry.input(name="ApiKeyCreateInput")
class ApiKeyCreateInput:
    name: str = strawberry.field(description="What the key is for; at most 100 characters.")
    scopes: list[ApiKeyScope] = strawberry.field(  # type: ignore[valid-type]
        description="At least one."
    )


@strawberry.type(name="ApiKeyCreatePayload")
class ApiKeyCreatePayload:
    api_key: ApiKeyType | None = None
    secret: str | None = strawberry.field(
        default=None,
        description="The key's secret: shown this once and stored nowhere. Send it as "
        "`Authorization: Api-Key <secret>` or `X-Api-Key: <secret>`.",
    )
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.type(name="ApiKeyRevokePayload")
class ApiKeyRevokePayload:
    api_key: ApiKeyType | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.type
class ApiKeyQuery:
    @strawberry_django.connection(
        CursorConnection[ApiKeyType],
        description="Staff: every API key, newest first (revoked ones included).",
    )
    def api_keys(self, info: Info) -> QuerySet[Any]:
        with domain_refusals_as_errors():
            return selectors.api_key_list_visible_to(user=viewer_of(info))


@strawberry.type
class ApiKeyMutation:
    @strawberry.mutation(description="Staff: a new API key; its secret is in this answer only.")
    async def api_key_create(self, info: Info, input: ApiKeyCreateInput) -> ApiKeyCreatePayload:
        created, errors = await call_service(
            api_keys.api_key_create,
            actor=viewer_of(info),
            name=input.name,
            scopes=[scope.value for scope in input.scopes],
        )
        if created is None:
            return ApiKeyCreatePayload(errors=errors)
        key, secret = created
        return ApiKeyCreatePayload(api_key=key, secret=secret)

    @strawberry.mutation(
        description="Staff: revoke an API key; it stops working at once. Revoking a revoked "
        "key changes nothing."
    )
    async def api_key_revoke(self, info: Info, id: strawberry.ID) -> ApiKeyRevokePayload:
        key, errors = await call_service(
            api_keys.api_key_revoke,
            paths={"key_id": "id"},
            actor=viewer_of(info),
            key_id=service_pk(id, type_name="ApiKey"),
        )
        return ApiKeyRevokePayload(api_key=key, errors=errors)
