"""Event rows. The row id is the cursor of a stream (opaque in the API)."""

from __future__ import annotations

from typing import ClassVar

from django.db import models


class ProductEventType(models.TextChoices):
    CREATED = "product.created"
    UPDATED = "product.updated"
    DELETED = "product.deleted"
    PRICE_CHANGED = "product.price_changed"
    STOCK_CHANGED = "product.stock_changed"
    PUBLISHED = "product.published"
    UNPUBLISHED = "product.unpublished"
    REVIEW_ADDED = "product.review_added"


class OrderEventType(models.TextChoices):
    CREATED = "order.created"
    STATUS_CHANGED = "order.status_changed"


class OutboxEvent(models.Model):
    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    changed_fields = models.JSONField(default=list, blank=True)
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="When it reached the channel layer; null = backlog."
    )

    class Meta:
        abstract = True


class ProductEvent(OutboxEvent):
    type = models.CharField(max_length=40, choices=ProductEventType.choices)
    product_id = models.BigIntegerField(db_index=True)
    category_id = models.BigIntegerField(null=True, blank=True)
    previous_category_id = models.BigIntegerField(
        null=True, blank=True, help_text="Set when this change moved the product out of it."
    )
    categories = models.JSONField(
        default=dict,
        blank=True,
        help_text="The categories whose subtrees held the product just before or just after "
        'the change (its category and that one\'s ancestors), keyed by id: {"7": true}.',
    )
    is_public = models.BooleanField(
        help_text="Whether non-staff may receive it: the product is published after the "
        "change, or (unpublished, deleted) was published before it."
    )

    class Meta:
        ordering = ("id",)
        indexes: ClassVar = [
            models.Index(
                fields=["id"],
                condition=models.Q(published_at__isnull=True),
                name="product_event_unpublished",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.product_id}"


class OrderEvent(OutboxEvent):
    type = models.CharField(max_length=40, choices=OrderEventType.choices)
    order_id = models.BigIntegerField(db_index=True)
    owner_id = models.BigIntegerField(db_index=True)
    status = models.CharField(max_length=16)

    class Meta:
        ordering = ("id",)
        indexes: ClassVar = [
            models.Index(
                fields=["id"],
                condition=models.Q(published_at__isnull=True),
                name="order_event_unpublished",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.order_id}"
