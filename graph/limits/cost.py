"""How many nodes a document can return, estimated before it runs as GitHub's GraphQL API counts
them: at most HOMEROOM_GRAPHQL_MAX_COST, refused with QUERY_TOO_COSTLY.

- A field with a ``first`` or ``last`` argument is a page: it counts its page size times the page
  sizes of the pages above it, and multiplies everything below it by its page size. The page size
  is the argument's value (a literal, the request's variable, else the variable's default), else
  the argument's default in the schema, else the largest page a list serves (MAX_PAGE_SIZE).
  Fields are found by their arguments, never by name.
- A page that is not itself a list (a connection, or an object holding one) is carried down to the
  first lists below it (``edges`` and ``nodes``): they are that page, counted once at the field
  that asked for it, however many of them are selected.
- A list field with an ``ids`` argument (``nodes(ids:)``) counts one node per id it lists.
- A list of objects without pagination counts UNPAGINATED_LIST_SIZE items the same way.
- Scalars and enums are values, not nodes: they count nothing. Introspection fields (``__schema``)
  are bounded by the schema, not the data: nothing either.
- The whole operation is summed (fragments and inline fragments followed where they are spread).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_operation_ast,
)
from graphql.pyutils import Undefined

from graph.limits.walk import fragments_of
from graph.pagination import MAX_PAGE_SIZE

#: The most nodes a document may be estimated to return by default: two nested full pages
#: (100 × 100 + 100) pass, three do not. GitHub's API allows 500,000 with the same page rule.
DEFAULT_MAX_COST = 25_000
#: The size a list of objects without ``first``/``last`` is assumed to have (closed vocabularies,
#: a user's profiles, a message's status counts).
UNPAGINATED_LIST_SIZE = 20
PAGE_ARGUMENTS = ("first", "last")
#: A list field with this argument returns one node per id it lists (nodes(ids:)).
IDS_ARGUMENT = "ids"


class _Estimate:
    def __init__(self, schema: GraphQLSchema, fragments: Mapping[str, FragmentDefinitionNode],
                 variables: Mapping[str, Any], variable_defaults: Mapping[str, Any], max_page_size: int) -> None:
        self.schema, self.fragments = schema, fragments
        self.variables, self.variable_defaults = variables, variable_defaults
        self.max_page_size = max_page_size

    def selections(self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None, multiplier: int,
                   page: int | None, visiting: frozenset[str]) -> int:
        """The nodes below ``selection_set``; ``page``: the page size a field above asked for and no
        list has taken yet (the next lists down are that page)."""
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, multiplier, page, visiting)
            elif isinstance(selection, InlineFragmentNode):
                narrowed = self._type(selection.type_condition.name.value) if selection.type_condition else parent
                total += self.selections(selection.selection_set, narrowed, multiplier, page, visiting)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in visiting:
                    total += self.selections(fragment.selection_set, self._type(fragment.type_condition.name.value),
                                             multiplier, page, visiting | {name})
        return total

    def field(self, node: FieldNode, parent: GraphQLNamedType | None, multiplier: int, page: int | None,
              visiting: frozenset[str]) -> int:
        name = node.name.value
        if node.selection_set is None or name.startswith("__"):
            return 0
        if not isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)) or name not in parent.fields:
            return 0  # validation reports an unknown field
        definition = parent.fields[name]
        returned = definition.type.of_type if isinstance(definition.type, GraphQLNonNull) else definition.type
        is_list = isinstance(returned, GraphQLList)
        asked = self.page_size(definition, node)
        counted, below, page_below = 0, multiplier, None
        if asked is not None:  # a page: counted here; a list is the page, else the lists below it are
            counted = multiplier * asked
            if is_list:
                below = counted
            else:
                page_below = asked
        elif is_list and page is not None:  # a connection's edges or nodes: the page counted above
            below = multiplier * page
        elif is_list:
            counted = below = multiplier * UNPAGINATED_LIST_SIZE
        else:
            page_below = page
        return counted + self.selections(node.selection_set, get_named_type(definition.type), below,
                                         page_below, visiting)

    def page_size(self, definition: GraphQLField, node: FieldNode) -> int | None:
        """The page a field with ``first``/``last`` returns; None for a field without them."""
        declared = [name for name in PAGE_ARGUMENTS if name in definition.args]
        given = {argument.name.value: argument.value for argument in node.arguments or ()}
        returned = definition.type.of_type if isinstance(definition.type, GraphQLNonNull) else definition.type
        if not declared and IDS_ARGUMENT in definition.args and isinstance(returned, GraphQLList):  # nodes(ids:)
            return self._length(given.get(IDS_ARGUMENT))
        if not declared:
            return None
        asked = [size for name in declared if (size := self._value(given.get(name))) is not None]
        if asked:
            return max(max(asked), 0)
        defaults = [value for name in declared if (value := _default(definition.args[name])) is not None]
        return max(defaults) if defaults else self.max_page_size

    def _length(self, node: Any) -> int:
        """How many ids a list argument holds (a literal list or the request's variable); the most
        a list serves when that is not known."""
        if isinstance(node, ListValueNode):
            return len(node.values)
        if isinstance(node, VariableNode):
            value = self.variables.get(node.name.value)
            if isinstance(value, list):
                return len(value)
        return self.max_page_size

    def _value(self, node: Any) -> int | None:
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, VariableNode):
            name = node.name.value
            value = self.variables.get(name) if name in self.variables else self.variable_defaults.get(name)
            return value if _is_int(value) else None
        return None  # absent, null (the default applies) or a value validation refuses

    def _type(self, name: str) -> GraphQLNamedType | None:
        return self.schema.get_type(name)


def _default(argument: GraphQLArgument) -> int | None:
    """An argument's default when it is an integer (strawberry sets ``default_value``; a schema built
    from SDL holds the literal in ``default``)."""
    if _is_int(argument.default_value):
        return argument.default_value
    declared = getattr(argument, "default", None)
    value = getattr(declared, "value", Undefined)
    if _is_int(value):
        return value
    literal = getattr(declared, "literal", None)
    return int(literal.value) if isinstance(literal, IntValueNode) else None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value is not Undefined


def _variable_defaults(operation: OperationDefinitionNode) -> dict[str, Any]:
    defaults = {}
    for definition in operation.variable_definitions or ():
        if isinstance(definition.default_value, IntValueNode):
            defaults[definition.variable.name.value] = int(definition.default_value.value)
    return defaults


def estimate_cost(schema: GraphQLSchema, document: DocumentNode, *, operation_name: str | None = None,
                  variables: Mapping[str, Any] | None = None, max_page_size: int = MAX_PAGE_SIZE) -> int:
    """The nodes the operation ``operation_name`` of ``document`` can return (0 when it names none)."""
    operation = get_operation_ast(document, operation_name)
    root = schema.get_root_type(operation.operation) if operation is not None else None
    if operation is None or root is None:
        return 0
    estimate = _Estimate(schema, fragments_of(document), variables if isinstance(variables, Mapping) else {},
                         _variable_defaults(operation), max_page_size)
    return estimate.selections(operation.selection_set, root, 1, None, frozenset())


def cost_error(found: int, limit: int) -> GraphQLError:
    return GraphQLError(
        f"The query could return up to {found:,} nodes; the limit is {limit:,}. Ask for smaller pages "
        "(first/last) or fewer nested lists.",
        extensions={"code": "QUERY_TOO_COSTLY", "limit": limit, "found": found})
