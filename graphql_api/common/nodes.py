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


class MalformedGlobalId(ValueError):
    """Not a global ID, or one whose node id is not an integer."""


class WrongGlobalIdType(ValueError):
    """A well-formed global ID of another type than the one asked for."""


def global_id_node_pk(value: Any, *, type_name: str | None = None) -> int:
    """The integer node id in a global ID, whatever its sign; raises MalformedGlobalId, or
    WrongGlobalIdType when (with `type_name`) it names another type."""
    try:
        global_id = value if isinstance(value, relay.GlobalID) else relay.GlobalID.from_id(value)
    except (ValueError, TypeError, relay.GlobalIDValueError):
        raise MalformedGlobalId(value) from None
    if type_name is not None and global_id.type_name != type_name:
        raise WrongGlobalIdType(value)
    try:
        return int(global_id.node_id)
    except (ValueError, TypeError):
        raise MalformedGlobalId(value) from None


def decode_global_id(value: Any, *, type_name: str | None = None) -> int | None:
    """The integer primary key in a global ID, or None when it is malformed, (with
    `type_name`) of another type, or not a key a row can have (0 or below)."""
    try:
        pk = global_id_node_pk(value, type_name=type_name)
    except ValueError:
        return None
    return pk if pk > 0 else None


# No row has this primary key (keys start at 1).
NO_SUCH_PK = 0


def service_pk(value: Any, *, type_name: str) -> int:
    """A global ID as a service's id argument. An ID that does not decode (malformed, of
    another type, null) becomes NO_SUCH_PK: the service then reports the object missing
    in its own order of checks (a non-staff caller is refused before being told that), as
    it would for any id that names nothing."""
    return decode_global_id(value, type_name=type_name) or NO_SUCH_PK


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
