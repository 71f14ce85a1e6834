"""How many aliases a document uses: at most MAX_ALIASES, refused with TOO_MANY_ALIASES. Aliases in
a fragment count each time it is spread (as strawberry's MaxAliasesLimiter counted)."""

from __future__ import annotations

from graphql import GraphQLError, ValidationContext, ValidationRule
from strawberry.extensions.max_aliases import count_fields_with_alias

from graph.limits.walk import fragments_of, operations_of

MAX_ALIASES = 20


def alias_rule(max_aliases: int) -> type[ValidationRule]:
    """A validation rule refusing documents with more than ``max_aliases`` aliases."""

    class AliasCountRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            fragments = fragments_of(context.document)
            found = sum(count_fields_with_alias(operation, fragments) for operation in operations_of(context.document))
            if found > max_aliases:
                context.report_error(GraphQLError(
                    f"The document uses {found} aliases; the alias limit is {max_aliases}.",
                    extensions={"code": "TOO_MANY_ALIASES", "limit": max_aliases, "found": found}))

    return AliasCountRule
