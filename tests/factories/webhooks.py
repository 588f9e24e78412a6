"""Webhook endpoints, as the service would make them (a new secret; cursors at the newest
events), without its staff and address checks."""

from __future__ import annotations

from typing import Any

from domain.webhooks.models import EventStream, WebhookEndpoint
from domain.webhooks.selectors import event_latest_id
from domain.webhooks.signing import secret_new


def make_webhook(
    *, url: str = "https://hooks.example.com/in", events: list[str] | None = None, **fields: Any
) -> WebhookEndpoint:
    fields.setdefault("product_event_cursor", event_latest_id(EventStream.PRODUCT))
    fields.setdefault("order_event_cursor", event_latest_id(EventStream.ORDER))
    return WebhookEndpoint.objects.create(
        url=url,
        events=events if events is not None else ["product.price_changed"],
        secret=fields.pop("secret", None) or secret_new(),
        **fields,
    )
