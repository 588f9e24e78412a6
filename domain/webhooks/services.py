"""Creating, changing and deleting webhook endpoints: staff holding WEBHOOKS_MANAGE only.

A new endpoint starts at the newest events of the log: it receives what happens after it
was made, not the log's history. Re-enabling a disabled endpoint starts its retries afresh
from the event that failed, or is refused when the event log no longer holds what it
missed unless staff ask to skip that (resuming.py); changing its URL makes the next attempt
due at once. URLs are stored in ASCII (url_ascii.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from domain.common.error_codes import CommonErrorCode, field_error
from domain.common.permissions import StaffScope, require_staff
from domain.webhooks.addresses import TargetRefused, url_check
from domain.webhooks.models import EventStream, WebhookEndpoint, WebhookEventType
from domain.webhooks.resuming import reenable_refusal, skip_to_newest, undelivered_since_now
from domain.webhooks.selectors import event_latest_id
from domain.webhooks.signing import secret_new
from domain.webhooks.url_ascii import url_ascii

MAX_DESCRIPTION = 500


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise field_error("url", "A URL is required.", CommonErrorCode.REQUIRED)
    try:
        url_check(url)
    except TargetRefused as refused:
        raise field_error("url", str(refused), CommonErrorCode.INVALID) from None
    return url_ascii(url)  # it has one: url_check used it


def _clean_events(events: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(events))
    if not chosen:
        raise field_error("events", "Choose at least one event type.", CommonErrorCode.REQUIRED)
    unknown = [event for event in chosen if event not in WebhookEventType.values]
    if unknown:
        raise field_error(
            "events", f"Unknown event type: {', '.join(unknown)}.", CommonErrorCode.INVALID
        )
    return [value for value in WebhookEventType.values if value in chosen]  # a stable order


def _clean_description(description: str | None) -> str:
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise field_error(
            "description", f"At most {MAX_DESCRIPTION} characters.", CommonErrorCode.INVALID
        )
    return description


_CHECKS = {"url": _clean_url, "events": _clean_events, "description": _clean_description}


def webhook_input_clean(**fields: Any) -> dict[str, Any]:
    """The given fields (`url`, `events`, `description`; None: not given) as they are
    stored; a ValidationError naming every bad one. The admin's form checks with it too."""
    values: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None:
            continue
        try:
            values[name] = _CHECKS[name](value)
        except ValidationError as error:
            errors.update(error.error_dict)
    if errors:
        raise ValidationError(errors)
    return values


def webhook_create(
    *, actor: Any, url: str, events: Iterable[str], description: str | None = None
) -> WebhookEndpoint:
    """A new active endpoint with a new secret (`endpoint.secret`, to be shown once)."""
    require_staff(actor, scope=StaffScope.WEBHOOKS_MANAGE, action="create webhooks")
    values = webhook_input_clean(url=url or "", events=list(events), description=description)
    return WebhookEndpoint.objects.create(
        **values,
        secret=secret_new(),
        created_by=actor if getattr(actor, "pk", None) else None,
        product_event_cursor=event_latest_id(EventStream.PRODUCT),
        order_event_cursor=event_latest_id(EventStream.ORDER),
    )


def _not_found() -> ValidationError:
    return field_error("webhook_id", "No such webhook.", CommonErrorCode.NOT_FOUND)


def webhook_update(
    *,
    actor: Any,
    webhook_id: int,
    url: str | None = None,
    events: Iterable[str] | None = None,
    is_active: bool | None = None,
    description: str | None = None,
    skip_missed_events: bool = False,
) -> WebhookEndpoint:
    """Change what is given (None: leave it). `skip_missed_events`: start from the newest
    events, skipping whatever it has not received (logged); without it, re-enabling an
    endpoint whose missed events the log no longer holds is refused (resuming.py)."""
    require_staff(actor, scope=StaffScope.WEBHOOKS_MANAGE, action="change webhooks")
    values = webhook_input_clean(
        url=url, events=None if events is None else list(events), description=description
    )
    # Waits for a delivery in progress to this endpoint (at most WEBHOOK_TIMEOUT).
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=webhook_id).first()
        if endpoint is None:
            raise _not_found()
        if "url" in values and values["url"] != endpoint.url:
            endpoint.next_attempt_at = None  # try the new address now
        for name, value in values.items():
            setattr(endpoint, name, value)
        now = timezone.now()
        if skip_missed_events:
            skip_to_newest(endpoint, actor=actor, now=now)
        elif is_active is True and not endpoint.is_active:
            refusal = reenable_refusal(endpoint, now=now)
            if refusal is not None:
                raise refusal
        if is_active is True and not endpoint.is_active:
            endpoint.is_active = True
            endpoint.disabled_at, endpoint.disabled_reason = None, ""
            endpoint.failed_attempts, endpoint.next_attempt_at = 0, None
            endpoint.undelivered_since = None
        elif is_active is False and endpoint.is_active:
            endpoint.is_active = False
            endpoint.disabled_at, endpoint.disabled_reason = now, "Disabled by staff."
            endpoint.undelivered_since = undelivered_since_now(endpoint, now=now)
        endpoint.save()
    return endpoint


def webhook_delete(*, actor: Any, webhook_id: int) -> int:
    """Delete the endpoint and its delivery record; returns its id."""
    require_staff(actor, scope=StaffScope.WEBHOOKS_MANAGE, action="delete webhooks")
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=webhook_id).first()
        if endpoint is None:
            raise _not_found()
        endpoint.delete()
    return webhook_id
