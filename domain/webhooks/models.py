"""Webhook endpoints, their cursors into the event log, and the record of every attempt."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q

from domain.events.models import OrderEventType, ProductEventType


class WebhookEventType(models.TextChoices):
    """The event types an endpoint may ask for: exactly the event log's types (the dotted
    value is the delivery's `type`; the name is the API's `WebhookEvent` value)."""

    PRODUCT_CREATED = ProductEventType.CREATED.value
    PRODUCT_UPDATED = ProductEventType.UPDATED.value
    PRODUCT_DELETED = ProductEventType.DELETED.value
    PRODUCT_PRICE_CHANGED = ProductEventType.PRICE_CHANGED.value
    PRODUCT_STOCK_CHANGED = ProductEventType.STOCK_CHANGED.value
    PRODUCT_PUBLISHED = ProductEventType.PUBLISHED.value
    PRODUCT_UNPUBLISHED = ProductEventType.UNPUBLISHED.value
    PRODUCT_REVIEW_ADDED = ProductEventType.REVIEW_ADDED.value
    ORDER_CREATED = OrderEventType.CREATED.value
    ORDER_STATUS_CHANGED = OrderEventType.STATUS_CHANGED.value


class EventStream(models.TextChoices):
    """The two event logs an endpoint reads, each by its own cursor."""

    PRODUCT = "product"
    ORDER = "order"


class WebhookEndpoint(models.Model):
    """A receiver of events: a URL that gets a signed POST for each event of its types."""

    url = models.CharField(max_length=2000, help_text="http(s); see addresses.py for the rules.")
    events = models.JSONField(
        default=list, help_text="Event types delivered here (`product.price_changed`, ...)."
    )
    description = models.CharField(max_length=500, blank=True)
    # Stored as it is: it is the key that signs every delivery (HMAC), so it cannot be a
    # one-way hash. The API shows it once, when the endpoint is created; the admin never.
    secret = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.TextField(
        blank=True, help_text="Why deliveries stopped (set when the last retry failed)."
    )
    undelivered_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="While disabled: when the first event it has not received happened (the "
        "failed event, or the moment staff disabled it). Re-enabling checks that the event "
        "log still holds the events since then (resuming.py).",
    )
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Cursors: the id of the last event of each log that is done with for this endpoint
    # (delivered, or not of its types). They move only forward, and only in the transaction
    # that records the successful delivery (or finds nothing of its types up to there).
    product_event_cursor = models.BigIntegerField(default=0)
    order_event_cursor = models.BigIntegerField(default=0)
    # The event being retried (its webhook-id), how many attempts at it failed, and when
    # the next one is due; empty / 0 / null while nothing is failing.
    retry_event_id = models.CharField(max_length=64, blank=True)
    failed_attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes: ClassVar = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(is_active=True),
                name="webhook_endpoint_active",
            ),
        ]

    def __str__(self) -> str:
        return self.url

    def cursor(self, stream: EventStream) -> int:
        if stream == EventStream.PRODUCT:
            return self.product_event_cursor
        return self.order_event_cursor

    def set_cursor(self, stream: EventStream, event_id: int) -> None:
        if stream == EventStream.PRODUCT:
            self.product_event_cursor = max(self.product_event_cursor, event_id)
        else:
            self.order_event_cursor = max(self.order_event_cursor, event_id)


class WebhookDelivery(models.Model):
    """One attempt to deliver one event to one endpoint, whatever its outcome."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    stream = models.CharField(max_length=16, choices=EventStream.choices)
    event_pk = models.BigIntegerField(help_text="The event row's id in its log.")
    event_id = models.CharField(
        max_length=64, help_text="The `webhook-id` sent: the same for every attempt."
    )
    event_type = models.CharField(max_length=40, choices=WebhookEventType.choices)
    attempt = models.PositiveIntegerField(help_text="1 for the first attempt at this event.")
    status_code = models.PositiveIntegerField(
        null=True, blank=True, help_text="The receiver's HTTP status; null when none came."
    )
    succeeded = models.BooleanField()
    duration_ms = models.PositiveIntegerField(
        null=True, blank=True, help_text="From connecting to the answer; null when refused."
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name_plural = "webhook deliveries"
        constraints: ClassVar = [
            # The cursor moves past an event with its one successful delivery, under the
            # endpoint's row lock; the database refuses a second success all the same.
            models.UniqueConstraint(
                fields=["endpoint", "event_id"],
                condition=Q(succeeded=True),
                name="webhook_delivery_one_success",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["endpoint", "-created_at", "-id"], name="webhook_delivery_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} #{self.attempt} → {self.endpoint_id}"
