"""How deeply a document's fields nest: at most MAX_QUERY_DEPTH, refused with QUERY_TOO_DEEP.

A field without a selection counts 0, each level of selection one more (``{ viewer { login } }``
is 1), fragments and inline fragments counted where they are spread, as strawberry's
QueryDepthLimiter counted before. Introspection fields (``__schema``) count too."""

from __future__ import annotations

from collections.abc import Mapping

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)

from graph.limits.walk import fragments_of, operations_of

MAX_QUERY_DEPTH = 10


def selection_depth(selection_set: SelectionSetNode | None, fragments: Mapping[str, FragmentDefinitionNode],
                    visiting: frozenset[str] = frozenset()) -> int:
    """The depth below ``selection_set``: 0 when its fields have no selections of their own."""
    if selection_set is None:
        return 0
    deepest = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.selection_set is not None:
                deepest = max(deepest, 1 + selection_depth(selection.selection_set, fragments, visiting))
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, selection_depth(selection.selection_set, fragments, visiting))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in visiting:
                deepest = max(deepest, selection_depth(fragment.selection_set, fragments, visiting | {name}))
    return deepest


def depth_rule(max_depth: int) -> type[ValidationRule]:
    """A validation rule refusing operations nested deeper than ``max_depth``."""

    class QueryDepthRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            fragments = fragments_of(context.document)
            for operation in operations_of(context.document):
                found = selection_depth(operation.selection_set, fragments)
                if found > max_depth:
                    name = operation.name.value if operation.name else "anonymous"
                    context.report_error(GraphQLError(
                        f"The operation '{name}' nests {found} levels deep; the depth limit is {max_depth}.",
                        extensions={"code": "QUERY_TOO_DEEP", "limit": max_depth, "found": found}))

    return QueryDepthRule
