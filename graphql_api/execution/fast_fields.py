"""Cheap resolvers for plain column fields and Relay IDs.

Every strawberry field pays for its generic machinery (argument conversion, extensions,
queryset hooks): about 20 µs a value, which is most of a large catalog response. A field
that only reads a loaded column of a model instance needs none of it, so after the
schema is built each such field gets a direct attribute read, and each model type's
`id` a direct GlobalID. Values and serialization are unchanged (the GraphQL scalars still
serialize them); only the path to the value is shorter.

A field qualifies when it is a strawberry-django field with no resolver, no extensions,
no permissions, and maps to a concrete, non-relational model column; or when its resolver
is marked `@pure` (computes from the loaded instance, never touches the database), which
spares it strawberry-django's thread hop for sync resolvers.

A replaced resolver skips every extension's `resolve` hook for that field: the schema's
extensions must not implement one (QuerysetOptimizerExtension drops the optimizer's).

Library internals relied on (checked with strawberry-graphql 0.341.2 and
strawberry-graphql-django 0.93.0):
- `graphql.GraphQLField.resolve` (instance attribute): rewritten after strawberry built the
  schema; graphql-core calls it directly, strawberry's field machinery is skipped.
- `strawberry.types.base.StrawberryObjectDefinition`: what `Schema.get_type_by_name`
  returns for an object type.
- `strawberry.types.base.StrawberryObjectDefinition.origin` (instance attribute): the
  Python class of a type.
- `strawberry.types.base.StrawberryObjectDefinition.fields` (instance attribute): the
  strawberry fields of a type.
- `strawberry.types.field.StrawberryField.base_resolver` (instance attribute): a field's
  resolver, None for a plain field.
- `strawberry.types.fields.resolver.StrawberryResolver.wrapped_func` (instance attribute):
  the function under a resolver, where `@pure` leaves its mark.
- `strawberry.schema.name_converter.NameConverter.get_graphql_name`: a field's GraphQL name.
- `strawberry_django.fields.base.StrawberryDjangoFieldBase`: the base of strawberry-django's
  fields (a model-backed field).
- `strawberry_django.fields.base.StrawberryDjangoFieldBase.django_name` (instance attribute):
  the model field a strawberry-django field reads.
- `strawberry_django.type.StrawberryDjangoDefinition`: found on each strawberry-django
  type as its `__strawberry_django_definition__` (the test checks the built schema's).
- `strawberry_django.type.StrawberryDjangoDefinition.model` (instance attribute): the model
  of a strawberry-django type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from graphql import GraphQLObjectType
from strawberry import relay
from strawberry.types.base import StrawberryObjectDefinition
from strawberry_django.fields.base import StrawberryDjangoFieldBase

from graphql_api.execution.core_schema import core_schema

PURE_MARK = "_graphql_api_pure"


def pure(resolver: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a `(root, info)` resolver as computing from the loaded instance only."""
    setattr(resolver, PURE_MARK, True)
    return resolver


def _pure_caller(function: Callable[..., Any]) -> Callable[..., Any]:
    def resolve(root: Any, info: Any, **_: Any) -> Any:
        return function(root, info)

    return resolve


def _attribute_reader(attribute: str) -> Callable[..., Any]:
    def resolve(root: Any, info: Any, **_: Any) -> Any:
        return getattr(root, attribute)

    return resolve


def _global_id_reader(type_name: str) -> Callable[..., Any]:
    def resolve(root: Any, info: Any, **_: Any) -> relay.GlobalID:
        return relay.GlobalID(type_name=type_name, node_id=str(root.pk))

    return resolve


def _column_attribute(model: Any, field: StrawberryDjangoFieldBase) -> str | None:
    name = field.django_name or field.python_name
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if model_field.is_relation or not model_field.concrete:
        return None
    return model_field.attname


def install_fast_resolvers(schema: Any) -> int:
    """Give qualifying fields of `schema` direct resolvers; returns how many were changed."""
    changed = 0
    for graphql_type in core_schema(schema).type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        definition = schema.get_type_by_name(graphql_type.name)
        django_definition = getattr(
            getattr(definition, "origin", None), "__strawberry_django_definition__", None
        )
        if not isinstance(definition, StrawberryObjectDefinition) or django_definition is None:
            continue
        model = django_definition.model
        for field in definition.fields:
            graphql_field = graphql_type.fields.get(
                schema.config.name_converter.get_graphql_name(field)
            )
            if graphql_field is None:
                continue
            if field.python_name == "id" and issubclass(definition.origin, relay.Node):
                graphql_field.resolve = _global_id_reader(graphql_type.name)
                changed += 1
                continue
            if field.extensions or getattr(field, "permission_classes", None):
                continue  # those must keep running
            resolver = field.base_resolver
            if resolver is not None and getattr(resolver.wrapped_func, PURE_MARK, False):
                graphql_field.resolve = _pure_caller(resolver.wrapped_func)
                changed += 1
                continue
            if not isinstance(field, StrawberryDjangoFieldBase) or resolver is not None:
                continue
            attribute = _column_attribute(model, field)
            if attribute is not None:
                graphql_field.resolve = _attribute_reader(attribute)
                changed += 1
    return changed
