"""/forms/reenrolment/{token}: the re-enrolment form a person whose number was unreachable fills
in (JOB-06). The link in the form's email is the only key; a completed form cannot be reused."""

from __future__ import annotations

import html

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from domain.support.errors import FieldProblem
from domain.support.signed_ids import signing_keys
from domain.reenrolment.status_updates import BadFormLink, complete_form, open_request
from homeroom.settings import Settings
from models.db import session_scope


def _page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(f"<!doctype html><meta charset=utf-8><title>{html.escape(title)}</title>"
                        f"<h1>{html.escape(title)}</h1>{body}", status_code=status_code)


def _form(title: str, instructions: str, number: str, phone: str = "", email: str = "",
          problems: list[FieldProblem] = ()) -> str:
    errors = "".join(f'<li data-field="{html.escape(".".join(map(str, p.path)))}" data-code="{p.code}">'
                     f"{html.escape(p.message)}</li>" for p in problems)
    return (f"<p>{html.escape(instructions)}</p><p>We could not reach you at {html.escape(number)}.</p>"
            + (f'<ul class="errors">{errors}</ul>' if errors else "")
            + f'<form method="post"><label>New phone number <input name="phone" type="tel" '
              f'value="{html.escape(phone)}"></label><label>Email address <input name="email" type="email" '
              f'value="{html.escape(email)}"></label><button type="submit">Send</button></form>')


def reenrolment_router(settings: Settings, engine: Engine) -> APIRouter:
    router = APIRouter()
    keys = signing_keys(settings)

    @router.get("/forms/reenrolment/{token}", response_class=HTMLResponse)
    def show(token: str) -> HTMLResponse:
        try:
            with session_scope(engine) as session:
                request, form = open_request(session, token, keys)
        except BadFormLink as error:
            return _page("Contact information", f"<p>{html.escape(str(error))}</p>", 404)
        return _page(form.title, _form(form.title, form.instructions, request.failed_number))

    @router.post("/forms/reenrolment/{token}", response_class=HTMLResponse)
    async def submit(token: str, request: Request) -> HTMLResponse:
        fields = await request.form()
        phone, email = str(fields.get("phone") or ""), str(fields.get("email") or "")

        def complete() -> HTMLResponse:  # on a worker thread, as the database work of every route
            try:
                with session_scope(engine) as session:
                    opened, form = open_request(session, token, keys)
                    problems = complete_form(session, opened, phone, email)
                    if problems:
                        return _page(form.title, _form(form.title, form.instructions, opened.failed_number,
                                                       phone, email, problems), 400)
            except BadFormLink as error:
                return _page("Contact information", f"<p>{html.escape(str(error))}</p>", 404)
            return _page("Thank you", "<p>Your school has your new contact information.</p>")

        return await run_in_threadpool(complete)

    return router
