"""Disabling and re-enabling an endpoint, when the event log may have dropped what it
missed meanwhile.

A disabled endpoint keeps its cursors, and `undelivered_since` records when the first event
it has not received happened (the event that failed, or the moment staff disabled it).
Re-enabled, it starts again from there. But the event log keeps only EVENT_RETENTION of
events (domain/events, pruned hourly): past that, some of what it missed may be gone, and
starting from its cursor would skip them without a word. So re-enabling is then refused
(INVALID on `is_active`, saying since when events are missing) unless staff ask to skip
what it missed (`skip_missed_events`): delivery then starts from the newest events, and
the skip is logged for staff (WARNING on `domain.webhooks`: who, which endpoint, since
when, how many kept events of its types were passed over).

Exact where it can be: the event log is pruned by age, oldest first, and event ids follow
their time (domain/events/services.py). So if the first event the endpoint missed is still
in the log, every later one is too and re-enabling goes ahead, however long ago that was;
and if it happened within the retention, nothing it needs can have been pruned. Otherwise
events it needed may have been pruned: whether any of its types were among them, the log
no longer says, so that counts as missing.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError

from domain.common.error_codes import CommonErrorCode, field_error
from domain.events.publishing import event_retention
from domain.webhooks.models import EventStream, WebhookEndpoint
from domain.webhooks.selectors import (
    STREAM_MODELS,
    STREAM_TYPES,
    event_latest_id,
    webhook_pending,
)

logger = logging.getLogger("domain.webhooks")


def undelivered_since_now(endpoint: WebhookEndpoint, *, now: datetime) -> datetime:
    """For an endpoint being disabled now: when the first event of its types after its
    cursors happened (one it has not received yet), or `now` when there is none."""
    pending = webhook_pending(endpoint=endpoint)
    return min(pending.event.occurred_at, now) if pending.event is not None else now


def missed_since(endpoint: WebhookEndpoint, *, now: datetime) -> datetime | None:
    """When the events this disabled endpoint has not received may start to be missing
    from the event log; None when the log still holds every one of them."""
    since = endpoint.undelivered_since
    if since is None or since >= now - event_retention():
        return None  # nothing it needs is old enough to have been pruned
    pending = webhook_pending(endpoint=endpoint)
    if pending.event is not None and pending.event.occurred_at <= since:
        return None  # the first one it missed is still there, and so is every later one
    return since


def _retention_text() -> str:
    seconds = int(event_retention().total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"


def reenable_refusal(endpoint: WebhookEndpoint, *, now: datetime) -> ValidationError | None:
    """The error for re-enabling `endpoint` from where it stopped, or None when it may."""
    since = missed_since(endpoint, now=now)
    if since is None:
        return None
    moment = since.astimezone(UTC).isoformat(timespec="seconds")
    return field_error(
        "is_active",
        f"Events since {moment} that this webhook has not received are no longer all in the "
        f"event log (it keeps {_retention_text()}), so it cannot start again where it "
        "stopped. To start from the newest event instead, skipping what it missed, re-enable "
        "it asking to skip missed events (skipMissedEvents: true in the API).",
        CommonErrorCode.INVALID,
    )


def skip_to_newest(endpoint: WebhookEndpoint, *, actor: Any, now: datetime) -> None:
    """Move the endpoint's cursors to the newest events and drop its retry state (the
    caller saves it), logging what was skipped."""
    missing = missed_since(endpoint, now=now)
    skipped = 0
    for stream in EventStream:
        latest, cursor = event_latest_id(stream), endpoint.cursor(stream)
        types = [t for t in endpoint.events if t in STREAM_TYPES[stream]]
        if types and latest > cursor:
            skipped += (
                STREAM_MODELS[stream]
                .objects.filter(id__gt=cursor, id__lte=latest, type__in=types)
                .count()
            )
        endpoint.set_cursor(stream, latest)
    logger.warning(
        "webhook endpoint %s (%s): %s skipped the events it had not received (%s of its "
        "types still in the log%s); delivery starts from the newest events",
        endpoint.pk,
        endpoint.url,
        getattr(actor, "email", None) or actor,
        skipped,
        f", and any the log no longer holds since {missing.isoformat()}" if missing else "",
    )
    endpoint.retry_event_id, endpoint.failed_attempts, endpoint.next_attempt_at = "", 0, None
    if not endpoint.is_active:
        endpoint.undelivered_since = now  # it misses from now on, until re-enabled
