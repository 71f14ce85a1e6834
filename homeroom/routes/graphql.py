"""/graphql over HTTP and WebSocket: strawberry's FastAPI router, kept off the event loop.

- **HTTP.** The body is read on the event loop (under the route's max_body_size, homeroom.app);
  everything after it (JSON decoding, parsing, validation, the resolvers with their database
  session, encoding the answer) runs on a worker thread with an event loop of its own
  (homeroom.routes.thread_loops), so a heavy
  operation (a 50,000-row import, a send with a long flagged-word list) never stalls /healthz or a
  WebSocket. The session is closed on that thread.
- **WebSocket** (graphql-transport-ws). The viewer is loaded on a worker thread, on a session
  closed at once: a socket holds no database connection between events (each subscription opens
  one per read). A query or mutation sent over the socket runs as over HTTP, on a worker thread
  with a context of its own. The socket is closed with 4403 when its token expires, its key is
  revoked or the account is found inactive; a message that is not a JSON object is refused with 4400.
- **Hardening** (issue 16 point 7). No connection_init within 5 s closes with 4408; a bad token or
  key with 4403 before any ack. At most 10 operations per socket (the 11th gets an error, the
  others go on), and subscriptions per partner key and per district across the process are
  limited (SubscriptionLimits). Every frame goes through a bounded send queue drained by one
  writer task, so nothing that produces frames ever waits on a client; a client that lets the
  queue fill is a slow consumer and is dropped (1013, "try again later": a graphql-ws client
  reconnects). The server sends a graphql-transport-ws ping every 20 s (uvicorn also pings at the
  WebSocket level).
- **Persisted queries** (issue 17 point 6, graph.limits.persisted). A request that names a manifest
  document by its hash (``extensions.persistedQuery.sha256Hash``, in the HTTP body or a subscribe
  payload) runs that document; in persisted-only mode any other is refused before it is parsed.
- **Rate limits** (issue 17 point 6; homeroom.rate_limits). Every HTTP request and every operation
  sent over a socket (subscriptions included) counts against its user's or partner key's rate, an
  anonymous request against its address's. Over the rate, HTTP answers 429 with ``Retry-After`` and
  a socket's operation gets an error; both carry ``extensions.code = RATE_LIMITED`` and
  ``retryAfter`` seconds. The count is made on a worker thread (it may wait on Redis).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
from datetime import timedelta
from typing import Any

import anyio
from cross_web import HTTPException
from graphql import GraphQLError, get_operation_ast, parse
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler, Operation
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET

from graph import access_rechecks
from graph.access_rechecks import SHARED_FOR_SECONDS
from graph.context import Context
from graph.limits import MAX_QUERY_CHARACTERS, MAX_QUERY_TOKENS
from graph.limits.persisted import PersistedQueries
from graph.shared_results import encoded_next_frame
from graph.thread_limits import operation_threads
from homeroom.routes.graphql_http import OTHER_METHODS, SpecificationHTTP, other_methods_refusal
from homeroom.routes.graphiql import GraphiQLPage
from homeroom.routes.json_text import json_text
from homeroom.routes.thread_loops import run_on_this_thread
from homeroom.rate_limits import RateLimits, Refusal, graphql_caller
from homeroom.routes.subscription_limits import SubscriptionLimits

log = logging.getLogger(__name__)

#: An idle socket's account is checked this often (an active subscription checks at each read).
ACCOUNT_RECHECK_SECONDS = 60.0
CLOSE_ACCESS_ENDED = 4403
#: "Try again later": graphql-ws clients reconnect after it (4429 would be fatal to them).
CLOSE_SLOW_CONSUMER = 1013
#: A socket that sends no connection_init within this long is closed with 4408.
CONNECTION_INIT_SECONDS = 5
#: Operations (subscriptions, and queries or mutations in flight) one socket may hold at once.
OPERATIONS_PER_CONNECTION = 10
#: How long a slow consumer's close frame may wait for room before the socket is simply let go.
SLOW_CLOSE_SECONDS = 1.0
#: How long a full send queue may stay full before its client counts as a slow consumer: a
#: subscription that produces a page of frames at once (the delivery feed's replay) waits for room
#: that long, its own operation only; the shared fan-out never waits on a socket.
SLOW_CONSUMER_SECONDS = 5.0

class HomeroomTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws, closing the socket when its access ends."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._access_watch: asyncio.Task | None = None
        self._pinger: asyncio.Task | None = None
        self._closing = False
        self._outbox: asyncio.Queue = asyncio.Queue(maxsize=self.view.send_queue_frames)
        self._writer: asyncio.Task | None = None
        self._dropped = asyncio.Event()

    async def handle(self) -> None:
        """Serve the socket until it ends, or until it is dropped as a slow consumer."""
        self._writer = asyncio.create_task(self._write())
        serving = asyncio.create_task(super().handle())
        dropped = asyncio.create_task(self._dropped.wait())
        try:
            await asyncio.wait({serving, dropped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            dropped.cancel()
            if not serving.done():
                serving.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await serving  # strawberry's own clean-up: operations cancelled, shutdown()
            self._writer.cancel()
        if self._dropped.is_set():
            with contextlib.suppress(Exception):  # the client is not reading: its buffer may have no room
                await asyncio.wait_for(self.websocket.close(code=CLOSE_SLOW_CONSUMER, reason="slow consumer"),
                                       SLOW_CLOSE_SECONDS)

    async def _write(self) -> None:
        """The one task that writes to the socket, in order."""
        try:
            while True:
                await self.websocket.send_json(await self._outbox.get())
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001  (the client went away: the receive loop ends the socket)
            self._closing = True

    async def _ping(self, every: float) -> None:
        """graphql-transport-ws pings, so a client (and any proxy between) knows the socket lives."""
        while True:
            await asyncio.sleep(every)
            await self.send_message({"type": "ping"})

    async def handle_message(self, message: Any) -> None:
        if not isinstance(message, dict):
            await self.handle_invalid_message("A message must be a JSON object")
            return
        if message.get("type") == "subscribe" and not await self._resolve_persisted(message):
            return
        if message.get("type") == "subscribe" and not _is_subscribe_payload(message.get("payload")):
            await self.handle_invalid_message("A subscribe payload needs a query string")
            return
        await super().handle_message(message)

    async def _resolve_persisted(self, message: dict) -> bool:
        """Put a persisted document in a subscribe message that names it by hash; False (with an
        error for the operation sent) for a document the persisted queries refuse."""
        payload = message.get("payload")
        if not isinstance(payload, dict):
            return True
        try:
            payload["query"] = self.view.persisted_queries.resolve(payload.get("query"), payload.get("extensions"))
        except GraphQLError as error:
            if not isinstance(message.get("id"), str):
                return True  # strawberry refuses the message itself
            await self.send_message({"id": message["id"], "type": "error", "payload": [error.formatted]})
            return False
        return True

    async def run_operation(self, operation: Operation) -> None:
        refusal = await anyio.to_thread.run_sync(self._count_operation, limiter=operation_threads())
        if refusal is not None:
            await operation.send_initial_errors([GraphQLError(refusal.message, extensions=refusal.extensions)])
            return
        kind = _operation_type(operation)
        if kind in (OperationType.QUERY, OperationType.MUTATION):
            await self._run_on_a_thread(operation)
        elif kind is OperationType.SUBSCRIPTION:
            await self._run_subscription(operation)
        else:  # documents strawberry will refuse (cheap: the budget bounds parsing)
            await super().run_operation(operation)

    def _count_operation(self) -> Refusal | None:
        """One operation against the socket's viewer's rate (loaded at connection_init)."""
        return self.view.rate_limits.graphql_operation(
            graphql_caller(_viewer_or_none(self.context), _client_address(self.context.request)))

    async def _run_subscription(self, operation: Operation) -> None:
        """Within the partner key's and the district's limits (SubscriptionLimits), else an error
        for this operation alone."""
        viewer = self.context.viewer  # loaded at connection_init
        holder = {"district_id": viewer.district.id, "key_id": viewer.key.key_id if viewer.key else None}
        limits: SubscriptionLimits = self.view.subscription_limits
        refusal = limits.acquire(**holder)
        if refusal is not None:
            await operation.send_initial_errors([GraphQLError(refusal.message, extensions={
                "code": "SUBSCRIPTION_LIMIT", "limit": refusal.limit, "allowed": refusal.allowed})])
            return
        try:
            await super().run_operation(operation)
        finally:
            limits.release(**holder)

    async def _run_on_a_thread(self, operation: Operation) -> None:
        try:
            await self._execute_on_a_thread(operation)
        except Exception as error:  # as strawberry's run_operation: log, complete, forget the id
            await self.handle_task_exception(error)
            with contextlib.suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)

    async def _execute_on_a_thread(self, operation: Operation) -> None:
        context = self.context.for_one_operation()

        def execute() -> ExecutionResult:
            context.on_worker_thread = True
            try:
                return run_on_this_thread(self.schema.execute(
                    operation.query, variable_values=operation.variables, context_value=context,
                    operation_name=operation.operation_name,
                    allowed_operation_types=(OperationType.QUERY, OperationType.MUTATION)))
            finally:
                context.close()

        result = await anyio.to_thread.run_sync(execute, limiter=operation_threads())
        if result.data is None and result.errors:
            await operation.send_initial_errors(result.errors)
            return
        await operation.send_next(result)
        await operation.send_operation_message({"id": operation.id, "type": "complete"})

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self._access_watch is None:
            self.context.close_connection = self.close_for_access
            self._access_watch = asyncio.create_task(self._watch_access())
            if self.view.ping_seconds:
                self._pinger = asyncio.create_task(self._ping(self.view.ping_seconds))

    async def _watch_access(self) -> None:
        """Close at the token's expiry; meanwhile check the account now and then."""
        while True:
            remaining = (self.context.token_expires_at - dt.datetime.now(dt.UTC)).total_seconds()
            if remaining <= 0:
                await self.close_for_access("the token has expired")
                return
            # a check another socket of the credential made lately may answer: wait that much less
            await asyncio.sleep(min(remaining, max(ACCOUNT_RECHECK_SECONDS - SHARED_FOR_SECONDS,
                                                   ACCOUNT_RECHECK_SECONDS / 2)))
            if remaining > ACCOUNT_RECHECK_SECONDS and await access_rechecks.fresh_viewer(self.context) is None:
                await self.close_for_access("the account is no longer active")
                return

    async def close_for_access(self, reason: str) -> None:
        if not self._closing:
            self._closing = True
            with contextlib.suppress(Exception):  # the client may have gone already: nothing left to close
                await self.websocket.close(code=CLOSE_ACCESS_ENDED, reason=reason)

    async def send_message(self, message: Any) -> None:
        """Queue a frame for the writer. A full queue holds back only the operation producing a
        result frame (a replay of many events), for at most SLOW_CONSUMER_SECONDS; a queue that
        stays full that long, or that has no room for a control frame (a pong), means the client has
        stopped reading: it is dropped as a slow consumer."""
        if self._closing or self._dropped.is_set():  # an operation ending after the close has no one to tell
            return
        try:
            self._outbox.put_nowait(message)
            return
        except asyncio.QueueFull:
            if not _is_operation_result(message):  # a pong or ping owed to a client that stopped reading
                self._drop_slow_consumer()
                return
        try:
            await asyncio.wait_for(self._outbox.put(message), SLOW_CONSUMER_SECONDS)
        except TimeoutError:
            self._drop_slow_consumer()

    def _drop_slow_consumer(self) -> None:
        if not self._dropped.is_set():
            log.warning("dropping a WebSocket client as a slow consumer (%d frames unsent)", self._outbox.qsize())
        self._closing = True
        self._dropped.set()

    async def handle_invalid_message(self, error_message: str) -> None:
        if not self._closing:
            self._closing = True
            await super().handle_invalid_message(error_message)

    def forget_id(self, id: str) -> None:
        # An operation that ends while the socket closes (its access ended) finds its id already
        # gone: shutdown cleaned the operations up first.
        self.operations.pop(id, None)

    async def shutdown(self) -> None:
        for task in (self._access_watch, self._pinger):
            if task is not None:
                task.cancel()
        await super().shutdown()


