"""Settings of order processing (domain/orders/processing.py): the payment provider, how
long an order may wait for its payment, and how transient payment failures are retried."""

from __future__ import annotations

from typing import Any

from project.env import env_bool, env_int, env_str


def order_settings() -> dict[str, Any]:
    settings = {
        # A dotted path to a class with `charge(order, *, idempotency_key)`
        # (domain/orders/payments.py). The default approves unless told otherwise: for
        # development and tests only.
        "PAYMENT_PROVIDER": env_str(
            "PAYMENT_PROVIDER", "domain.orders.payments.DeterministicProvider"
        ),
        # Take each placed order through payment (a Celery task after its commit). Off,
        # orders stay PENDING until cancelled or timed out (the test suite turns it off).
        "ORDER_PROCESS_ON_PLACE": env_bool("ORDER_PROCESS_ON_PLACE", True),
        # Seconds a PENDING order whose payment never started may wait before the beat
        # task cancels it and returns its stock.
        "ORDER_PAYMENT_TIMEOUT": env_int("ORDER_PAYMENT_TIMEOUT", 900),
        # Charge attempts per order, transient failures included; then it FAILS.
        "ORDER_PAYMENT_MAX_ATTEMPTS": env_int("ORDER_PAYMENT_MAX_ATTEMPTS", 5),
        # Seconds before the first retry; it doubles with each attempt (with jitter), up
        # to TASK_RETRY_MAX_DELAY (project/celery_settings.py).
        "ORDER_PAYMENT_RETRY_DELAY": env_int("ORDER_PAYMENT_RETRY_DELAY", 10),
    }
    for name in ("ORDER_PAYMENT_TIMEOUT", "ORDER_PAYMENT_MAX_ATTEMPTS"):
        if settings[name] < 1:
            raise SystemExit(f"{name}={settings[name]} must be at least 1.")
    if settings["ORDER_PAYMENT_RETRY_DELAY"] < 1:
        raise SystemExit("ORDER_PAYMENT_RETRY_DELAY must be at least 1.")
    return settings
