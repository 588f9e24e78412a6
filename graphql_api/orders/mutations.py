"""Order mutations: place and cancel, each one domain service call."""

from __future__ import annotations

import strawberry

from domain.orders import fulfilment, services
from graphql_api.common.nodes import decode_global_id, service_pk
from graphql_api.common.payload_errors import MutationError, call_service, not_found_error
from graphql_api.context import Info, viewer_of
from graphql_api.orders.types import OrderType


@strawberry.input(name="OrderLineInput")
class OrderLineInput:
    product_id: strawberry.ID
    quantity: int = strawberry.field(description="1 to 100.")


@strawberry.input(name="OrderPlaceInput")
class OrderPlaceInput:
    lines: list[OrderLineInput] = strawberry.field(
        description="1 to 50 lines; lines of the same product are merged."
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Send the same key when retrying: you get the first order back, not a second.",
    )


@strawberry.type(name="OrderPayload")
class OrderPayload:
    order: OrderType | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.type
class OrderMutation:
    @strawberry.mutation(description="Place an order: stock is reserved for every line or none.")
    async def order_place(self, info: Info, input: OrderPlaceInput) -> OrderPayload:
        lines = [
            services.OrderLineRequest(
                product_id=service_pk(line.product_id, type_name="Product"),
                quantity=line.quantity,
            )
            for line in input.lines
        ]
        order, errors = await call_service(
            services.order_place,
            actor=viewer_of(info),
            lines=lines,
            idempotency_key=input.idempotency_key,
        )
        return OrderPayload(order=order, errors=errors)

    @strawberry.mutation(description="Cancel a pending or confirmed order; its stock returns.")
    async def order_cancel(self, info: Info, id: strawberry.ID) -> OrderPayload:
        order_id = decode_global_id(id, type_name="Order")
        if order_id is None:
            return OrderPayload(errors=[not_found_error("id", "order")])
        order, errors = await call_service(
            services.order_cancel,
            paths={"order_id": "id"},
            actor=viewer_of(info),
            order_id=order_id,
        )
        return OrderPayload(order=order, errors=errors)

    @strawberry.mutation(description="Staff: ship a confirmed order (CONFIRMED -> SHIPPED).")
    async def order_fulfill(self, info: Info, id: strawberry.ID) -> OrderPayload:
        order, errors = await call_service(
            fulfilment.order_fulfill,
            paths={"order_id": "id"},
            actor=viewer_of(info),
            order_id=service_pk(id, type_name="Order"),
        )
        return OrderPayload(order=order, errors=errors)
