"""Reads of orders: a customer sees their own orders, staff see all."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from domain.common.permissions import (
    StaffScope,
    acts_as_themself,
    is_signed_in,
    is_staff,
    require_customer,
    require_staff,
)
from domain.orders.models import Order, OrderStatus


def order_restrict_to_visible(queryset: QuerySet[Order], *, user: Any) -> QuerySet[Order]:
    if is_staff(user, StaffScope.ORDERS_READ):
        return queryset
    if not acts_as_themself(user):
        return queryset.none()  # anonymous, or an API key without ORDERS_READ
    return queryset.filter(customer=user)


def order_list_for_staff(*, user: Any, status: str | None = None) -> QuerySet[Order]:
    """Every customer's orders, newest first (then by id), for staff holding ORDERS_READ;
    `status` narrows them. Anyone else is refused (UNAUTHENTICATED or PERMISSION_DENIED),
    never given an empty list."""
    require_staff(user, scope=StaffScope.ORDERS_READ, action="list every customer's orders")
    orders = Order.objects.order_by("-created_at", "-id")
    if status is not None:
        orders = orders.filter(status=OrderStatus(status))
    return orders


def order_customer_visible_to(order: Order, *, user: Any) -> bool:
    """Who placed an order is seen by its owner and by staff holding ORDERS_READ (the rule
    for one loaded order; the lists above only hold orders that pass it)."""
    if is_staff(user, StaffScope.ORDERS_READ):
        return True
    return acts_as_themself(user) and order.customer_id == user.pk


def order_list_of_customer(*, customer: Any) -> QuerySet[Order]:
    """The orders `customer` placed, newest first. An API key has no orders of its own
    (PERMISSION_DENIED: it acts only within its staff scopes)."""
    if not is_signed_in(customer):
        return Order.objects.none()
    require_customer(customer, action="list your own orders")
    return Order.objects.filter(customer=customer)


def order_get_visible(*, order_id: int, user: Any) -> Order | None:
    """One order as `user` may see it, with its lines and their products (two queries)."""
    return (
        order_restrict_to_visible(Order.objects.filter(pk=order_id), user=user)
        .prefetch_related("lines__product")
        .first()
    )
