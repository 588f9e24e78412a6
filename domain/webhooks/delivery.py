"""Delivering the event log to webhook endpoints (run by the `webhook_deliveries_send`
Celery task, every WEBHOOK_DELIVERY_INTERVAL seconds on beat).

Per endpoint, one event at a time, in order:

1. A transaction locks the endpoint's row (`FOR UPDATE SKIP LOCKED`): a run that finds it
   locked leaves it to the run that holds it, so two workers never send to one endpoint
   at once.
2. It finds the endpoint's next event (selectors.webhook_pending), POSTs it (the SSRF
   check on the resolved address first, transport.py), records the attempt, and on a 2xx
   answer moves the endpoint's cursor past the event, all in that transaction. Nothing
   else moves a cursor past an event of the endpoint's types.
3. A worker killed mid-delivery leaves nothing: its transaction rolls back when its
   database connection drops (or, if it hangs, after WEBHOOK_TIMEOUT plus a margin,
   PostgreSQL's idle-in-transaction timeout), the lock goes with it, and the next run sends
   the event again with the same `webhook-id`. So a receiver may see an event twice (it
   deduplicates on `webhook-id`, as Standard Webhooks receivers do), but the record shows
   exactly one success per event and endpoint (also a unique constraint), and the cursor
   never skips one.

A failed attempt (refused target, connection error, timeout, non-2xx answer) is recorded
and the endpoint waits: the next attempt at the same event is due after
WEBHOOK_RETRY_BASE_DELAY * 3^(n-1) seconds (n: failed attempts so far), ±20 % jitter:
with the defaults about 1.3 min, 4 min, 12 min, 36 min, 1.8 h, 5.4 h and 16 h, about a day
in all. Later events of that endpoint wait behind it, so a receiver gets each log's events
in order. When attempt WEBHOOK_MAX_ATTEMPTS (8) fails too, the endpoint is disabled
(`is_active` false, `disabled_at`, `disabled_reason`) and staff are told (an ERROR log
line on `domain.webhooks` and an e-mail to settings.ADMINS). Its cursor stays before the
failed event, and `undelivered_since` records when that event happened: once re-enabled,
it starts again from that event, if the event log still holds it (resuming.py).

An attempt never raises: a defect anywhere in it (building the payload, http.client) is a
failed attempt like any other, recorded as "Internal error (...)", logged with its
traceback, and retried later; the other endpoints are served all the same.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import mail_admins
from django.db import connection, transaction
from django.utils import timezone

from domain.events.models import OrderEvent, ProductEvent
from domain.webhooks import transport
from domain.webhooks.addresses import TargetRefused, checked_addresses, target_of
from domain.webhooks.models import EventStream, WebhookDelivery, WebhookEndpoint
from domain.webhooks.payloads import Message, message_id, message_of
from domain.webhooks.selectors import webhook_due_ids, webhook_pending
from domain.webhooks.signing import signed_headers

logger = logging.getLogger("domain.webhooks")

# A run starts no delivery after this many seconds (the next run goes on), so that it ends
# well within Celery's time limits whatever the backlog.
RUN_SECONDS = 60.0
RETRY_FACTOR = 3
RETRY_JITTER = 0.2
CURSOR_FIELDS = ("product_event_cursor", "order_event_cursor")
# What a delivery changes on its endpoint (not `updated_at`: that is the staff's changes).
DELIVERY_FIELDS = (
    *CURSOR_FIELDS,
    "retry_event_id",
    "failed_attempts",
    "next_attempt_at",
    "is_active",
    "disabled_at",
    "disabled_reason",
    "undelivered_since",
)


def retry_delay(failed_attempts: int) -> timedelta:
    """How long an endpoint waits after its `failed_attempts`-th failure at one event."""
    seconds = settings.WEBHOOK_RETRY_BASE_DELAY * RETRY_FACTOR ** (failed_attempts - 1)
    return timedelta(seconds=seconds * random.uniform(1 - RETRY_JITTER, 1 + RETRY_JITTER))


def webhook_deliveries_send(*, now: datetime | None = None, seconds: float = RUN_SECONDS) -> int:
    """Deliver what is due to every active endpoint, one event per endpoint in turn (so a
    long backlog at one endpoint delays the others by no more than its share), until none
    has anything left to send now or `seconds` have passed. Returns how many deliveries
    succeeded. `now` (tests) stands for the clock when deciding what is due and in the
    record; the signature's timestamp is always the real time of sending."""
    deadline = time.monotonic() + seconds
    succeeded = 0
    endpoint_ids = webhook_due_ids(now=now or timezone.now())
    while endpoint_ids:
        still_sending = []
        for endpoint_id in endpoint_ids:
            if time.monotonic() >= deadline:
                return succeeded
            try:
                delivered = _deliver_next(endpoint_id, now)
            except Exception:  # one endpoint's trouble must not stop the others
                logger.exception("webhook endpoint %s: delivery failed", endpoint_id)
                delivered = False
            if delivered:
                succeeded += 1
                still_sending.append(endpoint_id)
        endpoint_ids = still_sending
    return succeeded