def _is_operation_result(message: Any) -> bool:
    """A frame an operation produces (next, error, complete), as opposed to ping and pong."""
    kind = message.get("type") if isinstance(message, dict) else getattr(message, "type", None)
    return kind in ("next", "error", "complete")


def _operation_type(operation: Operation) -> OperationType | None:
    try:
        document = parse(operation.query, no_location=True, max_tokens=MAX_QUERY_TOKENS,
                         max_source_length=MAX_QUERY_CHARACTERS)
        found = get_operation_ast(document, operation.operation_name)
    except GraphQLError:
        return None
    return OperationType(found.operation.value) if found is not None else None


def _is_subscribe_payload(payload: Any) -> bool:
    return isinstance(payload, dict) and isinstance(payload.get("query"), str) \
        and isinstance(payload.get("variables") or {}, dict)


def _caller(context: Context, request: Request) -> str:
    """Whose rate an HTTP request counts against: its viewer's, or (signed out, or a credential
    refused) its address's. The viewer is loaded once, on this thread, for the operation too."""
    return graphql_caller(_viewer_or_none(context), _client_address(request))


def _client_address(connection: Request | WebSocket | None) -> str | None:
    client = getattr(connection, "client", None)
    return client.host if client else None


def _viewer_or_none(context: Context) -> Any:
    """The viewer; None when signed out, refused, or not loadable now (a database error is left for
    the operation itself to meet and answer, masked, in production)."""
    try:
        return context.viewer
    except GraphQLError:  # signed out, or the credential refused
        return None
    except Exception:  # noqa: BLE001
        # The session's transaction failed with it (a statement timeout, say): the operation starts
        # from a clean one, meets the same error itself and answers it (TIMEOUT, or masked).
        context.roll_back()
        return None


