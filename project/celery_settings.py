"""Celery's settings (read by project/celery.py through Django's settings, `CELERY_`
prefix): the broker, how tasks are acknowledged, and what beat runs.

With REDIS_URL the broker is Redis and tasks go to workers (`make worker`, `make beat`);
without it (the embedded default) there is no broker and every task runs at once in the
process that sends it, so that `make run` works alone."""

from __future__ import annotations

from typing import Any

from project.env import env_float, env_str


def celery_settings(redis_url: str | None) -> dict[str, Any]:
    """The CELERY_* settings for a project whose Redis is `redis_url` (None: none)."""
    transport_options: dict[str, Any] = {}
    if prefix := env_str("CELERY_BROKER_PREFIX"):
        # Every broker key under this prefix: deployments (or test runs) sharing one Redis
        # database never take each other's messages.
        transport_options["global_keyprefix"] = prefix
    return {
        "CELERY_BROKER_URL": env_str("CELERY_BROKER_URL", redis_url or "memory://"),
        "CELERY_BROKER_TRANSPORT_OPTIONS": transport_options,
        "CELERY_TASK_ALWAYS_EAGER": not redis_url,
        "CELERY_TASK_EAGER_PROPAGATES": True,
        "CELERY_TASK_ACKS_LATE": True,
        "CELERY_WORKER_PREFETCH_MULTIPLIER": 1,
        "CELERY_TASK_SERIALIZER": "json",
        "CELERY_ACCEPT_CONTENT": ["json"],
        "CELERY_TIMEZONE": "UTC",
        "CELERY_BEAT_SCHEDULE": {
            "event-backlog-relay": {"task": "event_backlog_relay", "schedule": 5.0},
            "event-log-prune": {"task": "event_log_prune", "schedule": 3600.0},
            **_webhook_schedule(),
        },
    }


def _webhook_schedule() -> dict[str, Any]:
    """Webhooks (domain/webhooks/delivery.py): deliveries every WEBHOOK_DELIVERY_INTERVAL
    seconds (a run that starts late is dropped: the next one does its work), and the
    delivery record pruned hourly."""
    interval = env_float("WEBHOOK_DELIVERY_INTERVAL", 5.0)
    return {
        "webhook-deliveries-send": {
            "task": "webhook_deliveries_send",
            "schedule": interval,
            "options": {"expires": max(interval * 2, 10.0)},
        },
        "webhook-delivery-prune": {"task": "webhook_delivery_prune", "schedule": 3600.0},
    }