def _bound_idle_transaction() -> None:
    """On PostgreSQL, end this transaction (and free the endpoint's lock) if its process
    hangs between statements well past the delivery's own timeout."""
    if connection.vendor == "postgresql":
        milliseconds = int((settings.WEBHOOK_TIMEOUT + 30) * 1000)
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL idle_in_transaction_session_timeout = {milliseconds}")


def _deliver_next(endpoint_id: int, now: datetime | None) -> bool:
    """One event to one endpoint, in one transaction; True when it was delivered."""
    with transaction.atomic():
        endpoint = (
            WebhookEndpoint.objects.select_for_update(skip_locked=True)
            .filter(pk=endpoint_id, is_active=True)
            .first()
        )
        moment = now or timezone.now()
        if endpoint is None or (endpoint.next_attempt_at and endpoint.next_attempt_at > moment):
            return False  # gone, disabled, held by another run, or not due yet
        pending = webhook_pending(endpoint=endpoint)
        for stream, event_id in pending.skip_to.items():
            endpoint.set_cursor(stream, event_id)
        if pending.event is None:
            if pending.skip_to:
                endpoint.save(update_fields=CURSOR_FIELDS)
            return False
        _bound_idle_transaction()
        event, stream = pending.event, EventStream(pending.stream)
        webhook_id = message_id(stream, event.pk)
        attempt = endpoint.failed_attempts + 1 if endpoint.retry_event_id == webhook_id else 1
        outcome = _attempt_guarded(endpoint, event)
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            stream=stream,
            event_pk=event.pk,
            event_id=webhook_id,
            event_type=event.type,
            attempt=attempt,
            status_code=outcome.status_code,
            succeeded=outcome.succeeded,
            duration_ms=outcome.duration_ms,
            error=outcome.error,
            created_at=moment,
        )
        if outcome.succeeded:
            endpoint.set_cursor(stream, event.pk)
            endpoint.retry_event_id = ""
            endpoint.failed_attempts, endpoint.next_attempt_at = 0, None
        else:
            _after_failure(endpoint, event, webhook_id, attempt, outcome.error, moment)
        endpoint.save(update_fields=DELIVERY_FIELDS)
    return outcome.succeeded


def _attempt_guarded(
    endpoint: WebhookEndpoint, event: ProductEvent | OrderEvent
) -> transport.Outcome:
    """The attempt, in a savepoint: whatever it raises (a defect: in building the payload,
    say) becomes a failed outcome, recorded and retried like any other failure, and the
    transaction stays usable to record it."""
    try:
        with transaction.atomic():
            return _attempt(endpoint, message_of(event))
    except Exception as error:
        logger.exception("webhook endpoint %s: attempt failed unexpectedly", endpoint.pk)
        return transport.Outcome(
            status_code=None, duration_ms=None, error=f"Internal error ({type(error).__name__})."
        )


def _attempt(endpoint: WebhookEndpoint, message: Message) -> transport.Outcome:
    try:
        target = target_of(endpoint.url)
        addresses = checked_addresses(target)
    except TargetRefused as refused:
        return transport.Outcome(status_code=None, duration_ms=None, error=f"Not sent: {refused}")
    headers = signed_headers(
        secret=endpoint.secret, message_id=message.id, timestamp=int(time.time()), body=message.body
    )
    return transport.post(
        target, addresses, headers=headers, body=message.body, timeout=settings.WEBHOOK_TIMEOUT
    )


def _after_failure(
    endpoint: WebhookEndpoint,
    event: ProductEvent | OrderEvent,
    webhook_id: str,
    attempt: int,
    error: str,
    moment: datetime,
) -> None:
    endpoint.retry_event_id = webhook_id
    endpoint.failed_attempts = attempt
    if attempt < settings.WEBHOOK_MAX_ATTEMPTS:
        endpoint.next_attempt_at = moment + retry_delay(attempt)
        return
    endpoint.is_active = False
    endpoint.next_attempt_at = None
    endpoint.disabled_at = moment
    endpoint.undelivered_since = event.occurred_at  # the first event it has not received
    endpoint.disabled_reason = (
        f"Disabled after {attempt} failed attempts to deliver {webhook_id} ({event.type}); "
        f"the last: {error}"
    )
    reason, url, pk = endpoint.disabled_reason, endpoint.url, endpoint.pk
    transaction.on_commit(lambda: _tell_staff(pk, url, reason), robust=True)


def _tell_staff(endpoint_id: int, url: str, reason: str) -> None:
    """The event for staff when an endpoint is disabled: an ERROR log line (for alerting)
    and a mail to settings.ADMINS (none when it is empty)."""
    logger.error("webhook endpoint %s (%s) disabled: %s", endpoint_id, url, reason)
    mail_admins(
        f"Webhook endpoint disabled: {url}",
        f"{reason}\n\nRe-enable it (webhookUpdate with isActive: true, or the admin) once "
        "the receiver works again: delivery starts again from the failed event.",
        fail_silently=True,
    )
