"""GET /printing/{token}/letters.pdf: a finished print job's PDF (CMP-31), through the signed,
expiring link printJob(id).downloadUrl hands its requester (domain.letters.print_jobs). The link
is the credential, as a download link in a browser must be: it names one job, for one purpose,
and stops working after an hour. A genuine link to a PDF deleted after the retention answers 410
Gone, saying so."""

from __future__ import annotations

import html

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Engine

from domain.letters.print_jobs import BadDownloadLink, ExpiredPrint, downloadable_pdf
from domain.support.global_ids import Kind, global_id
from domain.support.signed_ids import signing_keys
from homeroom.settings import Settings
from models.db import session_scope


def printing_router(settings: Settings, engine: Engine) -> APIRouter:
    router = APIRouter()
    keys = signing_keys(settings)

    @router.get("/printing/{token}/letters.pdf")
    def letters_pdf(token: str) -> Response:  # a plain def: FastAPI runs it on a worker thread
        try:
            with session_scope(engine) as session:
                job_id, pdf = downloadable_pdf(session, token, keys)
        except BadDownloadLink as error:
            return HTMLResponse(f"<p>{html.escape(str(error))}</p>",
                                status_code=410 if isinstance(error, ExpiredPrint) else 404)
        filename = f"letters-{global_id(Kind.PRINT_JOB, job_id)}.pdf"
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                 "Cache-Control": "private, no-store"})

    return router
