"""A document's size: at most MAX_QUERY_TOKENS tokens and MAX_QUERY_CHARACTERS characters, enforced
by graphql-core while it parses (it stops at the budget), refused with QUERY_TOO_LARGE."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError, GraphQLSyntaxError, Source, TokenKind
from graphql.language.lexer import Lexer
from strawberry.extensions import MaxTokensLimiter

#: A document's token budget (as GraphQL Armor's default). Validation is quadratic in repeated
#: fields: 1,000 tokens cost at most ~0.25 s of it, 2,000 tokens of fragments cost ~2.5 s.
MAX_QUERY_TOKENS = 1000
#: And its length: lexing costs ~0.2 s per MB of string literal. Values belong in variables,
#: which the request body limit bounds.
MAX_QUERY_CHARACTERS = 100_000


def count_tokens(text: str) -> int:
    """The tokens of ``text`` (a document within the character limit) as far as it lexes, comments
    included, as the parser's budget counts them."""
    lexer = Lexer(Source(text))
    try:
        while lexer.advance().kind is not TokenKind.EOF:
            pass
    except GraphQLError:
        pass
    count, token = 0, lexer.token
    while token is not None and token.kind is not TokenKind.SOF:
        count += token.kind is not TokenKind.EOF
        token = token.prev
    return count


class QueryTokenLimiter(MaxTokensLimiter):
    """strawberry's token budget and a length cap, enforced while the document is parsed, with a
    code and the numbers on the error they cause."""

    def __init__(self, *, max_token_count: int = MAX_QUERY_TOKENS,
                 max_characters: int = MAX_QUERY_CHARACTERS) -> None:
        super().__init__(max_token_count=max_token_count)
        self.max_characters = max_characters

    def on_operation(self) -> Iterator[None]:
        self.execution_context.parse_options["max_source_length"] = self.max_characters
        yield from super().on_operation()

    def on_parse(self) -> Iterator[None]:
        yield
        for error in self.execution_context.pre_execution_errors or ():
            if isinstance(error, GraphQLSyntaxError) and "Parsing aborted" in error.message:
                code_size_error(error, self.execution_context.query or "", max_tokens=self.max_token_count,
                                max_characters=self.max_characters)


def code_size_error(error: GraphQLError, text: str, *, max_tokens: int, max_characters: int) -> None:
    """Give a parser's "Parsing aborted" error its code and numbers, in place."""
    if len(text) > max_characters:
        numbers = {"unit": "characters", "limit": max_characters, "found": len(text)}
    else:
        numbers = {"unit": "tokens", "limit": max_tokens, "found": count_tokens(text)}
    error.extensions = {"code": "QUERY_TOO_LARGE", **numbers}
    # The size is the problem, not a place: without a location the error (and its log line) does
    # not echo up to 100 KB of the document.
    error.source = error.positions = error.locations = None
