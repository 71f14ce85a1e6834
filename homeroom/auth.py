"""Who a request is: the bearer credential of an HTTP request or a WebSocket's connection_init,
checked by the first verifier that recognises it (a Homeroom token, a partner key, a token of a
trusted OpenID Provider), and Homeroom's own tokens.

Homeroom tokens are HS256 JWTs naming a user by id and login, and the sign-in they belong to
(``sid``): the refresh-token family of a token exchange, or a fresh id for each minted token. The
sign-in's session holds the school year its user works in (domain.directory.school_years, SYS-08).
A credential without a sid (a partner key, a provider's own token, a token minted before sids)
has no session and always works in the district's current year.

The HMAC key is derived from the deployment's secret for this purpose (domain.support.signed_ids), never
the raw secret. The header's ``kid`` names the secret that signed: new tokens use the current one
(``HOMEROOM_JWT_SECRET``), and tokens of a previous one (``HOMEROOM_JWT_PREVIOUS_SECRETS``) keep
working until they expire or it is removed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Protocol

import jwt

from domain.access.scopes import KeyGrant
from domain.support.errors import AuthenticationError
from domain.support.signed_ids import derived_key, key_id, signing_keys
from homeroom.settings import Settings

ISSUER = "homeroom"
ALGORITHM = "HS256"
PURPOSE = "bearer token"
#: A sid longer than the session table's key is not one Homeroom wrote (models.sign_in.SignInSession).
SID_MAX_LENGTH = 32


def mint_token(settings: Settings, *, user_id: int, login: str, ttl_minutes: int | None = None,
               sid: str | None = None) -> str:
    """A Homeroom token for the user, in the sign-in ``sid`` (None: a sign-in of its own)."""
    secret = signing_keys(settings).current
    now = dt.datetime.now(dt.UTC)
    claims = {
        "iss": ISSUER,
        "sub": str(user_id),
        "login": login,
        "sid": sid or new_sign_in_id(),
        "iat": now,
        "exp": now + dt.timedelta(minutes=ttl_minutes or settings.jwt_ttl_minutes),
    }
    return jwt.encode(claims, derived_key(secret, PURPOSE), algorithm=ALGORITHM, headers={"kid": key_id(secret)})


def new_sign_in_id() -> str:
    """A sign-in id as the token exchange's refresh-token families are: 32 hex digits."""
    return uuid.uuid4().hex


def user_id_from_token(settings: Settings, token: str | None) -> int:
    """The user id a valid token names; any problem is one opaque authentication error."""
    return int(_verified_claims(settings, token)["sub"])


def _verified_claims(settings: Settings, token: str | None) -> dict:
    """A valid token's claims; any problem is one opaque authentication error."""
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
        int(claims["sub"])  # a sub that is not a user id is not our token
        return claims
    except jwt.ExpiredSignatureError:
        raise AuthenticationError("the token has expired") from None
    except (jwt.InvalidTokenError, ValueError):
        raise AuthenticationError("the token is not valid") from None


@dataclasses.dataclass(frozen=True)
class Credentials:
    """An authenticated caller: the user (a partner key's creator, for a key), when the credential
    stops being accepted, the key's grant when a partner key called, and the sign-in a Homeroom
    token belongs to (None: a credential without a session, which works in the current year)."""

    user_id: int
    expires_at: dt.datetime
    key: KeyGrant | None = None
    sid: str | None = None


class TokenVerifier(Protocol):
    """One kind of bearer credential. ``verify`` answers None for a token that is not of its kind,
    Credentials for a valid one, and raises AuthenticationError for one of its kind it refuses."""

    def verify(self, token: str) -> Credentials | None: ...


class HomeroomTokens:
    """Homeroom's own tokens (``homeroom token``, the token exchange)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def verify(self, token: str) -> Credentials | None:
        try:
            if jwt.decode(token, options={"verify_signature": False}).get("iss") != ISSUER:
                return None
        except jwt.InvalidTokenError:
            return None
        claims = _verified_claims(self.settings, token)
        sid = claims.get("sid")
        return Credentials(int(claims["sub"]), token_expires_at(token),
                           sid=sid if isinstance(sid, str) and 0 < len(sid) <= SID_MAX_LENGTH else None)


class Authenticator:
    """The shell's answer to "who is this?" for the GraphQL context: the verifiers in order, the
    first that recognises the token decides."""

    def __init__(self, verifiers: Sequence[TokenVerifier]) -> None:
        self.verifiers = tuple(verifiers)

    def __call__(self, request, connection_params: dict | None) -> Credentials:
        return self.verify(_token(request, connection_params))

    def verify(self, token: str | None) -> Credentials:
        if not token:
            raise AuthenticationError("authentication required: send 'Authorization: Bearer <token>'")
        for verifier in self.verifiers:
            found = verifier.verify(token)
            if found is not None:
                return found
        raise AuthenticationError("the token is not valid")


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
