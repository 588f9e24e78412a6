"""Reads of orders: a customer sees their own orders, staff see all."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from domain.orders.models import Order


def order_restrict_to_visible(queryset: QuerySet[Order], *, user: Any) -> QuerySet[Order]:
    if user is None or not user.is_authenticated:
        return queryset.none()
    if user.is_staff:
        return queryset
    return queryset.filter(customer=user)


def order_list_of_customer(*, customer: Any) -> QuerySet[Order]:
    """The orders `customer` placed, newest first."""
    if customer is None or not customer.is_authenticated:
        return Order.objects.none()
    return Order.objects.filter(customer=customer)


def order_get_visible(*, order_id: int, user: Any) -> Order | None:
    """One order as `user` may see it, with its lines and their products (two queries)."""
    return (
        order_restrict_to_visible(Order.objects.filter(pk=order_id), user=user)
        .prefetch_related("lines__product")
        .first()
    )
