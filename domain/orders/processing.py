"""Taking a placed order through payment: CONFIRMED (and a confirmation e-mail), or FAILED
with its stock given back.

`order_process` runs in the Celery task `order_process` (domain/orders/tasks.py), sent
when `order_place` commits; the broker may hand the task out again (a retry, a worker that
died), so a run may repeat any earlier run, whole or in part. It goes in two steps.

1. **Begin an attempt** (a short transaction under the order's row lock). An order that is
   no longer PENDING (CONFIRMED, FAILED, CANCELLED) is left alone: a second run changes
   nothing and calls nobody. An order whose payment never began and whose
   ORDER_PAYMENT_TIMEOUT has passed (its task waited in a backlog) is cancelled, stock
   back, as the timeout task would. Otherwise the attempt is counted
   (`payment_attempts`, `payment_attempted_at`) and **committed before the provider is
   called**: from then on the order says that money may have moved, whatever becomes of
   this process.
2. **Charge and settle** (one transaction, the row lock held across the provider call).
   The provider charges with the idempotency key `order-<id>`; the outcome is saved on the
   order together with the status it leads to, in one commit: CONFIRMED with the
   provider's reference (the e-mail is sent by another task after the commit), or FAILED
   with the reason and the stock given back. The status is checked again under the lock,
   so the stock returns once. While the lock is held, `order_cancel` waits and the
   timeout task skips the order: neither can cancel an order whose charge is under way.

**Why a crash does not charge twice.** Money moves at the provider's answer; the order
records it at the commit of step 2. A worker that dies between the two (SIGKILL, out of
memory, a lost machine) rolls step 2 back, and its message was never acknowledged
(`acks_late`): the broker hands it out again, at once when only the pool process died
(`reject_on_worker_lost`), after the visibility timeout when the whole worker did. The new
run begins another attempt and calls the provider with the same key; the provider answers
the first outcome without charging again (its contract, domain/orders/payments.py), and
this time the outcome commits. A run that finds the order settled stops at step 1. So the
order is confirmed once (one STATUS_CHANGED event, one e-mail) and charged once.

**Transient failures** (`TransientPaymentError`) leave the order PENDING, with the error,
and ask the task to retry after `payment_retry_delay(attempts)`: ORDER_PAYMENT_RETRY_DELAY
doubled per attempt, capped at TASK_RETRY_MAX_DELAY, with jitter (a random share of the
second half), so that orders failing together do not come back together. Attempts are
counted on the order, not by Celery, so redelivered runs count too and the bound holds
whatever happened: when the ORDER_PAYMENT_MAX_ATTEMPTS-th attempt fails transiently, the
order FAILS (stock back). A run that finds every attempt used without an outcome (the last
ones died before they could commit) FAILS the order without calling the provider again and
logs an error naming the key: the one case where a charge could have landed on a FAILED
order, for someone to check at the provider.

**Timeouts** (domain/orders/timeouts.py) cancel only orders whose payment never began;
one whose payment began is finished by processing, never cancelled blindly."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from domain.orders.models import Order, OrderStatus
from domain.orders.payments import PaymentResult, TransientPaymentError, payment_provider
from domain.orders.scheduling import order_confirmation_schedule
from domain.orders.transitions import order_status_set, order_stock_return

logger = logging.getLogger("domain.orders")

OUTCOME_UNKNOWN = "The payment could not be completed."
PAYMENT_UNAVAILABLE = "The payment service is unavailable."


@dataclass(frozen=True)
class ProcessingResult:
    status: str  # the order's status after this run ("" when there is no such order)
    retry_in: float | None = None  # seconds after which the task should run again


def payment_idempotency_key(order_id: int) -> str:
    return f"order-{order_id}"


def payment_retry_delay(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th attempt failed transiently: exponential,
    capped, the second half of it random."""
    ceiling = min(
        settings.TASK_RETRY_MAX_DELAY, settings.ORDER_PAYMENT_RETRY_DELAY * 2 ** (attempts - 1)
    )
    return random.uniform(ceiling / 2, ceiling)  # jitter, not a secret


def order_payment_overdue(order: Order) -> bool:
    """Whether a PENDING order's payment never began and its time to begin is up."""
    deadline = timezone.now() - timedelta(seconds=settings.ORDER_PAYMENT_TIMEOUT)
    return order.payment_attempts == 0 and order.created_at < deadline


def order_process(*, order_id: int) -> ProcessingResult:
    begun = _attempt_begin(order_id)
    if begun is not None:
        return begun
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None or order.status != OrderStatus.PENDING:
            return ProcessingResult(order.status if order else "")
        try:
            result = payment_provider().charge(
                order, idempotency_key=payment_idempotency_key(order.pk)
            )
        except TransientPaymentError as error:
            return _transient(order, error)
        _settle(order, result)
        return ProcessingResult(order.status)


def _attempt_begin(order_id: int) -> ProcessingResult | None:
    """Step 1: None when the charge may go ahead (the attempt is counted and committed),
    else the result of this run."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None or order.status != OrderStatus.PENDING:
            return ProcessingResult(order.status if order else "")
        if order_payment_overdue(order):
            order_stock_return(order)
            order_status_set(order, OrderStatus.CANCELLED)
            return ProcessingResult(order.status)
        if order.payment_attempts >= settings.ORDER_PAYMENT_MAX_ATTEMPTS:
            logger.error(
                "order %s: every payment attempt ended without an outcome; check the "
                "provider for a charge with the key %s",
                order.number,
                payment_idempotency_key(order.pk),
            )
            _fail(order, OUTCOME_UNKNOWN)
            return ProcessingResult(order.status)
        order.payment_attempts += 1
        order.payment_attempted_at = timezone.now()
        order.save(update_fields=["payment_attempts", "payment_attempted_at", "updated_at"])
    return None


def _transient(order: Order, error: TransientPaymentError) -> ProcessingResult:
    logger.warning(
        "order %s: payment attempt %s failed transiently: %s",
        order.number,
        order.payment_attempts,
        error,
    )
    if order.payment_attempts >= settings.ORDER_PAYMENT_MAX_ATTEMPTS:
        _fail(order, PAYMENT_UNAVAILABLE)
        return ProcessingResult(order.status)
    order.payment_error = str(error)[:255]
    order.save(update_fields=["payment_error", "updated_at"])
    return ProcessingResult(order.status, retry_in=payment_retry_delay(order.payment_attempts))


def _settle(order: Order, result: PaymentResult) -> None:
    if result.approved:
        order.payment_reference = result.reference[:100]
        order.payment_error = ""
        order_status_set(
            order, OrderStatus.CONFIRMED, fields=["payment_reference", "payment_error"]
        )
        order_confirmation_schedule(order_id=order.pk)
    else:
        _fail(order, result.reason or "The payment was declined.")


def _fail(order: Order, reason: str) -> None:
    """FAILED, with the reason and the order's stock given back (under the row lock)."""
    order_stock_return(order)
    order.payment_error = reason[:255]
    order_status_set(order, OrderStatus.FAILED, fields=["payment_error"])
