"""One trusted OpenID Provider's signing keys: its discovery document and JWKS, fetched over HTTP,
cached, and refetched when a token names a kid the cache does not hold (the provider rotated its
keys), at most once per ``min_refresh_seconds`` so a flood of made-up kids cannot hammer the
provider. Keys are parsed by PyJWT (``PyJWK``); nothing here does cryptography itself.

The algorithms a token may use are the provider's advertised
``id_token_signing_alg_values_supported``, never ``none`` and never an HMAC algorithm (a public
key is not a shared secret).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable

import httpx
import jwt

from domain.support.errors import AuthenticationError

log = logging.getLogger(__name__)

DISCOVERY_PATH = "/.well-known/openid-configuration"
#: Algorithms a token from a provider may never use, whatever the provider advertises.
_REFUSED_ALGORITHMS = ("none", "HS256", "HS384", "HS512")
#: What OpenID Connect Discovery requires every provider to support, when it lists nothing usable.
_DEFAULT_ALGORITHMS = ("RS256",)


@dataclasses.dataclass(frozen=True)
class SigningKeySet:
    """What one fetch learned: the allowed algorithms and the keys by kid."""

    algorithms: tuple[str, ...]
    keys: dict[str | None, jwt.PyJWK]


class ProviderKeys:
    """The keys of one issuer, shared by every request of the process (thread-safe)."""

    def __init__(self, issuer: str, *, http: httpx.Client, cache_seconds: float, min_refresh_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.issuer = issuer
        self._http = http
        self._cache_seconds = cache_seconds
        self._min_refresh_seconds = min_refresh_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._known: SigningKeySet | None = None
        self._fetched_at = float("-inf")
        self._attempted_at = float("-inf")

    def key_for(self, kid: object) -> tuple[jwt.PyJWK, tuple[str, ...]]:
        """The key a token's ``kid`` names and the algorithms the provider advertises; raises
        AuthenticationError when the provider's JWKS does not hold it."""
        if kid is not None and not isinstance(kid, str):
            raise AuthenticationError("the token's key id is not valid")
        with self._lock:  # one fetch at a time; the others wait for its answer
            now = self._clock()
            stale = now - self._fetched_at >= self._cache_seconds
            unknown = self._known is not None and kid not in self._known.keys
            if (stale or unknown) and now - self._attempted_at >= self._min_refresh_seconds:
                self._refresh(now)
            known = self._known
        if known is None:
            raise AuthenticationError("the sign-in provider's keys cannot be fetched; try again later")
        key = known.keys.get(kid)
        if key is None and kid is None and len(known.keys) == 1:
            key = next(iter(known.keys.values()))  # a provider with one key may leave kid out
        if key is None:
            raise AuthenticationError("the token is signed with a key its provider does not publish")
        return key, known.algorithms

    def _refresh(self, now: float) -> None:
        self._attempted_at = now
        try:
            self._known = self._fetch()
            self._fetched_at = now
        except (httpx.HTTPError, ValueError, jwt.PyJWKError, jwt.PyJWKSetError) as error:
            # Keep serving the keys we had (the provider may be briefly down); the attempt time
            # still spaces the next try by min_refresh_seconds.
            log.warning("OpenID Provider %s: discovery or JWKS fetch failed: %s", self.issuer,
                        type(error).__name__)

    def _fetch(self) -> SigningKeySet:
        discovery = self._get_json(self.issuer.rstrip("/") + DISCOVERY_PATH)
        if discovery.get("issuer") != self.issuer:  # OpenID Connect Discovery 1.0 §4.3
            raise ValueError("the discovery document names another issuer")
        jwks_uri = discovery.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("https://", "http://")):
            raise ValueError("the discovery document has no jwks_uri")
        if jwks_uri.startswith("http://") and not self.issuer.startswith("http://"):
            raise ValueError("an https issuer's jwks_uri must be https")
        advertised = discovery.get("id_token_signing_alg_values_supported")
        algorithms = tuple(alg for alg in (advertised if isinstance(advertised, list) else [])
                           if isinstance(alg, str) and alg not in _REFUSED_ALGORITHMS
                           and alg in jwt.algorithms.get_default_algorithms())
        return SigningKeySet(algorithms or _DEFAULT_ALGORITHMS, _signing_keys(self._get_json(jwks_uri)))

    def _get_json(self, url: str) -> dict:
        response = self._http.get(url, headers={"Accept": "application/json"})
        response.raise_for_status()
        data = response.json()
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return data


def _signing_keys(jwks: dict) -> dict[str | None, jwt.PyJWK]:
    """The signature keys of a JWKS by kid; keys PyJWT cannot use, or meant for encryption, are left out."""
    keys: dict[str | None, jwt.PyJWK] = {}
    for data in jwks.get("keys") or []:
        if not isinstance(data, dict) or data.get("use", "sig") != "sig":
            continue
        if data.get("alg") in _REFUSED_ALGORITHMS or data.get("kty") == "oct":
            continue
        try:
            keys[data.get("kid")] = jwt.PyJWK(data)
        except (jwt.PyJWKError, jwt.InvalidKeyError):
            continue
    if not keys:
        raise ValueError("the JWKS holds no usable signing key")
    return keys
