"""Orders and their lines. A line snapshots the product's name and unit price."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from domain.common.currencies import DEFAULT_CURRENCY, validate_currency_code
from domain.common.models import TimeStampedModel


class OrderStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    CONFIRMED = "CONFIRMED", "Confirmed"
    SHIPPED = "SHIPPED", "Shipped"
    CANCELLED = "CANCELLED", "Cancelled"
    FAILED = "FAILED", "Failed"


class Order(TimeStampedModel):
    """A customer's order. Its lines keep each product's name and price as they were when
    ordered; its status goes from PENDING to CONFIRMED (paid) and SHIPPED, or to FAILED or
    CANCELLED."""

    number = models.CharField(
        max_length=32, unique=True, help_text="Human-readable, e.g. ORD-20261124-7K3QX9."
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(
        max_length=16, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    total = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(
        max_length=3, default=DEFAULT_CURRENCY, validators=[validate_currency_code]
    )
    # NULL, not "", means "no key": the partial unique constraint skips NULLs.
    idempotency_key = models.CharField(max_length=128, null=True, blank=True)  # noqa: DJ001
    # Payment (domain/orders/processing.py): each attempt is counted, and committed, before
    # the provider is called; the outcome is saved with the status it leads to.
    payment_attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Charge attempts begun (counted before the provider is called)."
    )
    payment_attempted_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last attempt began or was handed back."
    )
    payment_reference = models.CharField(
        max_length=100, blank=True, help_text="The provider's id of the approved charge."
    )
    payment_error = models.CharField(
        max_length=255, blank=True, help_text="Why the payment was declined or last failed."
    )
    confirmation_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the confirmation e-mail went out."
    )

    class Meta:
        ordering = ("-created_at", "-id")
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values), name="order_status_known"
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="order_currency_iso_4217"
            ),
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="order_idempotency_key_per_customer",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["customer", "-created_at", "-id"], name="order_customer_newest"),
            # Staff's list (`orders`, newest first, optionally by status) walks these
            # instead of sorting every order; the second also finds PENDING orders.
            models.Index(fields=["-created_at", "-id"], name="order_newest"),
            models.Index(fields=["status", "-created_at", "-id"], name="order_status_newest"),
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    """One product of an order, with its name and unit price as they were when ordered."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="order_lines"
    )
    product_name = models.CharField(max_length=200, help_text="The name when ordered.")
    unit_price = models.DecimalField(
        max_digits=12, decimal_places=2, help_text="The price when ordered."
    )
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ("id",)
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_quantity_min_1"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="order_line_unit_price_not_negative"
            ),
            models.UniqueConstraint(fields=["order", "product"], name="order_line_product_once"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_name}"
