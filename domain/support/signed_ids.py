"""Ids signed for one purpose and a limited time: every link and address Homeroom hands out that
stands in for a login (unsubscribe links, reply and bounce addresses, re-enrolment form links, the
URLs a voice provider fetches).

A token is ``<id>.<expires>.<kid>.<mac>``: the id, the Unix second after which it is refused, the
id of the key that signed it, and an HMAC-SHA256 of ``<id>.<expires>.<kid>`` truncated to 128 bits
(22 base64url characters). The HMAC key is derived from the deployment's secret for the purpose
(HMAC(secret, "homeroom link key:" + purpose)), so a token made for one purpose or one id is
worthless for another and the raw secret signs nothing. Only the canonical spelling is accepted:
ASCII digits without leading zeros, the exact case, no padding, nothing before or after.

Links of the scheme before this one (``<id>.<mac>``, the MAC keyed by the raw secret over
``<purpose>:<id>``, no expiry) still sit in families' mailboxes. For the two purposes that live
there, unsubscribe and reply, they are read in their exact spelling while the delivery they name
is younger than the purpose's lifetime (the caller says when it was made); nothing new is signed
that way. This keeps one-click unsubscribe and answers to older mail working across the upgrade.

Keys rotate: new tokens are signed with the current secret (``HOMEROOM_JWT_SECRET``); a token
whose kid names a previous secret (``HOMEROOM_JWT_PREVIOUS_SECRETS``) is still accepted until it
expires or that secret is removed.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import functools
import hashlib
import hmac
import math
import re
import time
from collections.abc import Callable

#: The largest id a token may name (a signed 64-bit key); a longer number is refused unread.
MAX_ID = 2**63 - 1
_TOKEN = re.compile(r"([1-9][0-9]{0,18})\.([1-9][0-9]{0,11})\.([A-Za-z0-9_-]{4})\.([A-Za-z0-9_-]{22})", re.ASCII)
_LEGACY_TOKEN = re.compile(r"([1-9][0-9]{0,18})\.([A-Za-z0-9_-]{22})", re.ASCII)
#: When the thing a legacy token names was made (Unix seconds), or None when there is no such thing.
IssuedAt = Callable[[int], "float | None"]


@dataclasses.dataclass(frozen=True)
class Purpose:
    """What a token is for and how long it lives. The expiry is rounded up to ``granularity``, so
    the links of one purpose made within that window are identical (a provider can cache media)."""

    name: str
    lifetime: dt.timedelta
    granularity: dt.timedelta
    #: Links of the scheme before kids and expiries are still read (see the module's note).
    reads_legacy: bool = False


_DAY, _MINUTE = dt.timedelta(days=1), dt.timedelta(minutes=1)
#: RFC 8058 one-click unsubscribe must still work from mail kept in an inbox for a school year.
UNSUBSCRIBE = Purpose("unsubscribe", 365 * _DAY, _DAY, reads_legacy=True)
#: Families answer late (holidays, a note found weeks later): half a year (CMP-19).
REPLY = Purpose("reply", 180 * _DAY, _DAY, reads_legacy=True)
#: Delivery status notifications come within the sending server's queue lifetime (RFC 5321
#: §4.5.4.1 suggests 4-5 days); two weeks leaves room for slow relays.
BOUNCE = Purpose("bounce", 14 * _DAY, _DAY)
#: The re-enrolment form (JOB-06): answered within weeks; after that a new failed call sends a new one.
REENROLMENT = Purpose("reenrolment", 60 * _DAY, _DAY)
#: The TwiML a call fetches when answered: minted at dispatch, fetched within the ring time, with
#: room for a provider that queues calls beyond its rate.
VOICE_TWIML = Purpose("voice", 2 * 60 * _MINUTE, 5 * _MINUTE)
#: Audio a call plays, minted in the TwiML and fetched at once; stable for 10 minutes so the
#: provider's cache serves a whole batch of calls.
SPEECH_AUDIO = Purpose("speech-audio", 60 * _MINUTE, 10 * _MINUTE)
CALL_RECORDING = Purpose("call-recording", 60 * _MINUTE, 10 * _MINUTE)
PURPOSES = (UNSUBSCRIBE, REPLY, BOUNCE, REENROLMENT, VOICE_TWIML, SPEECH_AUDIO, CALL_RECORDING)


class BadSignedId(Exception):
    """The token is not a genuine one for this purpose."""


class ExpiredSignedId(BadSignedId):
    """The token was genuine but its lifetime is over."""


@dataclasses.dataclass(frozen=True)
class SigningKeys:
    """The deployment's secrets: the current one signs, every one verifies what it signed."""

    current: bytes
    previous: tuple[bytes, ...] = ()

    def by_kid(self, kid: object) -> bytes | None:
        """The secret a key id names, or None when it is not one of ours."""
        return next((secret for secret in (self.current, *self.previous)
                     if isinstance(kid, str) and hmac.compare_digest(key_id(secret), kid)), None)