def _rate_limited(refusal: Refusal) -> JSONResponse:
    """HTTP 429 with Retry-After, and the GraphQL error a client library shows."""
    return JSONResponse({"errors": [{"message": refusal.message, "extensions": refusal.extensions}]},
                        status_code=429, headers={"Retry-After": str(refusal.retry_after)})


class HomeroomGraphQLRouter(SpecificationHTTP, GraphQLRouter):
    graphql_transport_ws_handler_class = HomeroomTransportWSHandler

    def __init__(self, *args: Any, subscription_limits: SubscriptionLimits, rate_limits: RateLimits,
                 ping_seconds: float, send_queue_frames: int, graphiql: GraphiQLPage | None = None,
                 persisted_queries: PersistedQueries | None = None, **kwargs: Any) -> None:
        """``ping_seconds``: 0 sends no pings; ``send_queue_frames``: a socket's frames not yet
        written past which its client is a slow consumer; ``rate_limits``: each operation counts;
        ``graphiql``: the IDE page GET /graphql shows a browser (None: no IDE, as in production);
        ``persisted_queries``: the documents a request may name by hash (graph.limits.persisted),
        and whether only they run."""
        kwargs.setdefault("connection_init_wait_timeout", timedelta(seconds=CONNECTION_INIT_SECONDS))
        kwargs.setdefault("max_subscriptions_per_connection", OPERATIONS_PER_CONNECTION)
        super().__init__(*args, graphql_ide="graphiql" if graphiql is not None else None, **kwargs)
        self.subscription_limits = subscription_limits
        self.rate_limits = rate_limits
        self.ping_seconds = ping_seconds
        self.send_queue_frames = send_queue_frames
        self.graphiql = graphiql
        allowed = "GET, POST" if self.allow_queries_via_get or graphiql is not None else "POST"
        self.add_api_route(kwargs.get("path", ""), other_methods_refusal(allowed), methods=OTHER_METHODS,
                           include_in_schema=False)
        self.persisted_queries = persisted_queries or PersistedQueries()

    async def run(self, request: Request | WebSocket, context: Context = UNSET, root_value: Any = UNSET) -> Any:
        if self.is_websocket_request(request):
            return await super().run(request, context, root_value)
        # strawberry keeps the response being built on the router, for one request at a time
        # while it stays on the loop; the thread takes this request's along.
        request.state.graphql_sub_response = self.temporal_response
        await request.body()  # read here, under the body limit; decoded on the thread
        return await self.answer(request, lambda: anyio.to_thread.run_sync(
            self._run_on_thread, request, context, root_value, limiter=operation_threads()))

    async def render_graphql_ide(self, request: Request) -> Any:
        return self.graphiql.response(request)

    def _run_on_thread(self, request: Request, context: Context, root_value: Any) -> Any:
        context.on_worker_thread = True
        try:
            refusal = self.rate_limits.graphql_operation(_caller(context, request))
            if refusal is not None:
                return _rate_limited(refusal)
            return run_on_this_thread(super().run(request, context, root_value))
        finally:
            context.close()  # the session was opened on this thread; it ends here too

    async def execute_operation(self, *, request_data: Any, **kwargs: Any) -> Any:
        """Run the request (on the worker thread), a persisted document found by its hash."""
        for one in request_data if isinstance(request_data, list) else [request_data]:
            try:
                one.query = self.persisted_queries.resolve(one.query, one.extensions)
            except GraphQLError as error:
                return ExecutionResult(data=None, errors=[error])
        return await super().execute_operation(request_data=request_data, **kwargs)

    async def get_sub_response(self, request: Request) -> Any:
        return request.state.graphql_sub_response

    def encode_json(self, data: object) -> str | bytes:
        """A subscription frame many subscribers share is encoded once (graph.shared_results); an
        answer over HTTP by orjson (homeroom.routes.json_text)."""
        shared_text = encoded_next_frame(data)
        return shared_text if shared_text is not None else json_text(data)

    def decode_json(self, data: str | bytes) -> object:
        if isinstance(data, bytes):
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError:
                raise HTTPException(400, "The request body is not valid UTF-8 (JSON must be UTF-8).") from None
        return json.loads(data)

    async def on_ws_connect(self, context: Context) -> dict[str, Any]:
        """Authenticate the WebSocket from the connection_init payload; reject with 4403."""
        try:
            viewer = await run_in_threadpool(lambda: context.viewer)
        except GraphQLError:
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED"}) from None
        return {"viewer": viewer.user.login}
