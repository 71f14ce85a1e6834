"""/unsubscribe/{token}: the one-click unsubscribe endpoint of List-Unsubscribe (RFC 8058).

POST with ``List-Unsubscribe=One-Click`` (what mail clients send) unsubscribes at once. GET
shows a page with a button, because link scanners fetch URLs and must not unsubscribe anyone.
"""

from __future__ import annotations

import html

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from domain.support.signed_ids import signing_keys
from domain.inbound.unsubscribe import BadUnsubscribeLink, address_of, unsubscribe
from homeroom.settings import Settings
from models.db import session_scope


def unsubscribe_router(settings: Settings, engine: Engine) -> APIRouter:
    router = APIRouter()
    keys = signing_keys(settings)

    @router.get("/unsubscribe/{token}", response_class=HTMLResponse)
    def confirm_page(token: str) -> HTMLResponse:
        try:
            with session_scope(engine) as session:
                address = address_of(session, token, keys)
        except BadUnsubscribeLink as error:
            return HTMLResponse(f"<p>{html.escape(str(error))}</p>", status_code=400)
        return HTMLResponse(
            f"<!doctype html><title>Unsubscribe</title><p>Stop school emails to {html.escape(address)}?</p>"
            f'<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">'
            f'<button type="submit">Unsubscribe</button></form>')

    @router.post("/unsubscribe/{token}", response_class=HTMLResponse)
    async def one_click(token: str, request: Request) -> HTMLResponse:
        await request.body()  # List-Unsubscribe=One-Click (RFC 8058); the token alone decides

        def unsubscribe_now() -> str:  # on a worker thread, as the database work of every route
            with session_scope(engine) as session:
                return unsubscribe(session, token, keys)

        try:
            address = await run_in_threadpool(unsubscribe_now)
        except BadUnsubscribeLink as error:
            return HTMLResponse(f"<p>{html.escape(str(error))}</p>", status_code=400)
        return HTMLResponse(f"<p>{html.escape(address)} will get no more school emails.</p>")

    return router
