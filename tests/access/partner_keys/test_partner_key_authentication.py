"""A partner key as a bearer credential (issue 16 point 3): over HTTP and in connection_init; a
field the key has no scope for is FORBIDDEN; unknown, malformed, expired, revoked and rotated-out
keys, and keys whose creator is deactivated, are UNAUTHENTICATED with nothing written; lastUsedAt
is written at most once a minute."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update
from starlette.websockets import WebSocketDisconnect

from domain.access.permissions import Perm
from helpers import gid, gql, make_user, pk_of, token_for
from models.db import session_scope
from models.directory import AccountStatus, Role, User
from models.partner_keys import PartnerKey, PartnerKeySecret
from partner_key_steps import REVOKE, ROTATE, SCHOOLS, create_key, key_rows, last_used

VIEWER = "{ viewer { login } }"


def _code(body: dict) -> str:
    assert body["data"] is None, body
    return body["errors"][0]["extensions"]["code"]


def test_issue_16_point_3_a_key_is_a_bearer_token_for_the_fields_of_its_scopes(client, engine):
    """Issue 16 point 3: a directory:read key reads schools over HTTP; viewer (no scope) and
    partnerKeys (no scope) are FORBIDDEN to it, naming the scope needed; sendMessage names messages:send."""
    created = create_key(client, engine, scopes=["DIRECTORY_READ"])
    secret = created["secret"]
    assert gql(client, SCHOOLS, token=secret)["data"]["schools"]["nodes"]
    refused = gql(client, VIEWER, token=secret)
    assert _code(refused) == "FORBIDDEN" and refused["errors"][0]["extensions"]["scopes"] == []
    send = gql(client, """mutation { sendMessage(input: {subject: "x", htmlBody: "<p>x</p>", channels: [EMAIL]}) {
        __typename } }""", token=secret)
    assert _code(send) == "FORBIDDEN" and send["errors"][0]["extensions"]["scopes"] == ["messages:send"]
    assert _code(gql(client, "{ partnerKeys { id } }", token=secret)) == "FORBIDDEN"


def test_issue_16_point_3_a_key_works_in_connection_init(client, engine):
    """Issue 16 point 3: a key in the WebSocket's connection_init payload is acknowledged and its
    operations run as the key; once revoked, the next operation on the same socket is refused
    (each operation authenticates again)."""
    created = create_key(client, engine, scopes=["DIRECTORY_READ"])
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {created['secret']}"}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": SCHOOLS}})
        first = ws.receive_json()
        assert first["type"] == "next" and first["payload"]["data"]["schools"]["nodes"], first
        assert ws.receive_json()["type"] == "complete"
        revoked = gql(client, REVOKE, {"id": created["key"]["id"]}, token_for(engine, "admin"))
        assert revoked["data"]["revokePartnerKey"]["key"]["revokedAt"] is not None
        ws.send_json({"id": "2", "type": "subscribe", "payload": {"query": SCHOOLS}})
        second = ws.receive_json()
    assert second["type"] == "error" and second["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED", second


def test_issue_16_point_3_a_revoked_key_closes_its_websocket(client, engine, monkeypatch):
    """Issue 16 point 3: a WebSocket opened with a key is closed with 4403 once the key is revoked,
    at the access watch's next check (every minute; a second here)."""
    import homeroom.routes.graphql as graphql_route

    monkeypatch.setattr(graphql_route, "ACCOUNT_RECHECK_SECONDS", 1.0)
    created = create_key(client, engine, scopes=["DIRECTORY_READ"])
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {created['secret']}"}})
        assert ws.receive_json()["type"] == "connection_ack"
        gql(client, REVOKE, {"id": created["key"]["id"]}, token_for(engine, "admin"))
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4403


@pytest.mark.parametrize("case", ["unknown prefix", "wrong secret", "malformed", "expired", "revoked",
                                  "creator deactivated"])