@functools.lru_cache(maxsize=256)
def derived_key(secret: bytes, purpose: str) -> bytes:
    """The HMAC key of one purpose; never the raw secret."""
    return hmac.digest(secret, b"homeroom link key:" + purpose.encode(), "sha256")


@functools.lru_cache(maxsize=16)
def key_id(secret: bytes) -> str:
    """A short public name of a secret (4 base64url characters), carried in tokens as ``kid``."""
    digest = hmac.digest(secret, b"homeroom key id", "sha256")
    return base64.urlsafe_b64encode(digest).decode()[:4]


def now() -> float:
    """The clock expiries are read against, in Unix seconds."""
    return time.time()


def _mac(purpose: Purpose, body: str, secret: bytes) -> str:
    digest = hmac.digest(derived_key(secret, purpose.name), body.encode(), hashlib.sha256)[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def expiry_for(purpose: Purpose, at: float | None = None) -> int:
    """The Unix second after which a token made ``at`` (default now) is refused."""
    step = int(purpose.granularity.total_seconds())
    return math.ceil(((now() if at is None else at) + purpose.lifetime.total_seconds()) / step) * step


def signed_id(purpose: Purpose, value: int, keys: SigningKeys, *, at: float | None = None) -> str:
    """A token naming ``value`` for ``purpose``, signed with the current key, valid for the
    purpose's lifetime from ``at`` (default now)."""
    if not 0 < value <= MAX_ID:
        raise ValueError("a signed id names a positive 64-bit id")
    body = f"{value}.{expiry_for(purpose, at)}.{key_id(keys.current)}"
    return f"{body}.{_mac(purpose, body, keys.current)}"


def read_signed_id(purpose: Purpose, token: str, keys: SigningKeys, *, issued_at: IssuedAt | None = None) -> int:
    """The id a genuine, unexpired token names; raises BadSignedId (or ExpiredSignedId). With
    ``issued_at``, a legacy token of a purpose that reads them is accepted too, dated by it."""
    match = _TOKEN.fullmatch(token) if isinstance(token, str) else None
    if match is None:
        if issued_at is not None and purpose.reads_legacy:
            return _read_legacy(purpose, token, keys, issued_at)
        raise BadSignedId("not a signed id")
    body, mac = token.rpartition(".")[::2]
    value, secret = int(match[1]), keys.by_kid(match[3])
    if value > MAX_ID or secret is None or not hmac.compare_digest(_mac(purpose, body, secret), mac):
        raise BadSignedId("not a signed id")
    if now() > int(match[2]):
        raise ExpiredSignedId("expired")
    return value


def legacy_signed_id(purpose: Purpose, value: int, secret: bytes) -> str:
    """A token of the scheme before this one, as it was made (tests and the upgrade note only)."""
    digest = hmac.digest(secret, f"{purpose.name}:{value}".encode(), "sha256")[:16]
    return f"{value}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"


def _read_legacy(purpose: Purpose, token: str, keys: SigningKeys, issued_at: IssuedAt) -> int:
    match = _LEGACY_TOKEN.fullmatch(token) if isinstance(token, str) else None
    if match is None or int(match[1]) > MAX_ID:
        raise BadSignedId("not a signed id")
    value = int(match[1])
    if not any(hmac.compare_digest(legacy_signed_id(purpose, value, secret), token)
               for secret in (keys.current, *keys.previous)):
        raise BadSignedId("not a signed id")
    made = issued_at(value)
    if made is None:
        raise BadSignedId("not a signed id")
    if now() > made + purpose.lifetime.total_seconds():
        raise ExpiredSignedId("expired")
    return value


def verified_id(purpose: Purpose, token: str, keys: SigningKeys) -> int | None:
    """The id a genuine, unexpired token names, else None."""
    try:
        return read_signed_id(purpose, token, keys)
    except BadSignedId:
        return None


def signing_keys(settings) -> SigningKeys:
    """The keys of a ``homeroom.settings.Settings`` (handed in by the shell)."""
    return SigningKeys(settings.jwt_secret.get_secret_value().encode(),
                       tuple(secret.get_secret_value().encode() for secret in settings.jwt_previous_secrets))
