"""The static cost of an operation: an upper bound on the values its answer can hold.

Computed from the validated document and the request's variables, before anything runs:

- a leaf (scalar, enum, or a list of them) costs 1, except long text anyone may write,
  which costs a unit per 100 characters it may hold (`LEAF_COSTS`: a review's body);
- an object costs 1 plus what is selected in it;
- a list of objects costs 1 plus its size times what is selected in each item, where the
  size is the connection's `first`/`last` (MAX_PAGE_SIZE when neither is given) for the
  `edges`/`nodes` of a connection, or the most items the domain allows for other lists
  (`LIST_SIZES`, by item type);
- a fragment counts once per spread, as if written out there (validation has refused
  cycles already); aliases count as separate fields; `@skip`/`@include` are ignored (an
  upper bound);
- a mutation field costs GRAPHQL_MUTATION_COST more (2,000): a write holds locks, writes
  an event, moves caches and reaches subscribers, whatever little it selects, so the
  budget bounds how often a client may write (and move the anonymous cache's version);
- `__typename` is free; `__schema` costs SCHEMA_INTROSPECTION_COST and `__type`
  TYPE_INTROSPECTION_COST, whatever they select: the schema is static, so what they can
  answer is bounded (graphql-core also caps the nesting of introspection lists), and the
  figures are set from the largest answers measured on this schema (one `__schema` with
  every list nested as deep as allowed: about 150 kB; the full introspection query GraphiQL
  sends: 93 kB), so that at most two fit in one document.

So `products(first: 100) { edges { node { reviews(first: 100) { ... } } } }` costs about
100 x 100 x (what a review selects): the cost grows with the answer, not with the text.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableValues,
    get_argument_values,
    get_named_type,
    is_leaf_type,
)

from domain.catalog.services.images import MAX_IMAGES_PER_PRODUCT
from domain.catalog.services.reviews import BODY_MAX as REVIEW_BODY_MAX
from domain.orders.services import MAX_LINES
from graphql_api.execution.page_rules import MAX_PAGE_SIZE

SCHEMA_INTROSPECTION_COST = 25_000
TYPE_INTROSPECTION_COST = 1_000
# Lists that are not connections, by item type: the most items the domain allows.
LIST_SIZES: dict[str, int] = {
    "ProductImage": MAX_IMAGES_PER_PRODUCT,
    "OrderLine": MAX_LINES,
    "MutationError": 10,
}
# Leaves whose values may be long and are written by any customer: a unit per 100 characters.
LEAF_COSTS: dict[tuple[str, str], int] = {("Review", "body"): REVIEW_BODY_MAX // 100}
CONNECTION_SUFFIX = "Connection"


def _is_list(type_: GraphQLOutputType) -> bool:
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def is_connection(type_: GraphQLNamedType) -> bool:
    return isinstance(type_, GraphQLObjectType) and type_.name.endswith(CONNECTION_SUFFIX)


class _Costing:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: VariableValues | None,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self._fragment_costs: dict[tuple[str, int | None], int] = {}

    def selection_set(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType, page: int | None
    ) -> int:
        """What `selection_set` costs once; `page` is the page size when `parent` is a
        connection type (its lists hold that many items)."""
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = (
                    self.schema.get_type(selection.type_condition.name.value)
                    if selection.type_condition
                    else parent
                )
                if condition is not None:
                    total += self.selection_set(selection.selection_set, condition, page)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value, page)
        return total

    def fragment(self, name: str, page: int | None) -> int:
        key = (name, page)
        if key not in self._fragment_costs:
            definition = self.fragments[name]
            condition = self.schema.get_type(definition.type_condition.name.value)
            self._fragment_costs[key] = (
                self.selection_set(definition.selection_set, condition, page)
                if condition is not None
                else 0
            )
        return self._fragment_costs[key]

    def field(self, node: FieldNode, parent: GraphQLNamedType, page: int | None) -> int:
        name = node.name.value
        if name == "__typename":
            return 0
        if name == "__schema":
            return SCHEMA_INTROSPECTION_COST
        if name == "__type":
            return TYPE_INTROSPECTION_COST
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 1
        definition = parent.fields.get(name)
        if definition is None:
            return 1  # not reachable after validation
        named = get_named_type(definition.type)
        if is_leaf_type(named) or node.selection_set is None:
            return LEAF_COSTS.get((parent.name, name), 1)
        page_size = self._page_size(definition, node) if is_connection(named) else None
        children = self.selection_set(node.selection_set, named, page_size)
        if not _is_list(definition.type):
            return 1 + children
        size = page if page is not None else LIST_SIZES.get(named.name, MAX_PAGE_SIZE)
        return 1 + size * children

    def _page_size(self, definition: GraphQLField, node: FieldNode) -> int:
        arguments = get_argument_values(definition, node, self.variables)
        sizes = [
            value
            for value in (arguments.get("first"), arguments.get("last"))
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0
        ]
        return max(sizes) if sizes else MAX_PAGE_SIZE


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: VariableValues | None,
) -> int:
    """The cost of `operation` of a validated `document` with coerced `variables`."""
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    cost = _Costing(schema, fragments, variables).selection_set(operation.selection_set, root, None)
    if operation.operation is OperationType.MUTATION:
        cost += settings.GRAPHQL_MUTATION_COST * _mutation_fields(
            operation.selection_set, fragments
        )
    return cost


def _mutation_fields(
    selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> int:
    """How many mutation fields (aliases apart, fragments once per spread) run."""
    count = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            count += selection.name.value != "__typename"
        elif isinstance(selection, InlineFragmentNode):
            count += _mutation_fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            count += _mutation_fields(fragments[selection.name.value].selection_set, fragments)
    return count
