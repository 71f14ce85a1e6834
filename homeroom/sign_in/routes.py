"""The token exchange (issue 16 point 1): ``POST /auth/token`` and ``POST /auth/revoke``.

An app that would rather not send the provider's token on every call exchanges it (RFC 8693,
``grant_type=urn:ietf:params:oauth:grant-type:token-exchange``) for a short-lived Homeroom token
and a refresh token; ``grant_type=refresh_token`` (RFC 6749 §6) rotates the refresh token, and
``/auth/revoke`` (RFC 7009) ends the sign-in it belongs to. Requests are form-encoded, answers JSON
with ``Cache-Control: no-store``; errors are RFC 6749 §5.2 objects with status 400, and a refused
request writes nothing (except that reusing a rotated refresh token revokes its family). Clients
are public (browser and mobile apps hold no secret), so there is no client authentication; instead
each client address may make HOMEROOM_RATE_LIMIT_TOKEN_ROUTES requests to these routes (issue 17
point 6), past which they answer 429 ``{"error": "rate_limited", ...}`` with ``Retry-After``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import jwt
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from domain.access import refresh_tokens
from domain.support.errors import AuthenticationError
from domain.support.signed_ids import signing_keys
from homeroom.auth import ISSUER as HOMEROOM_ISSUER
from homeroom.auth import mint_token, new_sign_in_id
from homeroom.rate_limits import RateLimits, Refusal
from homeroom.settings import Settings
from homeroom.sign_in.verifier import OidcVerifier
from models.directory import User

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
REFRESH_TOKEN = "refresh_token"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
#: What ``subject_token_type`` may say: the provider's ID token or JWT access token.
SUBJECT_TOKEN_TYPES = frozenset({"urn:ietf:params:oauth:token-type:id_token", ACCESS_TOKEN_TYPE,
                                 "urn:ietf:params:oauth:token-type:jwt"})
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(Exception):
    """An RFC 6749 §5.2 error answer."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


def sign_in_router(settings: Settings, engine: Engine, verifier: OidcVerifier, rate_limits: RateLimits) -> APIRouter:
    router = APIRouter(prefix="/auth")

    async def over_the_rate(request: Request) -> Response | None:
        """Count the request against its address; the answer to send instead when it is over."""
        address = request.client.host if request.client else "unknown"
        refusal = await run_in_threadpool(rate_limits.token_request, address)
        return None if refusal is None else _rate_limited(refusal)
    keys = signing_keys(settings)
    lifetime = dt.timedelta(days=settings.refresh_token_ttl_days)

    def answer(user_id: int, login: str, refresh_token: str, sign_in_id: str) -> dict[str, Any]:
        """The token answer; the access token's ``sid`` is the refresh-token family, so every token
        of one sign-in shares its session (the school year its user works in, SYS-08)."""
        return {"access_token": mint_token(settings, user_id=user_id, login=login, sid=sign_in_id,
                                           ttl_minutes=settings.access_token_ttl_minutes),
                "issued_token_type": ACCESS_TOKEN_TYPE, "token_type": "Bearer",
                "expires_in": settings.access_token_ttl_minutes * 60, "refresh_token": refresh_token}

    def exchange(form: dict[str, str]) -> dict[str, Any]:
        subject_token = _required(form, "subject_token")
        if _required(form, "subject_token_type") not in SUBJECT_TOKEN_TYPES:
            raise OAuthError("invalid_request", "subject_token_type must be the id_token, access_token or jwt "
                                                "token type URI")
        if form.get("requested_token_type", ACCESS_TOKEN_TYPE) != ACCESS_TOKEN_TYPE:
            raise OAuthError("invalid_request", "only an access token can be requested")
        try:  # RFC 8693 §2.2.2: an invalid subject token is invalid_request
            signed_in, _claims = verifier.sign_in(subject_token)
        except AuthenticationError as error:
            raise OAuthError("invalid_request", f"subject_token refused: {error}") from None
        if signed_in is None:
            raise OAuthError("invalid_request", "subject_token is not a token of a trusted OpenID Provider")
        with Session(engine) as session:
            login = session.execute(select(User.login).where(User.id == signed_in.user_id)).scalar_one()
            sign_in_id = new_sign_in_id()
            refresh_token = refresh_tokens.issue(session, user_id=signed_in.user_id, keys=keys, lifetime=lifetime,
                                                 family_id=sign_in_id)
            session.commit()
        return answer(signed_in.user_id, login, refresh_token, sign_in_id)

    def refresh(form: dict[str, str]) -> dict[str, Any]:
        with Session(engine) as session:
            try:
                refreshed = refresh_tokens.rotate(session, token=_required(form, "refresh_token"), keys=keys)
            except refresh_tokens.InvalidGrant as error:
                raise OAuthError("invalid_grant", str(error)) from None
        return answer(refreshed.user_id, refreshed.login, refreshed.refresh_token, refreshed.family_id)

    grants: dict[str, Callable[[dict[str, str]], dict[str, Any]]] = {TOKEN_EXCHANGE: exchange, REFRESH_TOKEN: refresh}

    @router.post("/token")
    async def token(request: Request) -> Response:
        if (refused := await over_the_rate(request)) is not None:
            return refused
        try:
            form = await _form(request)
            grant = grants.get(_required(form, "grant_type"))
            if grant is None:
                raise OAuthError("unsupported_grant_type", f"grant_type must be {TOKEN_EXCHANGE} or {REFRESH_TOKEN}")
            return JSONResponse(await run_in_threadpool(grant, form), headers=_NO_STORE)
        except OAuthError as error:
            return _error(error)

    def revoke(form: dict[str, str]) -> None:
        token_text = _required(form, "token")
        with Session(engine) as session:
            found = refresh_tokens.revoke(session, token=token_text, keys=keys)
        if not found and _is_homeroom_token(token_text):
            raise OAuthError("unsupported_token_type", "Homeroom access tokens cannot be revoked; they expire "
                                                       f"within {settings.access_token_ttl_minutes} minutes")

    @router.post("/revoke")
    async def revoke_route(request: Request) -> Response:
        if (refused := await over_the_rate(request)) is not None:
            return refused
        try:
            await run_in_threadpool(revoke, await _form(request))
        except OAuthError as error:
            return _error(error)
        return Response(status_code=200, headers=_NO_STORE)

    return router


async def _form(request: Request) -> dict[str, str]:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        raise OAuthError("invalid_request", "the body must be application/x-www-form-urlencoded")
    form = await request.form()
    repeated = sorted({name for name in form.keys() if len(form.getlist(name)) > 1})
    if repeated:  # RFC 6749 §3.2: parameters must not be included more than once
        raise OAuthError("invalid_request", f"{repeated[0]} is given more than once")
    return {name: value for name, value in form.items() if isinstance(value, str)}


def _required(form: dict[str, str], name: str) -> str:
    value = form.get(name, "")
    if not value:
        raise OAuthError("invalid_request", f"{name} is required")
    return value


def _error(error: OAuthError) -> JSONResponse:
    return JSONResponse({"error": error.error, "error_description": error.description}, status_code=error.status,
                        headers=_NO_STORE)


def _rate_limited(refusal: Refusal) -> JSONResponse:
    return JSONResponse({"error": "rate_limited", "error_description": refusal.message,
                         "retry_after": refusal.retry_after},
                        status_code=429, headers={**_NO_STORE, "Retry-After": str(refusal.retry_after)})


def _is_homeroom_token(token: str) -> bool:
    try:
        return jwt.decode(token, options={"verify_signature": False}).get("iss") == HOMEROOM_ISSUER
    except jwt.InvalidTokenError:
        return False
