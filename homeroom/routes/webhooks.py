"""POST /webhooks/{plugin}: status callbacks and inbound messages for channel plugins.

The route belongs to the core; the plugin only verifies and parses (ChannelPlugin.parse_webhook).
The plugin gets the URL the provider called, built from ``HOMEROOM_PUBLIC_BASE_URL`` rather than
from the request, so signatures over the URL still match behind a proxy. A forged request is
answered 403 before anything is read from or written to the database; a request the plugin cannot
parse is 400; the events are applied in one transaction (domain.inbound.webhook_events).
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from channels.base import WebhookRejected
from channels.registry import ChannelRegistry
from domain.delivery import progress_events
from domain.inbound.replies import ThreadFiler
from domain.delivery.callbacks import apply_provider_events
from domain.inbound.webhook_events import Applied
from domain.support.signed_ids import signing_keys
from homeroom.settings import Settings
from models.db import session_scope

log = logging.getLogger(__name__)


def webhook_router(settings: Settings, engine: Engine, registry: ChannelRegistry,
                   events: progress_events.ProgressBus | None = None, filer: ThreadFiler | None = None) -> APIRouter:
    """``events``: the runtime's progress bus (by default one for ``settings``' Redis, or this process's);
    ``filer``: how an account holder's answer is filed in their thread (the runtime's reply_filer)."""
    router = APIRouter()
    keys = signing_keys(settings)
    bus = events or progress_events.make_bus(settings.redis_url)

    def apply_and_announce(kinds, events) -> Applied:
        with session_scope(engine) as session:
            applied = apply_provider_events(session, kinds, events, keys, filer=filer)
        progress_events.publish(bus, applied.message_ids)  # subscriptions see the new statuses live
        return applied

    @router.post("/webhooks/{plugin_name}")
    async def webhook(plugin_name: str, request: Request) -> JSONResponse:
        kinds = [kind for kind in registry.kinds()
                 if (plugin := registry.for_kind(kind)) is not None and plugin.name == plugin_name]
        plugin = registry.for_kind(kinds[0]) if kinds else None
        if plugin is None or not (plugin.capabilities.status_callbacks or plugin.capabilities.inbound_messages):
            return JSONResponse({"error": f"no configured plugin {plugin_name!r} takes webhooks"}, status_code=404)
        body = await request.body()
        url = settings.public_base_url.rstrip("/") + request.url.path
        if request.url.query:
            url += "?" + request.url.query

        try:  # on worker threads, as the database work below: signatures and parsing cost CPU
            events = await run_in_threadpool(plugin.parse_webhook, dict(request.headers), body, url)
        except WebhookRejected:
            log.warning("webhook for %s rejected: not signed by the provider", plugin_name)
            return JSONResponse({"error": "the request is not signed by the provider"}, status_code=403)
        except (ValueError, KeyError, TypeError) as error:
            return JSONResponse({"error": f"the plugin could not read the request: {type(error).__name__}"},
                                status_code=400)
        applied = await run_in_threadpool(apply_and_announce, kinds, events)
        reply = plugin.webhook_reply(applied.reply_text) if applied.reply_text else None
        if reply is not None:
            media_type, content = reply
            return Response(content, media_type=media_type)
        return JSONResponse({"statuses": applied.statuses, "replies": applied.replies, "keywords": applied.keywords,
                             "ignored": applied.ignored})

    return router
