"""The graphql-core schema under the strawberry schema, for the checks that run graphql-core's
own machinery (validation, variable coercion, cost, page rules, direct resolvers) and for
tests that validate documents against it.

Strawberry builds a `graphql.GraphQLSchema` from the Python types and keeps it on the
schema object; it offers no public accessor, so this is the one place that reaches it.

Library internals relied on (checked with strawberry-graphql 0.341.2):
- `strawberry.schema.schema.Schema._schema` (instance attribute): the built graphql-core
  schema that strawberry executes against.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLSchema


def core_schema(schema: Any) -> GraphQLSchema:
    """The graphql-core schema strawberry built for `schema` (a `strawberry.Schema`)."""
    built = schema._schema
    if not isinstance(built, GraphQLSchema):  # an upgrade moved it: fail here, by name
        raise TypeError("strawberry.Schema._schema is no longer a graphql.GraphQLSchema")
    return built
