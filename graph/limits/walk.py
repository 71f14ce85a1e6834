"""Walking a document's selections with its fragments followed (each spread where it is spread),
safe against fragment cycles (which validation reports on its own)."""

from __future__ import annotations

from graphql import DocumentNode, FragmentDefinitionNode, OperationDefinitionNode


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {definition.name.value: definition for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)}


def operations_of(document: DocumentNode) -> list[OperationDefinitionNode]:
    return [definition for definition in document.definitions if isinstance(definition, OperationDefinitionNode)]
