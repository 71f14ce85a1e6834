"""messageProgress: live progress of a real send over graphql-transport-ws (with Redis, the
notices cross from the worker process to the API through Redis pub/sub)."""

from __future__ import annotations

from sqlalchemy import func, select

from helpers import gids, gql, make_user, pk_of, token_for
from models.db import session_scope
from models.directory import Role, Student
from models.messaging import Delivery
from shared_steps import PROGRESS, subscription_socket

SAVE_DRAFT = """mutation($input: SendMessageInput!) { saveDraft(input: $input) {
  ... on SaveDraftSuccess { message { id } } } }"""
SEND_DRAFT = """mutation($id: ID!, $count: Int) { sendDraft(id: $id, confirmedRecipientCount: $count) {
  __typename ... on SendMessageConfirmationRequired { recipientCount } } }"""


def test_message_progress_streams_a_real_send_until_it_completes(client, engine):
    """Subscribe to a saved draft, send it, and receive its progress: DRAFT with nothing, then
    counts as the worker goes, ending with COMPLETED and counts equal to the ledger's."""
    token = token_for(engine, "admin")
    with session_scope(engine) as session:
        students = gids("Student", session.execute(select(Student.id).where(Student.status == "ACTIVE")
                                                    .order_by(Student.id).limit(150)).scalars())
    draft = gql(client, SAVE_DRAFT, {"input": {"htmlBody": "<p>Progress</p>", "channels": ["EMAIL", "SMS"],
                                               "recipientType": "ALL_CONTACTS", "studentIds": students}},
                token)["data"]["saveDraft"]["message"]["id"]
    ws, session = subscription_socket(client, token)
    try:
        session.send_json({"id": "p", "type": "subscribe", "payload": {"query": PROGRESS, "variables": {"id": draft}}})
        first = session.receive_json()
        assert first["type"] == "next"
        assert first["payload"]["data"]["messageProgress"] == {
            "messageId": draft, "status": "DRAFT", "total": 0, "open": 0, "counts": []}
        ask = gql(client, SEND_DRAFT, {"id": draft}, token)["data"]["sendDraft"]
        sent = gql(client, SEND_DRAFT, {"id": draft, "count": ask["recipientCount"]}, token)["data"]["sendDraft"]
        assert sent["__typename"] == "SendMessageSuccess"
        updates = []
        while True:
            frame = session.receive_json()
            if frame["type"] == "complete":
                break
            assert frame["type"] == "next", frame
            updates.append(frame["payload"]["data"]["messageProgress"])
    finally:
        ws.__exit__(None, None, None)
    assert updates and updates[-1]["status"] == "COMPLETED" and updates[-1]["open"] == 0
    assert all(update["status"] in ("SENDING", "COMPLETED") for update in updates)
    with session_scope(engine) as db:
        ledger = dict(db.execute(select(Delivery.status, func.count()).where(Delivery.message_id == pk_of(draft))
                                 .group_by(Delivery.status)).all())
    assert {c["status"]: c["count"] for c in updates[-1]["counts"]} == ledger
    assert updates[-1]["total"] == sum(ledger.values()) > 100


def test_message_progress_of_a_message_the_viewer_cannot_read_is_not_found(client, engine):
    """Authorised per message: another teacher's view of the admin's message is an error."""
    token = token_for(engine, "admin")
    draft = gql(client, SAVE_DRAFT, {"input": {"htmlBody": "<p>Private</p>", "channels": ["EMAIL"]}},
                token)["data"]["saveDraft"]["message"]["id"]
    ws, session = subscription_socket(client, make_user(engine, Role.TEACHER, school_ids=[]))
    try:
        session.send_json({"id": "p", "type": "subscribe", "payload": {"query": PROGRESS, "variables": {"id": draft}}})
        frame = session.receive_json()
    finally:
        ws.__exit__(None, None, None)
    assert frame["type"] == "error" or frame["payload"].get("errors")
    errors = frame["payload"] if frame["type"] == "error" else frame["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"
