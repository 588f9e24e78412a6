"""Deliveries started as soon as events are published, not only by beat.

Beat sends `webhook_deliveries_send` every WEBHOOK_DELIVERY_INTERVAL seconds, so an event
would wait up to that long. After each publish (`events_published`) this sends the task
at once, unless one is already waiting to start: a run reads the log when it starts, so
every event committed before then is in it. The "waiting" mark is taken here with a cache
`add` and dropped by the run as it starts (`kick_taken`), before it reads the log; an
event committed after that sends a new run. The mark expires after PENDING_FOR seconds,
in case a run's message is lost (beat still covers it).

Not with eager tasks (no Redis: the delivery would run inside the request that published)
nor when no endpoint is active. A failure here is logged and changes nothing: beat still
delivers."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache

from domain.webhooks.models import WebhookEndpoint

logger = logging.getLogger(__name__)

PENDING_KEY = "webhooks:deliveries-run-pending"
PENDING_FOR = 30  # seconds


def webhook_deliveries_kick(**_: Any) -> bool:
    """Send a delivery run now, unless one is waiting to start. True when one was sent."""
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.WEBHOOK_KICK_ON_PUBLISH:
        return False
    try:
        if not WebhookEndpoint.objects.filter(is_active=True).exists():
            return False
        if not cache.add(PENDING_KEY, 1, PENDING_FOR):
            return False  # a run that has not started yet will read these events
        from domain.webhooks.tasks import webhook_deliveries_send

        webhook_deliveries_send.apply_async(expires=PENDING_FOR)
    except Exception:
        logger.warning("webhook delivery run not sent; beat will start one", exc_info=True)
        return False
    return True


def kick_taken() -> None:
    """A delivery run is starting: the next publish may send another."""
    try:
        cache.delete(PENDING_KEY)
    except Exception:
        logger.warning("webhook kick mark not dropped; it expires", exc_info=True)
