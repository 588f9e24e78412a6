"""Celery tasks of orders, named after the services they call; each one may run twice
(acks_late, redelivery after a worker dies) and is idempotent, as the services explain."""

from __future__ import annotations

from smtplib import SMTPException

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from domain.orders import confirmation, processing, timeouts


@shared_task(bind=True, name="order_process", ignore_result=True, max_retries=None)
def order_process(self: Task, order_id: int) -> str:
    """Payment, then CONFIRMED or FAILED. Retries are bounded by the attempts the service
    counts on the order (ORDER_PAYMENT_MAX_ATTEMPTS), not by Celery."""
    try:
        result = processing.order_process(order_id=order_id)
    except SoftTimeLimitExceeded:  # the provider call took too long: a transient failure
        delay = processing.payment_retry_delay(self.request.retries + 1)
        raise self.retry(countdown=delay) from None
    if result.retry_in is not None:
        raise self.retry(countdown=result.retry_in)
    return result.status


@shared_task(
    name="order_confirmation_send",
    ignore_result=True,
    autoretry_for=(OSError, SMTPException),
    retry_backoff=10,
    retry_backoff_max=settings.TASK_RETRY_MAX_DELAY,
    retry_jitter=True,
    max_retries=8,
)
def order_confirmation_send(order_id: int) -> bool:
    return confirmation.order_confirmation_send(order_id=order_id)


@shared_task(name="orders_overdue_cancel", ignore_result=True)
def orders_overdue_cancel() -> int:
    return timeouts.orders_overdue_cancel()
