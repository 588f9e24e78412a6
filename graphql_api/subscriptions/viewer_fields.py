"""Which fields of a subscription event may differ between two viewers of one class.

A subscription event's answer is executed once per viewer class in a process when its
document reads only fields whose value, for a given parent object, is the same for every
viewer of that class (graphql_api/execution/shared_execution.py). The classes: everyone
who is not staff (anonymous callers and every signed-in customer alike), and staff (who
see unpublished products, and every account's private fields).

Every field of every type a subscription can reach is declared here, once: either in
`SAME_FOR_VIEWER_CLASS` or in `PER_VIEWER` (tests/graphql_api/subscriptions/
test_viewer_fields.py fails for a field in neither, so a new field must be decided on, and
compares the answers of the shareable fields across viewers). A field not in
`SAME_FOR_VIEWER_CLASS` makes the document's answer per viewer, as is any document this
module cannot follow (an abstract type, an unknown fragment).

Which events a subscriber receives is not decided here: that stays per subscriber
(the subscription's own filters and the event's visibility to its viewer).
"""

from __future__ import annotations

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)

# The value may depend on who the viewer is, beyond being staff or not.
PER_VIEWER = frozenset(
    {
        "Product.isFavorite",  # the viewer's own favourites (False for anonymous callers)
        "User.email",  # private fields: shown to the user themself and to staff
        "User.isStaff",
        "User.favorites",
        "Subscription.myOrderUpdates",  # the viewer's own orders
        "OrderEvent.order",
        "Order.customer",  # the owner and staff who read orders see it; others get null
    }
)

# The value, for one parent object, is the same for every viewer of a class. Visibility
# rules these fields apply depend on the staff role only (product_restrict_to_visible,
# review_restrict_to_visible, product_is_visible_to); `ProductImage.url` has no request
# host over WebSocket.
SAME_FOR_VIEWER_CLASS = frozenset(
    {
        "Subscription.productEvents",
        *(
            f"ProductEvent.{name}"
            for name in ("cursor", "type", "occurredAt", "productId", "changedFields", "product")
        ),
        *(
            f"Product.{name}"
            for name in (
                "id",
                "name",
                "slug",
                "description",
                "price",
                "currency",
                "stock",
                "isPublished",
                "reviewCount",
                "createdAt",
                "updatedAt",
                "category",
                "reviews",
                "ratingAvg",
                "images",
                "primaryImage",
            )
        ),
        *(
            f"Category.{name}"
            for name in ("id", "name", "slug", "position", "parent", "productCount")
        ),
        *(
            f"{connection}.{name}"
            for connection in ("ReviewCursorConnection", "ProductCursorConnection")
            for name in ("pageInfo", "edges", "totalCount")
        ),
        *(
            f"PageInfo.{name}"
            for name in ("hasNextPage", "hasPreviousPage", "startCursor", "endCursor")
        ),
        *(
            f"{edge}.{name}"
            for edge in ("ReviewCursorEdge", "ProductCursorEdge")
            for name in ("cursor", "node")
        ),
        *(
            f"Review.{name}"
            for name in (
                "id",
                "rating",
                "title",
                "body",
                "createdAt",
                "updatedAt",
                "product",
                "author",
            )
        ),
        "User.id",
        "User.displayName",
        "ProductImage.altText",
        "ProductImage.position",
        "ProductImage.url",
        "OrderEvent.cursor",
        "OrderEvent.type",
        "OrderEvent.occurredAt",
        *(
            f"Order.{name}"
            for name in (
                "id",
                "number",
                "total",
                "currency",
                "createdAt",
                "updatedAt",
                "lines",
                "status",
            )
        ),
        *(f"OrderLine.{name}" for name in ("quantity", "unitPrice", "productName", "product")),
    }
)


def reads_per_viewer_fields(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
) -> bool:
    """Whether `operation` selects a field whose value may differ between two viewers of
    one class (or one this function cannot tell about): @skip and @include are not
    evaluated, so a field counts whenever it is written."""
    root = schema.get_root_type(operation.operation)
    if root is None:
        return True
    return _reads(schema, root, operation.selection_set, fragments, set())


def _reads(
    schema: GraphQLSchema,
    parent: GraphQLObjectType,
    selection_set: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    spread: set[str],
) -> bool:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if _field_reads(schema, parent, selection, fragments, spread):
                return True
            continue
        if isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in spread:
                continue
            spread.add(name)
            fragment = fragments.get(name)
            if fragment is None:
                return True
            condition = fragment.type_condition.name.value
        elif isinstance(selection, InlineFragmentNode):
            fragment = selection
            condition = fragment.type_condition.name.value if fragment.type_condition else None
        else:
            return True
        inner = parent if condition is None else schema.get_type(condition)
        if not isinstance(inner, GraphQLObjectType):
            return True
        if _reads(schema, inner, fragment.selection_set, fragments, spread):
            return True
    return False


def _field_reads(
    schema: GraphQLSchema,
    parent: GraphQLObjectType,
    node: FieldNode,
    fragments: dict[str, FragmentDefinitionNode],
    spread: set[str],
) -> bool:
    name = node.name.value
    if name == "__typename":
        return False
    if f"{parent.name}.{name}" not in SAME_FOR_VIEWER_CLASS:
        return True
    if node.selection_set is None:
        return False
    field = parent.fields.get(name)
    returned = get_named_type(field.type) if field is not None else None
    if not isinstance(returned, GraphQLObjectType):
        return True
    return _reads(schema, returned, node.selection_set, fragments, spread)
