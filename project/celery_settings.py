"""Celery's settings (read by project/celery.py through Django's settings, `CELERY_`
prefix): the broker, how tasks are acknowledged, and what beat runs.

With REDIS_URL the broker is Redis and tasks go to workers (`make worker`, `make beat`);
without it (the embedded default) there is no broker and every task runs at once in the
process that sends it, so that `make run` works alone.

At-least-once: a task's message is acknowledged after the task returns (`acks_late`), and
a worker process that dies in a task (SIGKILL, out of memory) gives its message back
(`reject_on_worker_lost`); a worker reserves one message at a time beyond those it runs
(`prefetch_multiplier`), so a dead worker holds few. With Redis, a message a whole dead
worker had taken is given back once it has been out for `visibility_timeout` seconds: so
that a live worker's message is never handed out twice, that timeout must exceed the
longest wait before a retry (a retry with a countdown sits reserved, unacknowledged, in
the worker until it is due) plus the hard time limit; start-up refuses a shorter one.
Every task may therefore run twice and must be idempotent (the README lists them)."""

from __future__ import annotations

from typing import Any

from project.env import env_float, env_int, env_str

# kombu looks for messages of dead workers to give back every this many seconds at most.
RESTORE_INTERVAL = 10


def celery_settings(redis_url: str | None) -> dict[str, Any]:
    """The CELERY_* settings for a project whose Redis is `redis_url` (None: none), and
    TASK_RETRY_MAX_DELAY (the longest countdown any task's retry may use)."""
    soft_limit = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
    hard_limit = env_int("CELERY_TASK_TIME_LIMIT", 300)
    retry_max_delay = env_int("TASK_RETRY_MAX_DELAY", 300)
    visibility_timeout = env_int("CELERY_VISIBILITY_TIMEOUT", 3600)
    if not 0 < soft_limit < hard_limit:
        raise SystemExit(
            f"CELERY_TASK_SOFT_TIME_LIMIT={soft_limit} must be above 0 and below "
            f"CELERY_TASK_TIME_LIMIT={hard_limit}."
        )
    if retry_max_delay < 1:
        raise SystemExit(f"TASK_RETRY_MAX_DELAY={retry_max_delay} must be at least 1.")
    if visibility_timeout <= retry_max_delay + hard_limit:
        raise SystemExit(
            f"CELERY_VISIBILITY_TIMEOUT={visibility_timeout} must be above "
            f"TASK_RETRY_MAX_DELAY + CELERY_TASK_TIME_LIMIT ({retry_max_delay + hard_limit}): "
            "a shorter one hands a waiting retry or a running task to a second worker."
        )
    transport_options: dict[str, Any] = {
        "visibility_timeout": visibility_timeout,
        # Look for messages to give back every RESTORE_INTERVAL seconds (kombu's default
        # is about 100 s), shorter for a short timeout: one cheap sorted-set read.
        "unacked_restore_interval": max(1, min(RESTORE_INTERVAL, visibility_timeout // 10)),
        "unacked_restore_throttle": 1,
    }
    if prefix := env_str("CELERY_BROKER_PREFIX"):
        # Every broker key under this prefix: deployments (or test runs) sharing one Redis
        # database never take each other's messages.
        transport_options["global_keyprefix"] = prefix
    return {
        "CELERY_BROKER_URL": env_str("CELERY_BROKER_URL", redis_url or "memory://"),
        "CELERY_BROKER_TRANSPORT_OPTIONS": transport_options,
        "CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP": True,
        "CELERY_TASK_ALWAYS_EAGER": not redis_url,
        # Eager tasks behave as on a worker: a retry runs again (at once), an error is
        # logged, and neither is raised into the code that sent the task.
        "CELERY_TASK_EAGER_PROPAGATES": False,
        "CELERY_TASK_ACKS_LATE": True,
        "CELERY_TASK_REJECT_ON_WORKER_LOST": True,
        "CELERY_WORKER_PREFETCH_MULTIPLIER": 1,
        "CELERY_TASK_SOFT_TIME_LIMIT": soft_limit,
        "CELERY_TASK_TIME_LIMIT": hard_limit,
        "CELERY_TASK_SERIALIZER": "json",
        "CELERY_ACCEPT_CONTENT": ["json"],
        "CELERY_TIMEZONE": "UTC",
        "CELERY_BEAT_SCHEDULE": {
            "event-backlog-relay": {"task": "event_backlog_relay", "schedule": 5.0},
            "event-log-prune": {"task": "event_log_prune", "schedule": 3600.0},
            "orders-overdue-cancel": {"task": "orders_overdue_cancel", "schedule": 60.0},
            **_webhook_schedule(),
        },
        "TASK_RETRY_MAX_DELAY": retry_max_delay,
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
