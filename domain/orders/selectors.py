"""Reads of orders: a customer sees their own orders, staff see all."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from domain.common.permissions import StaffScope, is_signed_in, is_staff
from domain.orders.models import Order


def order_restrict_to_visible(queryset: QuerySet[Order], *, user: Any) -> QuerySet[Order]:
    if is_staff(user, StaffScope.ORDERS_READ):
        return queryset
    if not is_signed_in(user):
        return queryset.none()
    return queryset.filter(customer=user)


def order_list_of_customer(*, customer: Any) -> QuerySet[Order]:
    """The orders `customer` placed, newest first."""
    if not is_signed_in(customer):
        return Order.objects.none()
    return Order.objects.filter(customer=customer)


def order_get_visible(*, order_id: int, user: Any) -> Order | None:
    """One order as `user` may see it, with its lines and their products (two queries)."""
    return (
        order_restrict_to_visible(Order.objects.filter(pk=order_id), user=user)
        .prefetch_related("lines__product")
        .first()
    )
