"""The payment provider behind order processing, and a deterministic one for development
and tests.

The contract (`PaymentProvider`): `charge(order, idempotency_key=...)` charges the order's
total and answers `PaymentResult` (approved with the provider's reference, or declined with
a reason), or raises `TransientPaymentError` when it cannot answer now (timeout, a 5xx,
rate limited). It charges **at most once per idempotency key**: a second call with the
same key (a retry, or a task redelivered after its worker died between the charge and the
commit) answers the first call's outcome and charges nothing, as the idempotency keys of
real payment APIs do. Order processing always uses the key `order-<id>`. A provider for a
real service is a class with that method, named by the PAYMENT_PROVIDER setting.

`DeterministicProvider` (the default) approves every charge unless the customer's e-mail
address says otherwise, with tags after a `+` in its local part (they combine, e.g.
`ann+transient2+decline@example.com`), so that a developer in GraphiQL or a test driving a
worker in another process can steer it:

- `+decline`: declined ("Card declined.");
- `+transient<N>`: the order's first N calls raise TransientPaymentError, then the other
  rules apply;
- `+hold`: once the charge is recorded, the call sets the cache key
  `payment_holding_key(order id)` to its process id and waits until the key
  `payment_release_key(order id)` exists (at most HOLD_WAIT seconds, then it raises
  TransientPaymentError): the window in which a test kills the worker, after the charge
  and before the commit.

Its ledger is kept in Django's cache (Redis when REDIS_URL is set, shared by every worker;
entries live LEDGER_TTL): the outcome of each idempotency key, and how many charges each
order got (`charge_count`, which tests read)."""

from __future__ import annotations

import functools
import os
import re
import time
from dataclasses import asdict, dataclass
from typing import Protocol

from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string

from domain.orders.models import Order

HOLD_WAIT = 30.0  # seconds
LEDGER_TTL = 30 * 24 * 3600  # seconds
_TRANSIENT = re.compile(r"^transient(\d+)$")


class TransientPaymentError(Exception):
    """The provider could not answer now; retrying with the same key is safe."""


@dataclass(frozen=True)
class PaymentResult:
    approved: bool
    reference: str = ""  # the provider's id of the charge, when approved
    reason: str = ""  # why it was declined, for the customer

    @classmethod
    def approve(cls, reference: str) -> PaymentResult:
        return cls(approved=True, reference=reference)

    @classmethod
    def decline(cls, reason: str) -> PaymentResult:
        return cls(approved=False, reason=reason)


class PaymentProvider(Protocol):
    def charge(self, order: Order, *, idempotency_key: str) -> PaymentResult:
        """Charge `order.total` in `order.currency`, at most once per `idempotency_key`."""
        ...


def payment_provider() -> PaymentProvider:
    """The provider the PAYMENT_PROVIDER setting names (one instance per process)."""
    return _provider(settings.PAYMENT_PROVIDER)


@functools.cache
def _provider(path: str) -> PaymentProvider:
    return import_string(path)()


def payment_holding_key(order_id: int) -> str:
    return f"payments:holding:{order_id}"


def payment_release_key(order_id: int) -> str:
    return f"payments:release:{order_id}"


def charge_count(order_id: int) -> int:
    """How many charges DeterministicProvider made for the order."""
    return int(cache.get(_count_key(order_id), 0))


def _count_key(order_id: int) -> str:
    return f"payments:charges:{order_id}"


class DeterministicProvider:
    """See the module's docstring."""

    def charge(self, order: Order, *, idempotency_key: str) -> PaymentResult:
        ledger_key = f"payments:outcome:{idempotency_key}"
        if (recorded := cache.get(ledger_key)) is not None:
            return PaymentResult(**recorded)
        tags = _tags(order.customer.email)
        failures = max((int(m[1]) for t in tags if (m := _TRANSIENT.match(t))), default=0)
        if failures:
            failed_key = f"payments:transient:{idempotency_key}"
            cache.add(failed_key, 0, timeout=LEDGER_TTL)
            if cache.incr(failed_key) <= failures:
                raise TransientPaymentError("The payment service is unavailable (test rule).")
        if "decline" in tags:
            result = PaymentResult.decline("Card declined.")
        else:
            result = PaymentResult.approve(f"det_{idempotency_key}")
        if not cache.add(ledger_key, asdict(result), timeout=LEDGER_TTL):
            return PaymentResult(**cache.get(ledger_key))  # a concurrent call recorded first
        if result.approved:
            cache.add(_count_key(order.pk), 0, timeout=LEDGER_TTL)
            cache.incr(_count_key(order.pk))
        if "hold" in tags:
            _hold(order.pk)
        return result


def _tags(email: str) -> set[str]:
    local = email.rsplit("@", 1)[0].lower()
    return set(local.split("+")[1:])


def _hold(order_id: int) -> None:
    cache.set(payment_holding_key(order_id), os.getpid(), timeout=LEDGER_TTL)
    deadline = time.monotonic() + HOLD_WAIT
    while cache.get(payment_release_key(order_id)) is None:
        if time.monotonic() > deadline:
            raise TransientPaymentError("The charge was held too long (test rule).")
        time.sleep(0.05)
