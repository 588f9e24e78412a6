"""Admin for orders: read-only records; cancelling and shipping go through the order
services."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from domain.common.admin_actions import run_on_each
from domain.orders.fulfilment import order_fulfill
from domain.orders.models import Order, OrderLine
from domain.orders.services import order_cancel


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    fields = ("product", "product_name", "unit_price", "quantity")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("number", "customer", "status", "total", "currency", "created_at")
    list_filter = ("status", "currency")
    search_fields = ("number", "customer__email")
    list_select_related = ("customer",)
    readonly_fields = (
        "number",
        "customer",
        "status",
        "total",
        "currency",
        "idempotency_key",
        "payment_attempts",
        "payment_attempted_at",
        "payment_reference",
        "payment_error",
        "confirmation_sent_at",
        "created_at",
        "updated_at",
    )
    inlines = (OrderLineInline,)
    date_hierarchy = "created_at"
    actions = ("fulfil_orders", "cancel_orders")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description="Cancel the selected orders (stock returns)")
    def cancel_orders(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        run_on_each(
            request,
            queryset,
            lambda actor, order: order_cancel(actor=actor, order_id=order.pk),
            label=lambda order: order.number,
            done="{} order(s) cancelled.",
        )

    @admin.action(description="Mark the selected confirmed orders as shipped")
    def fulfil_orders(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        run_on_each(
            request,
            queryset,
            lambda actor, order: order_fulfill(actor=actor, order_id=order.pk),
            label=lambda order: order.number,
            done="{} order(s) shipped.",
        )
