"""The selection of an operation as the standard executor would collect it: fields merged
by response key in first-occurrence order, fragments expanded for one concrete type,
`@include`/`@skip` applied, arguments coerced.

Library internals relied on (checked with graphql-core 3.3.2):
- `graphql.execution.values.get_directive_values`: `@include`/`@skip` as execution reads
  them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLIncludeDirective,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    SelectionSetNode,
    get_argument_values,
    get_named_type,
)
from graphql.execution.values import get_directive_values


class NotCompilable(Exception):
    """The selection uses something no plan covers: the standard executor runs it."""


@dataclass
class Selected:
    """One response key: the field it reads, its arguments, what it selects below."""

    key: str
    name: str
    arguments: dict[str, Any]
    type_name: str  # the named type of the field's value
    fields: list[Selected] = field(default_factory=list)

    def child(self, name: str) -> Selected | None:
        return next((f for f in self.fields if f.name == name), None)


def _included(node: Any, variables: dict[str, Any]) -> bool:
    skip = get_directive_values(GraphQLSkipDirective, node, variables)
    if skip and skip.get("if") is True:
        return False
    include = get_directive_values(GraphQLIncludeDirective, node, variables)
    return not (include and include.get("if") is False)


def _collect(
    type_: GraphQLObjectType,
    selection_sets: list[SelectionSetNode],
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    grouped: dict[str, list[FieldNode]],
    visited: set[str],
) -> None:
    for selection_set in selection_sets:
        for node in selection_set.selections:
            if not _included(node, variables):
                continue
            if isinstance(node, FieldNode):
                key = node.alias.value if node.alias else node.name.value
                grouped.setdefault(key, []).append(node)
                continue
            if isinstance(node, FragmentSpreadNode):
                name = node.name.value
                if name in visited:
                    continue
                visited.add(name)
                fragment = fragments[name]
                condition = fragment.type_condition.name.value
                body = fragment.selection_set
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition.name.value if node.type_condition else None
                body = node.selection_set
            else:  # pragma: no cover - no other selection kinds exist
                raise NotCompilable(node.kind)
            if condition is not None and condition != type_.name:
                # An interface or union condition (Node) would need the abstract type's
                # rules: not covered.
                raise NotCompilable(f"fragment on {condition}")
            _collect(type_, [body], fragments, variables, grouped, visited)


def collect(
    schema: GraphQLSchema,
    type_: GraphQLObjectType,
    selection_sets: list[SelectionSetNode],
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    *,
    node_type: Callable[[GraphQLSchema, str, dict[str, Any]], GraphQLObjectType] | None = None,
) -> list[Selected]:
    """The fields `selection_sets` select on an object of `type_`, recursively. A field of
    an abstract type is collected on the object type `node_type` names for its arguments
    (NotCompilable when it names none), if given."""
    grouped: dict[str, list[FieldNode]] = {}
    _collect(type_, selection_sets, fragments, variables, grouped, set())
    selected = []
    for key, nodes in grouped.items():
        name = nodes[0].name.value
        if len(key.encode()) > 63:  # PostgreSQL would truncate the column name
            raise NotCompilable("response key longer than 63 bytes")
        if name == "__typename":
            selected.append(Selected(key, name, {}, "String"))
            continue
        if name.startswith("__"):
            raise NotCompilable("introspection")
        definition = type_.fields[name]
        named = get_named_type(definition.type)
        arguments = get_argument_values(definition, nodes[0], variables)
        children: list[Selected] = []
        if not isinstance(named, GraphQLObjectType) and nodes[0].selection_set is not None:
            if node_type is None:
                raise NotCompilable(f"abstract type {named.name}")
            named = node_type(schema, name, arguments)
        if isinstance(named, GraphQLObjectType):
            sets = [n.selection_set for n in nodes if n.selection_set is not None]
            children = collect(schema, named, sets, fragments, variables)
        selected.append(Selected(key, name, arguments, named.name, children))
    return selected
