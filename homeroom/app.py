"""The FastAPI app factory: /graphql (HTTP + WebSocket), the HTTP routes beside it, /healthz,
/readyz and /metrics.

Production posture (issue 17 point 7; HOMEROOM_ENVIRONMENT=production): no introspection, no
GraphiQL, no queries over GET, no field suggestions in validation errors, only the
graphql-transport-ws protocol, and unexpected errors masked with a request id
(graph.errors.masking). Development keeps introspection, GraphiQL, GET and suggestions, and shows
errors as they are."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Iterator

from fastapi import Depends, FastAPI, Request, WebSocket
from starlette.middleware.cors import CORSMiddleware
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from graph.context import Context
from graph.limits import GraphQLLimits
from graph.limits.persisted import ManifestError, PersistedQueries, read_manifest
from graph.schema import build_schema
from homeroom.auth import Authenticator, HomeroomTokens
from homeroom.log_redaction import install_redaction
from homeroom.metrics import Metrics
from homeroom.metrics.requests import HttpMetricsMiddleware
from homeroom.rate_limits import RateLimits
from homeroom.routes.public_announcements import public_announcement_router
from homeroom.request_context import RequestContextMiddleware
from homeroom.partner_keys import PartnerKeyVerifier
from homeroom.routes.attachments import attachment_router
from homeroom.routes.template_files import template_file_router
from homeroom.routes.announcement_files import announcement_file_router
from homeroom.routes.graphiql import GraphiQLPage
from homeroom.routes.graphql import HomeroomGraphQLRouter
from homeroom.routes.health import health_router
from homeroom.routes.printing import printing_router
from homeroom.routes.reports import report_router
from homeroom.routes.subscription_limits import SubscriptionLimits
from homeroom.routes.unsubscribe import unsubscribe_router
from homeroom.routes.reenrolment import reenrolment_router
from homeroom.routes.voice import voice_router
from homeroom.routes.webhooks import webhook_router
from homeroom.runtime import Runtime, build_runtime
from homeroom.settings import Settings, SettingsError, get_settings
from homeroom.sign_in.routes import sign_in_router
from homeroom.sign_in.verifier import OidcVerifier

log = logging.getLogger(__name__)


@contextlib.contextmanager
def startup_objects_frozen() -> Iterator[None]:
    """While the app serves, what start-up built (the schema, its parsed documents, the settings,
    imported modules) is out of the cyclic garbage collector's sight (gc.freeze). It lives as long
    as the process, yet every full collection walked it: a request that builds a few thousand
    objects (a teacher's sections with their students) set collections off that cost ~20% of its
    CPU (bench/graphql.py, docs/performance.md). Unfrozen at shutdown, for processes that start
    several apps (the tests)."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def create_app(settings: Settings | None = None, *, run_worker: bool | None = None,
               runtime: Runtime | None = None) -> FastAPI:
    """The app for ``runtime`` (default: one built from ``settings``, by default the environment's;
    a configured plugin that fails to load stops start-up here). With ``run_worker`` (default in
    embedded mode) it runs the actors and the queue clock too, and installs the runtime for them."""
    install_redaction()  # issue 16 point 8: no log line carries an address, a token or a secret
    runtime = runtime or build_runtime(settings or get_settings())
    settings, engine = runtime.settings, runtime.engine

    import jobs.queue_clock
    import jobs.runtime

    run_worker = settings.embedded if run_worker is None else run_worker
    if run_worker:
        jobs.runtime.install(runtime)
    # Partner keys first: they are known by their prefix without decoding anything; then Homeroom's
    # own tokens; then the trusted OpenID Providers' (any other JWT is refused as untrusted).
    oidc = OidcVerifier.from_settings(settings, engine)
    authenticate = Authenticator([PartnerKeyVerifier(engine, runtime.links.keys), HomeroomTokens(settings), oidc])

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        install_redaction()  # again: uvicorn configured its loggers' handlers after the app was built
        worker = (jobs.broker.start_in_process_worker(runtime.broker, settings.worker_threads)
                  if run_worker else None)
        # Embedded mode runs the communication queue's clock too (production: homeroom scheduler).
        queue_clock = jobs.queue_clock.start_thread() if run_worker else None
        try:
            with startup_objects_frozen():
                yield
        finally:
            oidc.close()
            if queue_clock is not None:
                queue_clock[1].set()
            if worker is not None:
                worker.stop()

    async def get_context(request: Request = None, websocket: WebSocket = None):  # type: ignore[assignment]
        context = Context(runtime, authenticate)
        try:
            yield context
        finally:
            context.close()

    async def context_dependency(context: Context = Depends(get_context)) -> Context:
        return context

    # Issue 17 point 5: GraphiQL in development only, its files served here (never a CDN).
    graphiql = GraphiQLPage(settings.graphiql_assets_dir) if settings.graphiql else None
    persisted = persisted_queries(settings)
    metrics = Metrics(runtime)
    rate_limits = RateLimits.from_settings(settings)
    router = HomeroomGraphQLRouter(
        build_schema(development=settings.is_development, introspection=settings.introspection,
                     limits=graphql_limits(settings), persisted_documents=persisted.documents.values(),
                     field_suggestions=settings.field_suggestions,
                     extra_extensions=[metrics.requests.graphql_extension()]),
        persisted_queries=persisted,
        context_getter=context_dependency,
        graphiql=graphiql,
        allow_queries_via_get=settings.queries_via_get,
        # graphql-transport-ws only, in every environment: the legacy graphql-ws protocol
        # (subscriptions-transport-ws) is unmaintained and has none of the hardening above.
        subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
        subscription_limits=SubscriptionLimits(per_key=settings.subscriptions_per_key,
                                               per_district=settings.subscriptions_per_district),
        rate_limits=rate_limits,
        ping_seconds=settings.ws_ping_seconds,
        send_queue_frames=settings.ws_send_queue_frames,
    )
    # Every route has a body limit, checked against Content-Length before the body is read and
    # counted as a chunked body arrives (413); /graphql carries CSV imports of up to 10 MB of text.
    app = FastAPI(title="Homeroom", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None,
                  max_body_size=settings.max_request_bytes)
    # A request id and the client's address for each request (the audit trail, the logs); then
    # each request is counted (/metrics) by the route it matched.
    app.add_middleware(HttpMetricsMiddleware, metrics=metrics.requests)
    app.add_middleware(RequestContextMiddleware)
    app.include_router(router, prefix="/graphql", max_body_size=settings.max_graphql_request_bytes)
    if graphiql is not None:
        app.include_router(graphiql.router())
    app.include_router(report_router(engine, authenticate))
    app.include_router(unsubscribe_router(settings, engine))
    app.include_router(printing_router(settings, engine))
    app.include_router(reenrolment_router(settings, engine))
    app.include_router(attachment_router(settings, engine))
    app.include_router(template_file_router(settings, engine))
    app.include_router(announcement_file_router(settings, engine, runtime.events))
    app.include_router(webhook_router(settings, engine, runtime.registry, runtime.events, runtime.reply_filer))
    app.include_router(voice_router(settings, engine))
    app.include_router(sign_in_router(settings, engine, oidc, rate_limits))
    app.include_router(public_announcement_router(engine, rate_limits))
    app.include_router(health_router(settings, engine))
    app.include_router(metrics.router())
    _allow_cross_origin_calls(app, settings)
    return app


