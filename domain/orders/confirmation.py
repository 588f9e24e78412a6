"""The confirmation e-mail of a CONFIRMED order, through Django's e-mail backend
(EMAIL_* settings: the console in development, SMTP otherwise).

Sent by the task `order_confirmation_send` after the confirmation commits, so that a
rolled-back confirmation sends nothing. At least once: the order remembers the sending
(`confirmation_sent_at`) and a redelivered task skips it; a worker that dies between the
sending and that mark sends it again (a duplicate e-mail rather than none). A send that
fails (SMTP down) raises, and the task retries."""

from __future__ import annotations

from django.core.mail import send_mail
from django.utils import timezone

from domain.orders.models import Order, OrderStatus


def order_confirmation_send(*, order_id: int) -> bool:
    """Send the e-mail unless it was sent (or the order is no longer confirmed); whether
    this call sent it."""
    order = (
        Order.objects.select_related("customer")
        .filter(
            pk=order_id,
            status__in=(OrderStatus.CONFIRMED, OrderStatus.SHIPPED),
            confirmation_sent_at__isnull=True,
        )
        .first()
    )
    if order is None:
        return False
    send_mail(
        subject=f"Order {order.number} confirmed",
        message=_body(order),
        from_email=None,  # DEFAULT_FROM_EMAIL
        recipient_list=[order.customer.email],
    )
    Order.objects.filter(pk=order.pk, confirmation_sent_at__isnull=True).update(
        confirmation_sent_at=timezone.now()
    )
    return True


def _body(order: Order) -> str:
    lines = [
        f"  {line.quantity} × {line.product_name}  at {line.unit_price} {order.currency}"
        for line in order.lines.order_by("id")
    ]
    return "\n".join(
        [
            f"Thank you: your order {order.number} is confirmed and paid.",
            "",
            *lines,
            "",
            f"Total: {order.total} {order.currency}",
        ]
    )
