"""Bearer tokens: HS256 JWTs naming a user by id and login.

The HMAC key is derived from the deployment's secret for this purpose (domain.support.signed_ids), never
the raw secret. The header's ``kid`` names the secret that signed: new tokens use the current one
(``HOMEROOM_JWT_SECRET``), and tokens of a previous one (``HOMEROOM_JWT_PREVIOUS_SECRETS``) keep
working until they expire or it is removed.
"""

from __future__ import annotations

import datetime as dt

import jwt

from domain.support.errors import AuthenticationError
from domain.support.signed_ids import derived_key, key_id, signing_keys
from homeroom.settings import Settings

ISSUER = "homeroom"
ALGORITHM = "HS256"
PURPOSE = "bearer token"


def mint_token(settings: Settings, *, user_id: int, login: str, ttl_minutes: int | None = None) -> str:
    secret = signing_keys(settings).current
    now = dt.datetime.now(dt.UTC)
    claims = {
        "iss": ISSUER,
        "sub": str(user_id),
        "login": login,
        "iat": now,
        "exp": now + dt.timedelta(minutes=ttl_minutes or settings.jwt_ttl_minutes),
    }
    return jwt.encode(claims, derived_key(secret, PURPOSE), algorithm=ALGORITHM, headers={"kid": key_id(secret)})


def user_id_from_token(settings: Settings, token: str | None) -> int:
    """The user id a valid token names; any problem is one opaque authentication error."""
    if not token:
        raise AuthenticationError("authentication required: send 'Authorization: Bearer <token>'")
    try:
        secret = signing_keys(settings).by_kid(jwt.get_unverified_header(token).get("kid"))
        if secret is None:
            raise jwt.InvalidTokenError("no key of ours")
        claims = jwt.decode(
            token,
            derived_key(secret, PURPOSE),
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "sub", "iss"]},
        )
        return int(claims["sub"])
    except jwt.ExpiredSignatureError:
        raise AuthenticationError("the token has expired") from None
    except (jwt.InvalidTokenError, ValueError):
        raise AuthenticationError("the token is not valid") from None


def credentials(settings: Settings, request, connection_params: dict | None) -> tuple[int, dt.datetime]:
    """The user a GraphQL request or WebSocket authenticates as, and when its token expires; an
    AuthenticationError otherwise. The GraphQL context is handed this (bound to the settings)."""
    token = _token(request, connection_params)
    user_id = user_id_from_token(settings, token)
    return user_id, token_expires_at(token)


def _token(request, connection_params: dict | None) -> str | None:
    if connection_params is not None:  # the connection_init payload: any JSON, so only strings are tokens
        header, token = (connection_params.get("Authorization") or connection_params.get("authorization"),
                         connection_params.get("token"))
        return (bearer_token(header) if isinstance(header, str) else None) or (
            token if isinstance(token, str) else None)
    if request is not None:
        return bearer_token(request.headers.get("authorization"))
    return None


def bearer_token(header_value: str | None) -> str | None:
    if not header_value:
        return None
    scheme, _, token = header_value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def token_expires_at(token: str) -> dt.datetime:
    """When a token that ``user_id_from_token`` accepted expires (its ``exp``, verified there):
    a WebSocket opened with it is closed then (issue 13 point 15)."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return dt.datetime.fromtimestamp(int(claims["exp"]), dt.UTC)