def graphql_limits(settings: Settings) -> GraphQLLimits:
    """The limits every GraphQL document holds (issue 17 point 6), from the settings."""
    postgres = settings.database_url.startswith("postgresql")
    return GraphQLLimits(max_cost=settings.graphql_max_cost, timeout_seconds=settings.graphql_timeout_seconds,
                         document_cache_size=settings.graphql_document_cache_size,
                         statement_timeout_seconds=settings.database_statement_timeout_seconds if postgres else None)


def persisted_queries(settings: Settings) -> PersistedQueries:
    """HOMEROOM_PERSISTED_QUERIES' manifest (none: no persisted queries); a bad one stops start-up."""
    if settings.persisted_queries is None:
        return PersistedQueries()
    try:
        return PersistedQueries(read_manifest(settings.persisted_queries), only=settings.persisted_only)
    except ManifestError as error:
        raise SettingsError(f"invalid setting HOMEROOM_PERSISTED_QUERIES: {error}") from None


def _allow_cross_origin_calls(app: FastAPI, settings: Settings) -> None:
    """CORS (issue 16 point 2): browser apps on the listed origins may call /graphql and /auth with
    a bearer token; preflights are answered. Nothing is allowed by default in production; a
    development server allows localhost when HOMEROOM_CORS_ORIGINS is unset."""
    origins, pattern = settings.cors_origins or [], settings.cors_origin_pattern
    if not origins and pattern is None:
        return
    app.add_middleware(CORSMiddleware, allow_origins=origins, allow_origin_regex=pattern,
                       allow_credentials=settings.cors_allow_credentials, allow_methods=["GET", "POST"],
                       allow_headers=["Authorization", "Content-Type"], max_age=600)


def server_options(settings: Settings) -> dict:
    """What uvicorn needs beside the app: a WebSocket frame no larger than an ordinary request body
    (HOMEROOM_MAX_REQUEST_BYTES, 1 MiB; uvicorn's own default is 16 MiB), so a larger one is refused
    (close code 1009) before its JSON is decoded on the event loop (issue 13 point 4). Sockets carry
    subscriptions; a large import goes to POST /graphql, whose limit is larger.

    No permessage-deflate: its zlib context is per socket, so a frame shared by a thousand
    subscribers (graph.shared_results) would be compressed a thousand times: 55 KB delivery-feed
    batches to 500 sockets spent ~200 µs of zlib per socket per frame, most of the API's CPU in
    bench/subscriptions.py (docs/performance.md). A proxy in front may compress for slow links."""
    return {"ws_max_size": settings.max_request_bytes, "ws_per_message_deflate": False}
