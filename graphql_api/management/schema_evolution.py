"""Schema evolution: what a change of the schema does to the clients of the last release.

Clients are not versioned by URL here, so every schema is read by every client ever
shipped. `schema.released.graphql` (at the repository root) is the schema of the last
release; `compare(released, current)` runs graphql-core's `find_breaking_changes` and
`find_dangerous_changes` between it and the current one:

- a breaking change (a field, argument, input field, enum value or type removed, a type
  changed incompatibly, a new required argument...) is refused, except the removal of an
  element that the released schema already marked `@deprecated`: clients were told, and
  the deprecation shipped in a release before the removal did;
- dangerous changes (a value added to an enum, an optional argument added, a default
  changed...) are allowed: they are listed for whoever moves the release forward
  (`manage.py export_schema --release` prints them) and in a failing check's message.

How to remove a field: mark it `deprecation_reason="Use x instead."` (strawberry), release,
then remove it; see the README, "Evolving the schema".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql import (
    BreakingChange,
    DangerousChange,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumValueDefinitionNode,
    FieldDefinitionNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InputValueDefinitionNode,
    Node,
    Visitor,
    build_ast_schema,
    build_schema,
    find_breaking_changes,
    find_dangerous_changes,
    parse,
    visit,
)
from graphql.language import REMOVE

RELEASED_SCHEMA_FILE = "schema.released.graphql"


@dataclass(frozen=True)
class SchemaChanges:
    breaking: list[BreakingChange] = field(default_factory=list)
    dangerous: list[DangerousChange] = field(default_factory=list)
    # Elements removed after a release marked them deprecated ("Type.field", "Type.field(arg)").
    removed_deprecated: list[str] = field(default_factory=list)

    def report(self) -> str:
        """The changes, one a line, for a person to read."""
        lines = [f"breaking: {change.description}" for change in self.breaking]
        lines += [f"removed after deprecation: {name}" for name in self.removed_deprecated]
        lines += [f"dangerous (allowed): {change.description}" for change in self.dangerous]
        return "\n".join(lines) or "no changes that could affect clients"


def _is_deprecated(node: Any) -> bool:
    return any(directive.name.value == "deprecated" for directive in node.directives or ())


def _fields_of(schema: GraphQLSchema, type_name: str) -> dict[str, Any] | None:
    type_ = schema.type_map.get(type_name)
    if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
        return type_.fields
    return None


class _RemovedDeprecated(Visitor):
    """Drops from a released schema's document each deprecated element the current schema
    no longer has, and records its name."""

    def __init__(self, current: GraphQLSchema) -> None:
        super().__init__()
        self.current = current
        self.removed: list[str] = []

    @staticmethod
    def _owners(ancestors: list[Any]) -> list[Node]:
        return [node for node in ancestors if isinstance(node, Node)]

    def _drop(self, name: str) -> Any:
        self.removed.append(name)
        return REMOVE

    def enter_field_definition(self, node: FieldDefinitionNode, *args: Any) -> Any:
        type_name = self._owners(args[3])[-1].name.value
        fields = _fields_of(self.current, type_name)
        if _is_deprecated(node) and fields is not None and node.name.value not in fields:
            return self._drop(f"{type_name}.{node.name.value}")
        return None

    def enter_input_value_definition(self, node: InputValueDefinitionNode, *args: Any) -> Any:
        if not _is_deprecated(node):
            return None
        owners = self._owners(args[3])
        if isinstance(owners[-1], FieldDefinitionNode):  # an argument
            type_name, field_name = owners[-2].name.value, owners[-1].name.value
            fields = _fields_of(self.current, type_name)
            current_field = (fields or {}).get(field_name)
            if current_field is not None and node.name.value not in current_field.args:
                return self._drop(f"{type_name}.{field_name}({node.name.value})")
            return None
        type_name = owners[-1].name.value  # an input field
        fields = _fields_of(self.current, type_name)
        if fields is not None and node.name.value not in fields:
            return self._drop(f"{type_name}.{node.name.value}")
        return None

    def enter_enum_value_definition(self, node: EnumValueDefinitionNode, *args: Any) -> Any:
        owner = self._owners(args[3])[-1]
        assert isinstance(owner, EnumTypeDefinitionNode)
        current = self.current.type_map.get(owner.name.value)
        if (
            _is_deprecated(node)
            and isinstance(current, GraphQLEnumType)
            and node.name.value not in current.values
        ):
            return self._drop(f"{owner.name.value}.{node.name.value}")
        return None


def compare(released_sdl: str, current_sdl: str) -> SchemaChanges:
    """What `current_sdl` changes for the clients of `released_sdl`."""
    current = build_schema(current_sdl)
    dropping = _RemovedDeprecated(current)
    released_document: DocumentNode = visit(parse(released_sdl), dropping)
    released = build_ast_schema(released_document)
    return SchemaChanges(
        breaking=find_breaking_changes(released, current),
        dangerous=find_dangerous_changes(released, current),
        removed_deprecated=dropping.removed,
    )


def released_schema_path(base_dir: Path) -> Path:
    return base_dir / RELEASED_SCHEMA_FILE
