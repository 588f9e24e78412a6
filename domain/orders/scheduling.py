"""Sending the order tasks (domain/orders/tasks.py) after the current transaction commits.

A task sent from inside a transaction could run before the commit and find nothing (or
the old row); one sent after a rollback would process an order that does not exist. So
services schedule them with `transaction.on_commit`. The callbacks are robust: a broker
that cannot be reached, or (in the embedded, eager mode) a task that raises, is logged and
never turns the write that committed into an error. An order whose processing could not be
sent stays PENDING, and the timeout task (domain/orders/timeouts.py) cancels it."""

from __future__ import annotations

from django.db import transaction


def order_processing_schedule(*, order_id: int) -> None:
    """Send `order_process` for the order once the current transaction commits."""
    from domain.orders import tasks  # imported late: the tasks import the services

    transaction.on_commit(lambda: tasks.order_process.delay(order_id), robust=True)


def order_confirmation_schedule(*, order_id: int) -> None:
    """Send `order_confirmation_send` for the order once the current transaction commits."""
    from domain.orders import tasks

    transaction.on_commit(lambda: tasks.order_confirmation_send.delay(order_id), robust=True)
