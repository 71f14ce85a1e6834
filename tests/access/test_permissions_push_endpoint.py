"""Push endpoint takeover (issue 13 point 13): registering another user's endpoint is refused; the
endpoint stays with its owner and the answer does not say whose it is."""

from __future__ import annotations

import base64
import os

from sqlalchemy import select

from factories import add_user, email, first_school_id, unique
from helpers import gql, token_for
from models.db import session_scope
from models.directory import User
from models.devices import PushSubscription

REGISTER = """mutation($input: PushSubscriptionInput!) { registerPushSubscription(input: $input) { __typename
  ... on PushSubscriptionRegistered { id endpoint } ... on RegisterPushSubscriptionErrors { errors { field code message } } } }"""


def keys() -> dict:
    """Well-formed RFC 8291 keys: an uncompressed P-256 point's length and a 16-byte secret."""
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    return {"p256dh": b64(b"\x04" + os.urandom(64)), "auth": b64(os.urandom(16))}


def staff_user(engine) -> tuple[int, str, str]:
    user_id = add_user(engine, "TEACHER", school_ids=[first_school_id(engine)], profile="Teacher",
                       email=email("push"), first_name="Owner", last_name=unique("Surname"))
    with session_scope(engine) as session:
        user = session.get(User, user_id)
        return user_id, user.last_name, token_for(engine, user.login)


def stored(engine, endpoint: str) -> PushSubscription:
    with session_scope(engine) as session:
        return session.execute(select(PushSubscription).where(PushSubscription.endpoint == endpoint)).scalars().one()


def test_a_push_endpoint_registered_to_someone_else_stays_theirs(client, engine):
    """Covers CMP-08, SET-04 (issue 13 point 13): the owner registers a browser endpoint; another
    user who presents the same endpoint with their own keys gets CONFLICT on input.endpoint, a
    message that names nobody, and the endpoint keeps its owner and keys. The owner registering
    it again is idempotent (same subscription, refreshed keys)."""
    owner_id, owner_name, owner = staff_user(engine)
    _, _, intruder = staff_user(engine)
    endpoint = f"https://push.example.org/{unique('browser')}"
    first_keys = keys()
    registered = gql(client, REGISTER, {"input": {"endpoint": endpoint, **first_keys}}, owner)
    registered = registered["data"]["registerPushSubscription"]
    assert registered["__typename"] == "PushSubscriptionRegistered"

    taken = gql(client, REGISTER, {"input": {"endpoint": endpoint, **keys()}}, intruder)["data"]
    [error] = taken["registerPushSubscription"]["errors"]
    assert (error["field"], error["code"]) == ("input.endpoint", "CONFLICT")
    assert owner_name not in error["message"] and str(owner_id) not in error["message"]
    kept = stored(engine, endpoint)
    assert (kept.user_id, kept.p256dh, kept.auth) == (owner_id, first_keys["p256dh"], first_keys["auth"])

    refreshed_keys = keys()
    again = gql(client, REGISTER, {"input": {"endpoint": endpoint, **refreshed_keys}}, owner)
    assert again["data"]["registerPushSubscription"] == registered
    kept = stored(engine, endpoint)
    assert (kept.user_id, kept.p256dh, kept.auth) == (owner_id, refreshed_keys["p256dh"], refreshed_keys["auth"])


def test_two_registrations_of_one_endpoint_at_once_never_fail_with_an_internal_error(engine):
    """Covers CMP-08 (issue 13 point 13, the race): while one user's registration of a new endpoint
    is still uncommitted, another user registers the same endpoint. The second waits for the first,
    then gets CONFLICT like any later registration, instead of an IntegrityError (a 500)."""
    import threading

    from domain.support.errors import InvalidInput
    from domain.directory.push_subscriptions import register
    from domain.access.viewer import load_viewer

    first_id, _, _ = staff_user(engine)
    second_id, _, _ = staff_user(engine)
    endpoint = f"https://push.example.org/{unique('race')}"
    first_inserted, outcome = threading.Event(), {}

    def second_registration() -> None:
        first_inserted.wait(10)
        with session_scope(engine) as session:
            try:
                register(session, load_viewer(session, second_id), endpoint, **keys())
                outcome["second"] = "registered"
            except InvalidInput as refused:
                outcome["second"] = [(p.path, p.code) for p in refused.problems]
            except Exception as error:  # noqa: BLE001 - the failure this test is about
                outcome["second"] = repr(error)

    other = threading.Thread(target=second_registration)
    other.start()
    with session_scope(engine) as session:
        register(session, load_viewer(session, first_id), endpoint, **keys())
        first_inserted.set()
        other.join(0.5)  # the second registration is now waiting on (or racing) this uncommitted row
    other.join(30)
    assert outcome["second"] == [(("input", "endpoint"), "CONFLICT")]
    assert stored(engine, endpoint).user_id == first_id
