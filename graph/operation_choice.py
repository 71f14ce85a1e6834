"""A document with several operations must name the one to run (GraphQL over HTTP, issue 17 point 4):
strawberry would run the first; the specification makes it a request error, which answers 400 to a
client that accepts application/graphql-response+json (homeroom.routes.graphql_http)."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension


class OperationNameRequired(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        # operation_name falls back to the first operation's name; the name the client sent is this one
        if context._provided_operation_name is None and context.pre_execution_errors is None and context.graphql_document:
            operations = sum(isinstance(definition, OperationDefinitionNode)
                             for definition in context.graphql_document.definitions)
            if operations > 1:
                context.pre_execution_errors = [GraphQLError(
                    f"The document has {operations} operations: name the one to run in operationName.",
                    extensions={"code": "OPERATION_NAME_REQUIRED"})]
        yield
