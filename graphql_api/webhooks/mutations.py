"""Webhook mutations (staff holding WEBHOOKS_MANAGE): each one domain service call."""

from __future__ import annotations

import strawberry

from domain.webhooks import services
from graphql_api.catalog.mutations import DeletePayload
from graphql_api.common.nodes import service_pk
from graphql_api.common.payload_errors import MutationError, call_service
from graphql_api.context import Info, viewer_of
from graphql_api.webhooks.types import WebhookEventEnum, WebhookType

# webhookUpdate and webhookDelete name the endpoint `id`.
_WEBHOOK_AS_ID = {"webhook_id": "id"}


@strawberry.input(name="WebhookCreateInput")
class WebhookCreateInput:
    url: str = strawberry.field(
        description="http(s). With DEBUG off, not a loopback, private, link-local or "
        "multicast address unless WEBHOOK_ALLOWED_HOSTS lists it. Stored in ASCII: an "
        "IDNA host name, other non-ASCII characters percent-encoded (UTF-8)."
    )
    events: list[WebhookEventEnum] = strawberry.field(description="At least one.")
    description: str | None = None


@strawberry.input(name="WebhookUpdateInput")
class WebhookUpdateInput:
    url: str | None = None
    events: list[WebhookEventEnum] | None = None
    is_active: bool | None = strawberry.field(
        default=None,
        description="True re-enables a disabled webhook: delivery starts again from the "
        "event that failed. Refused (INVALID) when the event log (kept EVENT_RETENTION, 7 "
        "days) no longer holds every event it missed, unless skipMissedEvents is true.",
    )
    description: str | None = None
    skip_missed_events: bool | None = strawberry.field(
        default=None,
        description="True: delivery starts from the newest event, skipping whatever the "
        "webhook has not received yet (logged for staff). Needed to re-enable a webhook "
        "whose missed events are no longer in the event log.",
    )


@strawberry.type(name="WebhookCreatePayload")
class WebhookCreatePayload:
    webhook: WebhookType | None = None
    secret: str | None = strawberry.field(
        default=None,
        description="The signing secret (`whsec_...`), shown this once: keep it to verify "
        "deliveries (Standard Webhooks).",
    )
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.type(name="WebhookUpdatePayload")
class WebhookUpdatePayload:
    webhook: WebhookType | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


def _event_values(events: list[WebhookEventEnum] | None) -> list[str] | None:
    return None if events is None else [event.value for event in events]


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(description="Staff: a new webhook; its secret is in the answer alone.")
    async def webhook_create(self, info: Info, input: WebhookCreateInput) -> WebhookCreatePayload:
        webhook, errors = await call_service(
            services.webhook_create,
            actor=viewer_of(info),
            url=input.url,
            events=_event_values(input.events),
            description=input.description,
        )
        return WebhookCreatePayload(
            webhook=webhook, secret=webhook.secret if webhook else None, errors=errors
        )

    @strawberry.mutation(description="Staff: change a webhook, or disable or re-enable it.")
    async def webhook_update(
        self, info: Info, id: strawberry.ID, input: WebhookUpdateInput
    ) -> WebhookUpdatePayload:
        webhook, errors = await call_service(
            services.webhook_update,
            paths=_WEBHOOK_AS_ID,
            actor=viewer_of(info),
            webhook_id=service_pk(id, type_name="Webhook"),
            url=input.url,
            events=_event_values(input.events),
            is_active=input.is_active,
            description=input.description,
            skip_missed_events=bool(input.skip_missed_events),
        )
        return WebhookUpdatePayload(webhook=webhook, errors=errors)

    @strawberry.mutation(description="Staff: delete a webhook and its delivery record.")
    async def webhook_delete(self, info: Info, id: strawberry.ID) -> DeletePayload:
        deleted, errors = await call_service(
            services.webhook_delete,
            paths=_WEBHOOK_AS_ID,
            actor=viewer_of(info),
            webhook_id=service_pk(id, type_name="Webhook"),
        )
        deleted_id = strawberry.relay.GlobalID("Webhook", str(deleted)) if deleted else None
        return DeletePayload(
            deleted_id=strawberry.ID(str(deleted_id)) if deleted_id else None, errors=errors
        )