def test_issue_16_point_3_refused_keys_are_unauthenticated_and_write_nothing(client, engine, case):
    """Issue 16 point 3: each refused key answers UNAUTHENTICATED with extensions.code, the secret
    is not echoed, and nothing is written (not even lastUsedAt)."""
    creator_login = f"admin.keys.{case.replace(' ', '-')}"
    creator = make_user(engine, Role.ADMIN, login=creator_login)
    created = create_key(client, engine, token=creator)
    secret, key_id = created["secret"], created["key"]["id"]
    prefix = created["key"]["prefix"]
    if case == "unknown prefix":
        secret = secret.replace(prefix, "0" * 12 if prefix != "0" * 12 else "1" * 12)
    elif case == "wrong secret":
        secret = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    elif case == "malformed":
        secret = secret + "!"
    with session_scope(engine) as session:
        if case == "expired":
            session.execute(update(PartnerKey).where(PartnerKey.id == pk_of(key_id))
                            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
        elif case == "revoked":
            session.execute(update(PartnerKey).where(PartnerKey.id == pk_of(key_id))
                            .values(revoked_at=dt.datetime.now(dt.UTC)))
        elif case == "creator deactivated":
            session.execute(update(User).where(User.login == creator_login)
                            .values(status=AccountStatus.INACTIVE.value))
    before = key_rows(engine)
    response = client.post("/graphql", json={"query": SCHOOLS}, headers={"Authorization": f"Bearer {secret}"})
    body = response.json()
    assert _code(body) == "UNAUTHENTICATED"
    assert secret not in response.text
    assert key_rows(engine) == before
    assert last_used(engine, key_id) is None


def test_issue_16_point_3_last_used_is_written_at_most_once_a_minute(client, engine):
    """Issue 16 point 3: the first use sets lastUsedAt; uses within the minute leave it; a use a
    minute after the last mark moves it."""
    created = create_key(client, engine)
    secret, key_id = created["secret"], created["key"]["id"]
    gql(client, SCHOOLS, token=secret)
    first = last_used(engine, key_id)
    assert first is not None
    gql(client, SCHOOLS, token=secret)
    assert last_used(engine, key_id) == first
    earlier = first - dt.timedelta(seconds=61)
    with session_scope(engine) as session:
        session.execute(update(PartnerKey).where(PartnerKey.id == pk_of(key_id)).values(last_used_at=earlier))
    gql(client, SCHOOLS, token=secret)
    assert last_used(engine, key_id) > earlier + dt.timedelta(seconds=60)


def test_issue_16_point_3_rotation_keeps_the_old_secret_for_its_grace_period(client, engine):
    """Issue 16 point 3: after rotatePartnerKey both secrets work, the list shows the new prefix
    and the old one with its end; when the grace period ends the old secret is refused; rotating
    with no grace ends it at once."""
    admin = token_for(engine, "admin")
    created = create_key(client, engine)
    old, key_id = created["secret"], created["key"]["id"]
    rotated = gql(client, ROTATE, {"id": key_id, "grace": 30}, admin)["data"]["rotatePartnerKey"]
    assert rotated["__typename"] == "PartnerKeyIssued"
    new = rotated["secret"]
    assert new != old and rotated["key"]["prefix"] != created["key"]["prefix"]
    assert rotated["key"]["previousPrefix"] == created["key"]["prefix"]
    for secret in (old, new):
        assert gql(client, SCHOOLS, token=secret)["data"]["schools"]["nodes"]
    with session_scope(engine) as session:  # the grace period is over
        session.execute(update(PartnerKeySecret).where(PartnerKeySecret.prefix == created["key"]["prefix"])
                        .values(retires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    assert _code(gql(client, SCHOOLS, token=old)) == "UNAUTHENTICATED"
    assert gql(client, SCHOOLS, token=new)["data"]["schools"]["nodes"]
    newest = gql(client, ROTATE, {"id": key_id, "grace": 0}, admin)["data"]["rotatePartnerKey"]["secret"]
    assert _code(gql(client, SCHOOLS, token=new)) == "UNAUTHENTICATED"
    assert gql(client, SCHOOLS, token=newest)["data"]["schools"]["nodes"]


def test_issue_16_point_3_revocation_ends_every_secret_of_the_key(client, engine):
    """Issue 16 point 3: revokePartnerKey refuses the current secret and one still in its grace
    period; revoking again keeps the first revocation time."""
    admin = token_for(engine, "admin")
    created = create_key(client, engine)
    old, key_id = created["secret"], created["key"]["id"]
    new = gql(client, ROTATE, {"id": key_id, "grace": 60}, admin)["data"]["rotatePartnerKey"]["secret"]
    first = gql(client, REVOKE, {"id": key_id}, admin)["data"]["revokePartnerKey"]["key"]["revokedAt"]
    for secret in (old, new):
        assert _code(gql(client, SCHOOLS, token=secret)) == "UNAUTHENTICATED"
    again = gql(client, REVOKE, {"id": key_id}, admin)["data"]["revokePartnerKey"]["key"]["revokedAt"]
    assert again == first


def test_issue_16_point_3_rotate_and_revoke_refuse_bad_input_writing_nothing(client, engine):
    """Issue 16 point 3: an unknown or malformed id, a bare row number and the key's row number as
    an id of another kind are NOT_FOUND (alike); a grace out of range and a revoked key are INVALID;
    nothing is written."""
    admin = token_for(engine, "admin")
    created = create_key(client, engine)
    key_id = created["key"]["id"]
    before = key_rows(engine)
    for missing in (gid("PartnerKey", 987654321), "abc", str(pk_of(key_id)), gid("WebhookEndpoint", pk_of(key_id))):
        assert gql(client, ROTATE, {"id": missing, "grace": 5}, admin)["data"]["rotatePartnerKey"]["errors"] == [
            {"path": ["id"], "code": "NOT_FOUND", "message": "No partner key has this id."}]
        assert gql(client, REVOKE, {"id": missing}, admin)["data"]["revokePartnerKey"]["errors"][0]["code"] == "NOT_FOUND"
    for grace in (-1, 7 * 24 * 60 + 1):
        errors = gql(client, ROTATE, {"id": key_id, "grace": grace}, admin)["data"]["rotatePartnerKey"]["errors"]
        assert [(e["path"], e["code"]) for e in errors] == [(["graceMinutes"], "INVALID")]
    assert key_rows(engine) == before
    gql(client, REVOKE, {"id": key_id}, admin)
    errors = gql(client, ROTATE, {"id": key_id, "grace": 5}, admin)["data"]["rotatePartnerKey"]["errors"]
    assert [(e["path"], e["code"]) for e in errors] == [(["id"], "INVALID")]
    assert key_rows(engine) == before
    principal = token_for(engine, "principal.1")
    assert _code(gql(client, ROTATE, {"id": key_id, "grace": 5}, principal)) == "FORBIDDEN"


def test_issue_16_point_3_keys_survive_a_rotation_of_the_deployment_secret(client, engine):
    """A key hashed under HOMEROOM_JWT_SECRET keeps working once that secret moves to
    HOMEROOM_JWT_PREVIOUS_SECRETS (its first use hashes it again under the new one), and is refused
    once the old secret is gone without that use."""
    from starlette.testclient import TestClient

    from homeroom.app import create_app
    from homeroom.settings import get_settings, load_settings

    created = create_key(client, engine)
    untouched = create_key(client, engine)
    old = get_settings().jwt_secret.get_secret_value()
    new_secret = "partner-rotated-" + "k" * 40
    rotated = load_settings(jwt_secret=new_secret, jwt_previous_secrets=[old])
    with TestClient(create_app(rotated, run_worker=False)) as during:
        assert gql(during, SCHOOLS, token=created["secret"])["data"]["schools"]["nodes"]
    after = load_settings(jwt_secret=new_secret)
    with TestClient(create_app(after, run_worker=False)) as done:
        assert gql(done, SCHOOLS, token=created["secret"])["data"]["schools"]["nodes"]
        assert _code(gql(done, SCHOOLS, token=untouched["secret"])) == "UNAUTHENTICATED"


def test_issue_16_point_3_a_key_acts_with_its_creators_permissions(client, engine):
    """A key never reaches more than its creator: a key whose creator lost Communication is FORBIDDEN."""
    login = "admin.keys.losing"
    creator = make_user(engine, Role.ADMIN, login=login)
    created = create_key(client, engine, token=creator)
    from sqlalchemy import delete, select

    from models.directory import ProfileGrant, UserProfile
    with session_scope(engine) as session:
        profile_ids = select(UserProfile.profile_id).join(User, User.id == UserProfile.user_id).where(User.login == login)
        session.execute(delete(ProfileGrant).where(ProfileGrant.profile_id.in_(profile_ids),
                                                   ProfileGrant.permission == Perm.COMMUNICATION.value))
    assert _code(gql(client, SCHOOLS, token=created["secret"])) == "FORBIDDEN"
