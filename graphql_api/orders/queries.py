"""Order root fields."""

from __future__ import annotations

from typing import Any

import strawberry
import strawberry_django
from django.db.models import QuerySet

from domain.orders import selectors
from graphql_api.common.errors import unauthenticated
from graphql_api.common.permissions import domain_refusals_as_errors
from graphql_api.context import Info, viewer_of
from graphql_api.execution.page_rules import CursorConnection
from graphql_api.orders.types import OrderStatusEnum, OrderType


@strawberry.type
class OrderQuery:
    @strawberry_django.connection(
        CursorConnection[OrderType], description="Your orders, newest first. Needs sign-in."
    )
    def my_orders(self, info: Info) -> QuerySet[Any]:
        viewer = viewer_of(info)
        if not viewer.is_authenticated:
            raise unauthenticated("Sign in to see your orders.")
        with domain_refusals_as_errors():
            return selectors.order_list_of_customer(customer=viewer)

    @strawberry_django.connection(
        CursorConnection[OrderType],
        description="Staff: every customer's orders, newest first; `status` narrows them.",
    )
    def orders(self, info: Info, status: OrderStatusEnum | None = None) -> QuerySet[Any]:
        with domain_refusals_as_errors():
            return selectors.order_list_for_staff(
                user=viewer_of(info), status=status.value if status is not None else None
            )
