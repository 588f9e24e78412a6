"""GraphQL types of webhooks. Both are nodes only for staff holding WEBHOOKS_MANAGE (their
`get_queryset`): for anyone else `node(id:)` answers null, as for any hidden object."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry_django
from django.db.models import QuerySet
from strawberry import relay

from domain.webhooks import models, selectors
from graphql_api.common.enums import enum_from_choices
from graphql_api.context import Info, viewer_of
from graphql_api.execution.fast_fields import pure
from graphql_api.execution.page_rules import CursorConnection

WebhookEventEnum = enum_from_choices(models.WebhookEventType, "WebhookEvent")


@strawberry_django.type(models.WebhookDelivery, name="WebhookDelivery")
class WebhookDeliveryType(relay.Node):
    id: relay.NodeID[int]
    event_id: str = strawberry_django.field(
        description="The `webhook-id` header sent: the same for every attempt at one event."
    )
    attempt: int = strawberry_django.field(description="1 for the first attempt at the event.")
    status_code: int | None = strawberry_django.field(
        description="The receiver's HTTP status; null when no answer came (refused target, "
        "connection error, timeout)."
    )
    succeeded: bool
    duration_ms: int | None = strawberry_django.field(
        description="From connecting to the answer; null when nothing was sent."
    )
    created_at: datetime

    @classmethod
    def get_queryset(cls, queryset: QuerySet[Any], info: Info, **kwargs: Any) -> QuerySet[Any]:
        return selectors.webhook_delivery_restrict_to_visible(queryset, user=viewer_of(info))

    @strawberry_django.field(only=["event_type"])
    @pure
    def event_type(self: models.WebhookDelivery, info: Info) -> WebhookEventEnum:
        return WebhookEventEnum(self.event_type)

    @strawberry_django.field(
        only=["error"],
        description="Why it failed, in a short message of ours (`HTTP 500`, `Connection "
        "refused.`, `Timed out after 10 s.`), never the receiver's answer; null when it did "
        "not fail.",
    )
    @pure
    def error(self: models.WebhookDelivery, info: Info) -> str | None:
        return self.error or None


@strawberry_django.type(models.WebhookEndpoint, name="Webhook")
class WebhookType(relay.Node):
    id: relay.NodeID[int]
    url: str
    description: str
    is_active: bool = strawberry_django.field(
        description="False once disabled, by staff or after its last retry failed."
    )
    created_at: datetime
    disabled_at: datetime | None
    deliveries: CursorConnection[WebhookDeliveryType] = strawberry_django.connection(
        description="Every attempt, newest first."
    )

    @classmethod
    def get_queryset(cls, queryset: QuerySet[Any], info: Info, **kwargs: Any) -> QuerySet[Any]:
        return selectors.webhook_restrict_to_visible(queryset, user=viewer_of(info))

    @strawberry_django.field(only=["events"], description="The event types delivered to it.")
    @pure
    def events(self: models.WebhookEndpoint, info: Info) -> list[WebhookEventEnum]:
        return [WebhookEventEnum(value) for value in self.events]

    @strawberry_django.field(
        only=["disabled_reason"], description="Why it was disabled; null while it is active."
    )
    @pure
    def disabled_reason(self: models.WebhookEndpoint, info: Info) -> str | None:
        return self.disabled_reason or None
