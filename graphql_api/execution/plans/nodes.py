"""`node(id:)` for the plans: the concrete type a global id names, and its primary key.

Only ids the node field would look up as they are (a Product id whose node id is a
canonical positive integer) are compiled; anything else (malformed, another type, `007`)
falls back, and the standard executor answers (null, or the object of that type)."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema
from strawberry import relay

from graphql_api.execution.plans.selection import NotCompilable

COMPILED_NODE_TYPES = ("Product",)
_MAX_PK = 2**31  # an integer column's range


def _global_id(value: Any) -> relay.GlobalID:
    try:
        global_id = relay.GlobalID.from_id(value)
    except (ValueError, TypeError, relay.GlobalIDValueError) as error:
        raise NotCompilable("malformed id") from error
    if global_id.type_name not in COMPILED_NODE_TYPES:
        raise NotCompilable(f"node of {global_id.type_name}")
    return global_id


def node_pk(value: Any) -> int:
    node_id = _global_id(value).node_id
    # ASCII digits only: "²".isdigit() is true, and int() refuses it.
    if not (node_id.isascii() and node_id.isdigit()):
        raise NotCompilable("not a canonical primary key")
    if str(int(node_id)) != node_id or not 0 < int(node_id) < _MAX_PK:
        raise NotCompilable("not a canonical primary key")
    return int(node_id)


def node_type(schema: GraphQLSchema, field_name: str, arguments: dict[str, Any]) -> Any:
    """The object type `node(id:)` answers with for this id (NotCompilable if none)."""
    if field_name != "node":
        raise NotCompilable(f"abstract field {field_name}")
    node_pk(arguments.get("id"))
    type_ = schema.get_type(_global_id(arguments.get("id")).type_name)
    if not isinstance(type_, GraphQLObjectType):
        raise NotCompilable("not an object type")
    return type_
