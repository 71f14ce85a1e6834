"""The same refresh token presented twice at once (issue 16 point 1): exactly one request gets a
successor, the other is refused, and the sign-in's family ends (a copied token raced its owner)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select
from sqlmodel import Session

from domain.access import refresh_tokens
from domain.support.signed_ids import signing_keys
from homeroom.settings import get_settings
from models.directory import User


def test_two_refreshes_of_one_token_at_once_end_the_family(engine):
    """Issue 16 point 1 (OAuth 2.0 Security BCP): the rotation claims the token with one conditional
    UPDATE, so of two concurrent uses one wins and the loser revokes the family, the winner's new
    token included."""
    keys = signing_keys(get_settings())
    with Session(engine) as session:
        user_id = session.execute(select(User.id).where(User.login == "admin")).scalar_one()
        token = refresh_tokens.issue(session, user_id=user_id, keys=keys, lifetime=dt.timedelta(days=1))
        session.commit()
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def use() -> None:
        start.wait()
        with Session(engine) as session:
            try:
                outcomes.append(refresh_tokens.rotate(session, token=token, keys=keys))
            except refresh_tokens.InvalidGrant as refused:
                outcomes.append(refused)

    threads = [threading.Thread(target=use) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    winners = [outcome for outcome in outcomes if isinstance(outcome, refresh_tokens.Refreshed)]
    assert len(winners) == 1 and len(outcomes) == 2
    assert "already used" in str(next(o for o in outcomes if isinstance(o, refresh_tokens.InvalidGrant)))
    with Session(engine) as session, pytest.raises(refresh_tokens.InvalidGrant, match="revoked"):
        refresh_tokens.rotate(session, token=winners[0].refresh_token, keys=keys)
