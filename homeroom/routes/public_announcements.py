"""GET /public/announcements?district=<id>: the community mobile app's feed (ANN-10), served without
a token and built to be cached.

Why a plain route and not a GraphQL field: every GraphQL field needs a signed-in caller with
Communication (PERM-06), and a GraphQL GET carries its document in the URL, which makes a poor cache
key for a phone or a CDN. Here the answer is JSON (domain.announcements.public_feed) with a strong
``ETag`` (a hash of the body), ``Cache-Control: public, max-age=60``, and ``If-None-Match`` answered
with 304 and no body. ``lang`` (optional, a supported language's code) reads each announcement's
manual translation into it where there is one (TRN-03, TRN-04; unsupported: the original); the body,
and so the ETag, differs with it. Each request counts against its client address
(HOMEROOM_RATE_LIMIT_PUBLIC_FEED): over it, 429 with ``Retry-After`` and RATE_LIMITED. An unknown
district (or a malformed id) is 404 NOT_FOUND, so a misconfigured app says so instead of showing an
empty board forever.

GET /public/announcements/{id}/files/{fid} downloads a file of an active Public announcement (ANN-10,
ANN-12), counted against the same limit; a missing file and one of a deleted, inactive or
non-public announcement answer the same 404.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from domain.announcements import files
from domain.announcements.public_feed import entity_tag, feed_document, public_announcements
from domain.support.global_ids import Kind, pk_of
from homeroom.rate_limits import RateLimits
from homeroom.routes.attachments import file_download
from homeroom.routes.path_ids import path_pk
from models.db import row_id, session_scope

CACHE_CONTROL = "public, max-age=60"


def _district_id(value: str | None) -> int | None:
    """A District global id, or the district's number."""
    if value is None:
        return None
    return pk_of(value, Kind.DISTRICT) if not value.isdigit() else row_id(value)


def _matches(if_none_match: str | None, tag: str) -> bool:
    if if_none_match is None:
        return False
    candidates = [part.strip() for part in if_none_match.split(",")]
    return "*" in candidates or any(c.removeprefix("W/") == tag for c in candidates)


def public_announcement_router(engine: Engine, rate_limits: RateLimits) -> APIRouter:
    router = APIRouter()

    async def _refused(request: Request) -> Response | None:
        address = request.client.host if request.client else "unknown"
        refusal = await run_in_threadpool(rate_limits.public_feed_request, address)
        if refusal is None:
            return None
        return JSONResponse({"errors": [{"message": refusal.message, "extensions": refusal.extensions}]},
                            status_code=429, headers={"Retry-After": str(refusal.retry_after)})

    @router.get("/public/announcements")
    async def public_feed(request: Request, district: str | None = None, lang: str | None = None) -> Response:
        refused = await _refused(request)
        if refused is not None:
            return refused
        district_id = _district_id(district)

        def read():
            if district_id is None:
                return None
            with session_scope(engine) as session:
                return public_announcements(session, district_id, lang)

        views = await run_in_threadpool(read)
        if views is None:
            return JSONResponse({"errors": [{"message": "no such district", "extensions": {"code": "NOT_FOUND"}}]},
                                status_code=404)
        document = feed_document(views)
        tag = entity_tag(document)
        headers = {"ETag": tag, "Cache-Control": CACHE_CONTROL}
        if _matches(request.headers.get("if-none-match"), tag):
            return Response(status_code=304, headers=headers)
        return Response(document, media_type="application/json", headers=headers)

    @router.get("/public/announcements/{announcement_id}/files/{file_id}")
    async def public_file(request: Request, announcement_id: str, file_id: str) -> Response:
        refused = await _refused(request)
        if refused is not None:
            return refused
        pk = path_pk(announcement_id, Kind.ANNOUNCEMENT, "announcement", missing="no such file")
        file_pk = path_pk(file_id, Kind.ANNOUNCEMENT_FILE, "file", missing="no such file")

        def read() -> Response | None:
            with session_scope(engine) as session:
                found = files.public_readable(session, pk, file_pk)
                return file_download(found) if found is not None else None

        answer = await run_in_threadpool(read)
        if answer is None:  # as a path id that names no file (path_pk): nothing told about what exists
            raise HTTPException(status_code=404, detail="no such file")
        return answer

    return router
