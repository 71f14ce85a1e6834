"""Limits a GraphQL document must hold before any resolver runs (issue 17 point 6), one module per rule:

- ``tokens``: its size (tokens and characters), enforced while it is parsed: QUERY_TOO_LARGE.
- ``depth``: how deeply its fields nest: QUERY_TOO_DEEP.
- ``aliases``: how many aliases it uses: TOO_MANY_ALIASES.
- ``cost``: how many nodes it can return, page sizes multiplied along each path: QUERY_TOO_COSTLY.
- ``documents``: the bounded parse and validation cache, which holds only documents that passed the
  rules above, and the step that applies the cost rule to each request's variables.
- ``timeout``: the execution timeout (TIMEOUT), and a database statement cancelled by its timeout.
- ``persisted``: persisted queries (a manifest of SHA-256 hashes) and the persisted-only mode.

Every refusal is a top-level error whose ``extensions`` carry the ``code``, the ``limit`` and what
the document has (``found``). ``GraphQLLimits`` holds the numbers; the shell sets them from settings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable

from graphql import ValidationRule
from strawberry.extensions import AddValidationRules, SchemaExtension

from graph.limits.aliases import MAX_ALIASES, alias_rule
from graph.limits.cost import DEFAULT_MAX_COST
from graph.limits.depth import MAX_QUERY_DEPTH, depth_rule
from graph.limits.documents import DocumentCache, DocumentChecks
from graph.limits.timeout import ExecutionTimeout
from graph.limits.tokens import MAX_QUERY_CHARACTERS, MAX_QUERY_TOKENS, QueryTokenLimiter

__all__ = ["GraphQLLimits", "MAX_ALIASES", "MAX_QUERY_CHARACTERS", "MAX_QUERY_DEPTH", "MAX_QUERY_TOKENS",
           "limit_extensions", "validation_rules"]


@dataclasses.dataclass(frozen=True)
class GraphQLLimits:
    """The numbers the rules enforce (defaults: the module constants and settings' defaults)."""

    max_tokens: int = MAX_QUERY_TOKENS
    max_characters: int = MAX_QUERY_CHARACTERS
    max_depth: int = MAX_QUERY_DEPTH
    max_aliases: int = MAX_ALIASES
    #: The most nodes a document may be estimated to return (HOMEROOM_GRAPHQL_MAX_COST).
    max_cost: int = DEFAULT_MAX_COST
    #: How long a query or mutation may execute, in seconds (HOMEROOM_GRAPHQL_TIMEOUT_SECONDS); None: no limit.
    timeout_seconds: float | None = 30.0
    #: How many valid documents the parse and validation cache keeps (HOMEROOM_GRAPHQL_DOCUMENT_CACHE_SIZE).
    document_cache_size: int = 1024
    #: PostgreSQL's statement timeout on the engine's connections, in seconds (named in TIMEOUT errors).
    statement_timeout_seconds: float | None = None


def validation_rules(limits: GraphQLLimits) -> list[type[ValidationRule]]:
    """The rules validation adds for the limits (depth and aliases)."""
    return [depth_rule(limits.max_depth), alias_rule(limits.max_aliases)]


def limit_extensions(limits: GraphQLLimits, *, persisted_documents: Iterable[str] = (),
                     between: Iterable[Callable[[], SchemaExtension] | type[SchemaExtension]] = ()) -> list:
    """The schema extensions that enforce ``limits``, in order: size while parsing, the depth and
    alias rules, ``between`` (extensions that may refuse an operation before validation), then the
    cached validation and the cost rule, and the execution timeout. ``persisted_documents`` stay
    in the document cache once valid."""
    cache = DocumentCache(limits.document_cache_size, pinned=persisted_documents)
    rules = validation_rules(limits)
    return [
        lambda: QueryTokenLimiter(max_token_count=limits.max_tokens, max_characters=limits.max_characters),
        lambda: AddValidationRules(rules),
        *between,
        lambda: DocumentChecks(cache=cache, max_cost=limits.max_cost),
        lambda: ExecutionTimeout(seconds=limits.timeout_seconds,
                                 statement_timeout_seconds=limits.statement_timeout_seconds),
    ]
