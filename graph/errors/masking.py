"""What production leaves out of its errors (issue 17 point 7).

- Unexpected errors: the answer says only "Internal server error", with ``extensions.code =
  INTERNAL_SERVER_ERROR`` and the request's id (``requestId``); the log line carries the same id and
  the real exception, so a frontend developer's report finds it. An error is unexpected when it has
  no ``extensions.code`` and comes from an exception that is not a GraphQLError (a bug, a database
  failure); coded errors and validation errors are answered as they are.
- Suggestions: graphql-core ends many validation messages with "Did you mean 'viewer'?" (fields,
  arguments, input fields, types, enum values), which would spell out the schema introspection
  hides. strawberry's ``disable_field_suggestions`` removes the fields' only; ``HideSuggestions``
  removes the rest.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import MaskErrors, SchemaExtension

from domain.audit.origin import current_origin

log = logging.getLogger(__name__)

INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
MASKED_MESSAGE = "Internal server error"


def is_unexpected(error: GraphQLError) -> bool:
    """Mask exceptions we did not raise on purpose; keep coded errors and validation errors."""
    if error.extensions and "code" in error.extensions:
        return False
    return error.original_error is not None and not isinstance(error.original_error, GraphQLError)


class MaskUnexpectedErrors(MaskErrors):
    """strawberry's MaskErrors, with a code and the request id on the answer and in the log."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message=MASKED_MESSAGE)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        # A job or a command has no request: an id of its own still pairs the answer with the log.
        request_id = current_origin().request_id or uuid.uuid4().hex
        original = error.original_error
        log.error("unexpected error in a GraphQL operation at %s (request id %s)",
                  ".".join(str(part) for part in error.path or ()) or "(operation)", request_id,
                  exc_info=(type(original), original, original.__traceback__) if original else None)
        return GraphQLError(MASKED_MESSAGE, nodes=error.nodes, source=error.source, positions=error.positions,
                            path=error.path, original_error=None,
                            extensions={"code": INTERNAL_SERVER_ERROR, "requestId": request_id})


_SUGGESTION = re.compile(r"\s*Did you mean\b.*\Z", re.DOTALL)


class HideSuggestions(SchemaExtension):
    """Every "Did you mean …?" cut from the operation's error messages."""

    def on_operation(self) -> Iterator[None]:
        yield
        for error in getattr(self.execution_context.result, "errors", None) or ():
            error.message = _SUGGESTION.sub("", error.message)
