"""Relay `node(id:)`, and global ID decoding that never raises on bad input.

`node` answers null for a malformed ID, an ID of an unknown type, or an object the caller
may not see: the answer never tells whether something exists. Each model has exactly one
GraphQL type, so a global ID can never reach a more privileged type of the same model.
"""

from __future__ import annotations

import inspect
from typing import Any

import strawberry
from strawberry import relay

from graphql_api.context import Info


def decode_global_id(value: Any, *, type_name: str | None = None) -> int | None:
    """The integer primary key in a global ID, or None when it is malformed or (with
    `type_name`) of another type."""
    try:
        global_id = value if isinstance(value, relay.GlobalID) else relay.GlobalID.from_id(value)
        pk = int(global_id.node_id)
    except (ValueError, TypeError, relay.GlobalIDValueError):
        return None
    if type_name is not None and global_id.type_name != type_name:
        return None
    return pk if pk > 0 else None


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object by its global ID; null when not visible to you.")
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        try:
            global_id = relay.GlobalID.from_id(id)
        except (ValueError, TypeError, relay.GlobalIDValueError):
            return None
        if decode_global_id(global_id) is None:
            return None
        type_definition = info.schema.get_type_by_name(global_id.type_name)
        origin = getattr(type_definition, "origin", None)
        if origin is None or not isinstance(origin, type) or not issubclass(origin, relay.Node):
            return None
        node = origin.resolve_node(global_id.node_id, info=info, required=False)
        return await node if inspect.isawaitable(node) else node
