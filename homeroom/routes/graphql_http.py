"""GraphQL over HTTP as the specification gives it (https://graphql.github.io/graphql-over-http/draft/;
issue 17 point 4): which media type an answer has, and its status code.

- **Media type.** A client whose Accept header prefers ``application/graphql-response+json`` (q-values
  honoured; a wildcard alone does not choose it) gets it; any other client, and one that sends no
  Accept, gets ``application/json`` as before the specification.
- **Status.** With ``application/graphql-response+json``, a request error (a document that does not
  parse or fails validation, a limit refused before execution, variables that fail coercion) answers
  400 without a ``data`` entry; an operation that executes answers 200, field errors or not. With
  ``application/json`` every GraphQL response is 200, as older clients expect.
- **Requests refused before GraphQL** (bad JSON, a body that is not an object, a non-string
  ``operationName``): 400; a POST that is not ``application/json``: 415; a GET that asks for a
  mutation (or any operation GET does not serve): 405 with ``Allow: POST``. Their body is a GraphQL
  response with one coded error, in the negotiated media type.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from homeroom.routes.json_text import json_text

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"

#: The code each refused request's error carries, by status.
CODE_BY_STATUS = {400: "BAD_REQUEST", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 415: "UNSUPPORTED_MEDIA_TYPE"}


@dataclass(frozen=True)
class AcceptedRange:
    media_range: str
    quality: float


def parse_accept(header: str | None) -> list[AcceptedRange]:
    """The media ranges of an Accept header with their q-values (malformed q counts as 1)."""
    ranges = []
    for part in (header or "").split(","):
        media_range, *parameters = (piece.strip() for piece in part.split(";"))
        if not media_range:
            continue
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 1.0
        ranges.append(AcceptedRange(media_range.lower(), quality))
    return ranges


def _quality(ranges: list[AcceptedRange], media_type: str, *, wildcards: bool) -> float | None:
    """The q-value the most specific matching range gives ``media_type``, or None when none matches."""
    kind = media_type.split("/", 1)[0]
    candidates = [(media_type, 3)] + ([(f"{kind}/*", 2), ("*/*", 1)] if wildcards else [])
    best: tuple[int, float] | None = None
    for accepted in ranges:
        for media_range, specificity in candidates:
            if accepted.media_range == media_range and (best is None or specificity > best[0]):
                best = (specificity, accepted.quality)
    return None if best is None else best[1]


def negotiate(accept: str | None) -> str:
    """``application/graphql-response+json`` when the client names it and does not prefer
    ``application/json``; otherwise ``application/json`` (also for no or an unsatisfiable Accept:
    the specification lets a server answer its default rather than 406, which older clients need)."""
    ranges = parse_accept(accept)
    preferred = _quality(ranges, GRAPHQL_RESPONSE_JSON, wildcards=False)
    if not preferred:
        return APPLICATION_JSON
    legacy = _quality(ranges, APPLICATION_JSON, wildcards=True)
    return GRAPHQL_RESPONSE_JSON if legacy is None or preferred >= legacy else APPLICATION_JSON


#: Errors without a path that end an operation which had begun: its answer is a 200 with ``data: null``.
EXECUTION_STOPPED = frozenset({"TIMEOUT"})


def is_request_error(result: ExecutionResult) -> bool:
    """Execution never began: no data, and no error has a path (field errors always do). Parse,
    validation, the limits checked before execution and variable coercion all end here."""
    return result.data is None and bool(result.errors) and all(
        not getattr(error, "path", None) and (error.extensions or {}).get("code") not in EXECUTION_STOPPED
        for error in result.errors)


def content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8"


def refused_request(status: int, message: str, media_type: str,
                    encode: Callable[[object], str | bytes]) -> Response:
    """The answer to a request refused before GraphQL ran: one coded error, no ``data`` entry."""
    error = GraphQLError(message, extensions={"code": CODE_BY_STATUS.get(status, "BAD_REQUEST")})
    headers = {"Vary": "Accept"}
    if status == 405:
        headers["Allow"] = "POST"
    return Response(encode({"errors": [error.formatted]}), status_code=status,
                    media_type=content_type(media_type), headers=headers)


#: Methods /graphql refuses with 405 and the Allow header the specification asks for (Starlette's own
#: 405 would name only the first route's method).
OTHER_METHODS = ["PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def other_methods_refusal(allowed: str) -> Callable[[Request], Response]:
    def refuse(request: Request) -> Response:
        response = refused_request(405, f"/graphql answers {allowed.replace(', ', ' and ')} only.",
                                   negotiate(request.headers.get("accept")),
                                   json_text)
        response.headers["allow"] = allowed
        return response
    return refuse


class SpecificationHTTP:
    """What a strawberry GraphQL view overrides to speak GraphQL over HTTP by the specification.
    The view calls ``answer`` around its run; the media type travels on ``request.state``."""

    async def answer(self, request: Request, run: Callable[[], Awaitable[Response]]) -> Response:
        media_type = negotiate(request.headers.get("accept"))
        request.state.graphql_media_type = media_type
        try:
            response = await run()
        except HTTPException as refusal:
            return refused_request(refusal.status_code, refusal.reason, media_type, self.encode_json)
        if media_type == GRAPHQL_RESPONSE_JSON and response.headers.get("content-type", "").startswith(
                APPLICATION_JSON):
            response.headers["content-type"] = content_type(GRAPHQL_RESPONSE_JSON)
        response.headers["vary"] = "Accept"
        return response

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestData | list[GraphQLRequestData]:
        if request.method == "POST":
            media_type, _ = parse_content_type(request.content_type or "")
            if media_type != APPLICATION_JSON:
                raise HTTPException(415, "POST /graphql takes a JSON body: send Content-Type: application/json.")
        data = await super().parse_http_body(request)  # type: ignore[misc]
        for one in data if isinstance(data, list) else [data]:
            if not isinstance(one.operation_name, str | None):
                raise HTTPException(400, "The GraphQL operation's `operationName` must be a string or null, "
                                         "if provided.")
        return data

    async def execute_single(self, request: Request, request_adapter: AsyncHTTPRequestAdapter, sub_response: Any,
                             context: Any, root_value: Any, request_data: GraphQLRequestData) -> ExecutionResult:
        """strawberry's, except that an operation GET may not run (a mutation, or a query where GET
        queries are off) is 405 with ``Allow: POST``, as the specification requires, not 400."""
        allowed = OperationType.from_http(request_adapter.method)
        if not self.allow_queries_via_get and request_adapter.method == "GET":
            allowed = allowed - {OperationType.QUERY}
        try:
            return await self.schema.execute(
                request_data.query, root_value=root_value, variable_values=request_data.variables,
                context_value=context, operation_name=request_data.operation_name,
                allowed_operation_types=allowed, operation_extensions=request_data.extensions)
        except CannotGetOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason()) from error
        except InvalidOperationTypeError as error:
            status = 405 if request_adapter.method == "GET" else 400
            raise HTTPException(status, error.as_http_error_reason(request_adapter.method)) from error
        except MissingQueryError as error:
            raise HTTPException(400, "No GraphQL query found in the request") from error

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)  # type: ignore[misc]
        if request.state.graphql_media_type == GRAPHQL_RESPONSE_JSON and is_request_error(result):
            response.pop("data", None)  # the specification: a request error has no data entry
            request.state.graphql_sub_response.status_code = 400
        return response
