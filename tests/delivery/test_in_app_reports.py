"""What reads the whole ledger sees the in-app rows as they are (issue 15 point 1): the report's
figures, live progress and the CSV export count them DELIVERED; resendToFailed and recall leave them
alone (they are final when written), and no dispatch ever hands one to a channel plugin."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from factories import add_contact, add_student, add_user, first_school_id, phone, unique
from factories import email as email_address
from helpers import gid, gql, pk_of, token_for, wait_for_message
from models.db import session_scope
from models.messaging import Delivery, DeliveryAttempt
from shared_steps import PROGRESS, REPORT, subscription_socket

SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  __typename ... on SendMessageSuccess { message { id status } } ... on SendMessageErrors { errors { field code } } } }"""
SEND_WITH_COUNT = """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  __typename ... on SendMessageSuccess { message { id } recipientCount } } }"""
RESEND = """mutation($id: ID!) { resendToFailed(messageId: $id) { ... on ResendToFailedSuccess { requeued message { status } } } }"""
RECALL = """mutation($id: ID!) { recallMessage(id: $id) { ... on RecallMessageSuccess { cancelled sentBefore stillInFlight message { status } } } }"""


def family_with_account(engine, **card) -> tuple[int, int]:
    """A student whose one contact is linked to a parent account with the Parent profile; returns
    (student id, contact id)."""
    user = add_user(engine, "PARENT", profile="Parent", email=email_address("parent"))
    kid = add_student(engine, first_school_id(engine))
    return kid, add_contact(engine, kid, user_id=user, **card)


def send(client, token: str, subject: str, kid: int, channels: list[str]) -> str:
    body = gql(client, SEND, {"input": {"subject": subject, "htmlBody": "<p>Trip</p>", "channels": channels,
                                        "recipientType": "PRIMARY_CONTACTS", "studentIds": [gid("Student", kid)]}}, token)
    assert body["data"]["sendMessage"]["__typename"] == "SendMessageSuccess", body
    return body["data"]["sendMessage"]["message"]["id"]


def rows(engine, message_id: str) -> dict[str, tuple]:
    """channel -> (status, attempts, provider calls) of a one-recipient message."""
    with session_scope(engine) as session:
        found = session.execute(select(Delivery).where(Delivery.message_id == pk_of(message_id))).scalars().all()
        calls = {d.id: session.execute(select(DeliveryAttempt.id).where(DeliveryAttempt.delivery_id == d.id)
                                       ).scalars().all() for d in found}
        return {d.channel: (d.status, d.attempts, len(calls[d.id])) for d in found}


def test_rpt_01_report_progress_and_resend_to_failed_see_the_in_app_row(client, engine):
    """Covers RPT-01, RPT-02, INB-08: an email that fails (an address no email can carry) beside
    the parent's in-app row: the report counts two deliveries, one error, one recipient, a DELIVERED
    and a FAILED; the CSV lists both; live progress counts both with nothing open.
    resendToFailed requeues the email only: the in-app row stays DELIVERED with no attempt."""
    token = token_for(engine, "admin")
    kid, _ = family_with_account(engine, email="pat\r\nbcc@families.example.org")
    subject = unique("Ledger ")
    message_id = send(client, token, subject, kid, ["EMAIL"])
    assert wait_for_message(client, token, message_id)["status"] == "COMPLETED"
    assert rows(engine, message_id) == {"EMAIL": ("FAILED", 1, 1), "INAPP": ("DELIVERED", 0, 0)}

    [row] = [e["node"] for e in gql(client, REPORT, {"filter": {"search": subject}, "first": 5},
                                     token)["data"]["communicationReport"]["edges"]]
    assert (row["total"], row["errors"], row["recipients"]) == (2, 1, 1)
    assert {c["status"]: c["count"] for c in row["statusCounts"]} == {"DELIVERED": 1, "FAILED": 1}
    exported = client.get(f"/reports/messages/{message_id}/deliveries.csv", headers={"Authorization": f"Bearer {token}"})
    assert sorted((r["channel"], r["status"]) for r in csv.DictReader(io.StringIO(exported.text))) == [
        ("EMAIL", "FAILED"), ("INAPP", "DELIVERED")]
    ws, session = subscription_socket(client, token)
    try:
        session.send_json({"id": "p", "type": "subscribe", "payload": {"query": PROGRESS, "variables": {"id": message_id}}})
        frame = session.receive_json()
    finally:
        ws.__exit__(None, None, None)
    progress = frame["payload"]["data"]["messageProgress"]
    assert (progress["status"], progress["total"], progress["open"]) == ("COMPLETED", 2, 0)
    assert {c["status"]: c["count"] for c in progress["counts"]} == {"DELIVERED": 1, "FAILED": 1}

    resent = gql(client, RESEND, {"id": message_id}, token)["data"]["resendToFailed"]
    assert resent == {"requeued": 1, "message": {"status": "SENDING"}}
    assert wait_for_message(client, token, message_id)["status"] == "COMPLETED"
    assert rows(engine, message_id) == {"EMAIL": ("FAILED", 2, 2), "INAPP": ("DELIVERED", 0, 0)}


def test_recall_cancels_what_waits_and_leaves_the_inbox_entry(client, engine, closed_window):
    """Recall (interpretation, docs/delivery.md): the SMS waiting for the call window (DEFERRED,
    SYS-01) is CANCELLED; the in-app row was in the parent's inbox when it was written and stays
    DELIVERED, counted neither as cancelled nor as sent before."""
    token = token_for(engine, "admin")
    kid, _ = family_with_account(engine, mobile_phone=phone())
    message_id = send(client, token, unique("Recalled "), kid, ["SMS"])
    assert rows(engine, message_id) == {"SMS": ("DEFERRED", 0, 0), "INAPP": ("DELIVERED", 0, 0)}
    recalled = gql(client, RECALL, {"id": message_id}, token)["data"]["recallMessage"]
    assert recalled == {"cancelled": 1, "sentBefore": 0, "stillInFlight": 0, "message": {"status": "CANCELLED"}}
    assert rows(engine, message_id) == {"SMS": ("CANCELLED", 0, 0), "INAPP": ("DELIVERED", 0, 0)}


def test_a_message_whose_only_row_is_in_app_completes(client, engine):
    """Covers CMP-08, PERM-59: a push-only message to a colleague with no registered
    device writes no push row, only the colleague's in-app row; with nothing open the message
    completes at once, without waiting for a queue run, and counts the colleague as its recipient."""
    token = token_for(engine, "admin")
    colleague = add_user(engine, "TEACHER", school_ids=[first_school_id(engine)], profile="Teacher")
    body = gql(client, SEND_WITH_COUNT, {"input": {"subject": unique("Push only "), "htmlBody": "<p>x</p>",
                                                   "channels": ["PUSH"], "staffIds": [gid("User", colleague)]}}, token)
    sent = body["data"]["sendMessage"]
    assert sent["__typename"] == "SendMessageSuccess" and sent["recipientCount"] == 1, body
    assert wait_for_message(client, token, sent["message"]["id"], timeout=10)["status"] == "COMPLETED"
    assert rows(engine, sent["message"]["id"]) == {"INAPP": ("DELIVERED", 0, 0)}
