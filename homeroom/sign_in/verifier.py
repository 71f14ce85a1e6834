"""Bearer tokens of the district's OpenID Providers (issue 16 point 1): a ``TokenVerifier``
(homeroom.auth) that recognises a JWT whose ``iss`` is not Homeroom's.

A token from a configured issuer is checked with PyJWT against the provider's published keys
(homeroom.sign_in.provider_keys): the signature with the algorithm the provider advertises and the
key its kid names, then ``exp``, ``nbf``, ``iat`` (with a small leeway), ``iss`` and ``aud`` (one
of the issuer's configured audiences: the client id for ID tokens, the API's audience for JWT
access tokens). The person is then found or linked by (issuer, subject)
(domain.access.identities). A JWT from any other issuer is refused by name, not passed on: no other
verifier would accept it, and "not trusted" is the useful answer. So it comes last in the
Authenticator's list (homeroom.app), after every verifier of a JWT of Homeroom's own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import httpx
import jwt
from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.access.identities import LinkRule, SignedInUser, user_for_identity
from domain.support.errors import AuthenticationError
from homeroom.auth import ISSUER as HOMEROOM_ISSUER
from homeroom.auth import Credentials
from homeroom.settings import Settings, TrustedIssuer
from homeroom.sign_in.provider_keys import ProviderKeys

#: Claims every accepted token carries (ID tokens and RFC 9068 access tokens alike).
REQUIRED_CLAIMS = ["iss", "sub", "aud", "exp", "iat"]


class TrustedProvider:
    """One configured issuer: what it must say, its keys, how its people are linked."""

    def __init__(self, issuer: TrustedIssuer, keys: ProviderKeys) -> None:
        self.issuer = issuer.issuer
        self.audiences = list(issuer.audience)
        self.keys = keys
        self.link_rule = LinkRule(issuer.issuer, issuer.user_claim, tuple(issuer.allowed_email_domains))


class OidcVerifier:
    """Tokens of the trusted OpenID Providers; answers None for anything that is not a JWT of an
    outside issuer."""

    def __init__(self, providers: Sequence[TrustedProvider], engine: Engine, *, leeway_seconds: int,
                 http: httpx.Client | None = None) -> None:
        self.providers = {provider.issuer: provider for provider in providers}
        self.engine = engine
        self.leeway_seconds = leeway_seconds
        self._http = http

    def close(self) -> None:
        """Close the HTTP client the providers' keys are fetched with."""
        if self._http is not None:
            self._http.close()

    @classmethod
    def from_settings(cls, settings: Settings, engine: Engine, *, http: httpx.Client | None = None) -> OidcVerifier:
        http = http or httpx.Client(timeout=settings.oidc_http_timeout_seconds, follow_redirects=False)
        providers = [TrustedProvider(issuer, ProviderKeys(
            issuer.issuer, http=http, cache_seconds=settings.oidc_jwks_cache_seconds,
            min_refresh_seconds=settings.oidc_jwks_min_refresh_seconds)) for issuer in settings.oidc_issuers]
        return cls(providers, engine, leeway_seconds=settings.oidc_leeway_seconds, http=http)

    def verify(self, token: str) -> Credentials | None:
        signed_in, claims = self.sign_in(token)
        if signed_in is None:
            return None
        return Credentials(signed_in.user_id, dt.datetime.fromtimestamp(int(claims["exp"]), dt.UTC))

    def sign_in(self, token: str) -> tuple[SignedInUser | None, dict]:
        """The user a provider token names (linked at their first sign-in) and its verified claims;
        (None, {}) for a token that is not an outside issuer's JWT."""
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.InvalidTokenError:
            return None, {}
        issuer = unverified.get("iss")
        if issuer == HOMEROOM_ISSUER:
            return None, {}
        provider = self.providers.get(issuer) if isinstance(issuer, str) else None
        if provider is None:
            raise AuthenticationError("the token's issuer is not trusted by this Homeroom")
        claims = self._verified_claims(provider, token, header)
        with Session(self.engine, expire_on_commit=False) as session:
            return user_for_identity(session, provider.link_rule, claims), claims

    def _verified_claims(self, provider: TrustedProvider, token: str, header: dict) -> dict:
        key, algorithms = provider.keys.key_for(header.get("kid"))
        if header.get("alg") not in algorithms:
            raise AuthenticationError("the token is signed with an algorithm its provider does not advertise")
        try:
            return jwt.decode(token, key, algorithms=list(algorithms), audience=provider.audiences,
                              issuer=provider.issuer, leeway=self.leeway_seconds,
                              options={"require": REQUIRED_CLAIMS, "enforce_minimum_key_length": True})
        except jwt.ExpiredSignatureError:
            raise AuthenticationError("the token has expired") from None
        except jwt.ImmatureSignatureError:
            raise AuthenticationError("the token is not valid yet") from None
        except jwt.InvalidAudienceError:
            raise AuthenticationError("the token is not addressed to this Homeroom (audience)") from None
        except jwt.MissingRequiredClaimError as error:
            raise AuthenticationError(f"the token has no {error.claim} claim") from None
        except (jwt.InvalidTokenError, jwt.InvalidKeyError):
            raise AuthenticationError("the token is not valid") from None
