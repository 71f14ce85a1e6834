"""The partner-key verifier of the authenticator (issue 16 point 3): a bearer token that starts
with ``hrk_`` is a partner key, checked against the database (domain.access.partner_keys)."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.access.partner_keys import TOKEN_PREFIX, authenticate_key
from domain.support.signed_ids import SigningKeys
from homeroom.auth import Credentials


class PartnerKeyVerifier:
    """Recognises ``hrk_…`` tokens; a valid key's credentials name its creator and carry its grant."""

    def __init__(self, engine: Engine, keys: SigningKeys) -> None:
        self.engine, self.keys = engine, keys

    def verify(self, token: str) -> Credentials | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        with Session(self.engine, expire_on_commit=False) as session:
            found = authenticate_key(session, token, self.keys)
        return Credentials(found.user_id, found.expires_at, found.grant)
