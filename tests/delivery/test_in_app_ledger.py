"""In-app rows in the delivery ledger (issue 15 point 1): every message reaches the in-app inbox of
each recipient with an account whose profile grants Communication, as a DELIVERED row beside the
email, SMS, call and push rows, whatever happens to those; one inbox entry per account. Checked over
GraphQL (sendMessage, message(id).deliveries) and in the thread the message is filed in."""

from __future__ import annotations

import email
from email import policy

from sqlalchemy import insert, select

from factories import add_contact, add_student, add_user, first_school_id, unique
from factories import email as email_address
from harness import OUTBOX_DIR
from helpers import gid, gql, pk_of, row_counts, token_for, wait_for_message
from models.conversations import ThreadSide
from models.db import session_scope
from models.directory import PermissionLevel, Profile, ProfileGrant, Role, User
from domain.access.permissions import Perm

SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  __typename
  ... on SendMessageSuccess { message { id channels } recipientCount }
  ... on SendMessageErrors { errors { field code message } } } }"""
DELIVERIES = """query($id: ID!) { message(id: $id) { status
  deliveries(first: 100) { edges { node { id channel recipientKind recipientId address status } } } } }"""


def send(client, engine, *, login: str = "admin", **fields) -> dict:
    """Send as ``login`` and wait until the message completes; returns the success payload."""
    token = token_for(engine, login)
    body = gql(client, SEND, {"input": {"subject": unique("In-app "), "htmlBody": "<p>Bring a coat.</p>",
                                        "channels": ["EMAIL"], **fields}}, token)
    sent = body["data"]["sendMessage"]
    assert sent["__typename"] == "SendMessageSuccess", body
    assert wait_for_message(client, token, sent["message"]["id"])["status"] == "COMPLETED"
    return sent


def ledger(client, engine, message_id: str) -> list[tuple]:
    """(channel, kind, recipient row id, address, status) of every delivery, as the sender reads them."""
    message = gql(client, DELIVERIES, {"id": message_id}, token_for(engine, "admin"))["data"]["message"]
    return sorted((n["channel"], n["recipientKind"], pk_of(n["recipientId"]), n["address"], n["status"])
                  for n in (e["node"] for e in message["deliveries"]["edges"]))


def delivery_ids(client, engine, message_id: str, channel: str) -> list[str]:
    message = gql(client, DELIVERIES, {"id": message_id}, token_for(engine, "admin"))["data"]["message"]
    return [e["node"]["id"] for e in message["deliveries"]["edges"] if e["node"]["channel"] == channel]


def parent(engine, *, profile: str | None = "Parent", **fields) -> int:
    return add_user(engine, "PARENT", profile=profile, **{"email": email_address("parent"), **fields})


def unread_from_admin(engine, user_id: int) -> int | None:
    """The unread count of ``user_id``'s side of their thread with the admin (None: no thread)."""
    with session_scope(engine) as session:
        admin = session.execute(select(User.id).where(User.login == "admin")).scalar_one()
        return session.execute(select(ThreadSide.unread_count).where(
            ThreadSide.user_id == user_id, ThreadSide.correspondent_id == admin)).scalar_one_or_none()


def test_rcp_10_two_contacts_linked_to_one_user_reach_their_inbox_once(client, engine):
    """Covers RCP-10 (in-app half), CMP-27: two contacts of a student linked to the same parent
    user. ALL_CONTACTS writes an email to each card and, for the one account, one DELIVERED in-app
    row (the first contact's) and one DUPLICATE; the parent has the message once in their thread
    with the sender (one unread) and by email; the recipient count is still the two contacts.
    ONCE_PER_FAMILY merges the two contacts into one delivery per channel."""
    user = parent(engine)
    kid = add_student(engine, first_school_id(engine))
    first = add_contact(engine, kid, user_id=user, email=email_address("mum"))
    second = add_contact(engine, kid, user_id=user, email=email_address("mum-work"), sort_order=2)
    sent = send(client, engine, recipientType="ALL_CONTACTS", studentIds=[gid("Student", kid)])
    assert sent["recipientCount"] == 2
    rows = ledger(client, engine, sent["message"]["id"])
    assert [(c, who, status) for c, _, who, _, status in rows] == [
        ("EMAIL", first, "SENT"), ("EMAIL", second, "SENT"), ("INAPP", first, "DELIVERED"),
        ("INAPP", second, "DUPLICATE")]
    assert {address for c, *_, address, _ in rows if c == "INAPP"} == {"user:" + gid("User", user)}
    for delivery_id in delivery_ids(client, engine, sent["message"]["id"], "EMAIL"):  # and by email
        assert (OUTBOX_DIR / "email" / f"{pk_of(delivery_id)}.eml").exists()
    assert unread_from_admin(engine, user) == 1

    family = send(client, engine, recipientType="ONCE_PER_FAMILY", studentIds=[gid("Student", kid)])
    assert [(c, who, status) for c, _, who, _, status in ledger(client, engine, family["message"]["id"])] == [
        ("EMAIL", first, "SENT"), ("INAPP", first, "DELIVERED")]
    assert unread_from_admin(engine, user) == 2  # one entry per message


def test_inb_08_no_contact_information_still_reaches_the_inbox(client, engine):
    """Covers INB-08: a parent whose card and account have no email, and a colleague with neither
    email nor phone: their email rows are NO_CONTACT_INFO, their in-app rows DELIVERED, the message
    completes and is in each one's thread."""
    user = parent(engine, email=None)
    kid = add_student(engine, first_school_id(engine))
    contact = add_contact(engine, kid, user_id=user)
    colleague = add_user(engine, "TEACHER", school_ids=[first_school_id(engine)], profile="Teacher")
    sent = send(client, engine, recipientType="PRIMARY_CONTACTS", studentIds=[gid("Student", kid)], staffIds=[gid("User", colleague)])
    assert sent["recipientCount"] == 2
    assert ledger(client, engine, sent["message"]["id"]) == [
        ("EMAIL", "CONTACT", contact, None, "NO_CONTACT_INFO"),  # no address: null (issue 17 point 3)
        ("EMAIL", "USER", colleague, None, "NO_CONTACT_INFO"),
        ("INAPP", "CONTACT", contact, "user:" + gid("User", user), "DELIVERED"),
        ("INAPP", "USER", colleague, "user:" + gid("User", colleague), "DELIVERED")]
    assert unread_from_admin(engine, user) == unread_from_admin(engine, colleague) == 1


def _profile_without_communication(engine) -> str:
    """A family profile that grants Send Messages but not Communication."""
    name = unique("No inbox ")
    with session_scope(engine) as session:
        profile = Profile(name=name, role=Role.PARENT)
        session.add(profile)
        session.flush()
        session.execute(insert(ProfileGrant), [{"profile_id": profile.id, "permission": Perm.SEND_MESSAGES.value,
                                                "level": PermissionLevel.VIEW.value}])
    return name


def test_perm_59_a_family_user_without_communication_gets_email_but_no_inbox_entry(client, engine):
    """Covers PERM-59: of two parents linked to one student's cards, the one whose profile lacks
    Communication gets the email (delivery through external channels does not depend on it) and no
    in-app row; the one with the standard Parent profile gets both. The student's own account
    (Student profile) gets its in-app row under STUDENTS_AND_PRIMARY_CONTACTS."""
    without = parent(engine, profile=_profile_without_communication(engine))
    with_inbox = parent(engine)
    kid = add_student(engine, first_school_id(engine))
    student_user = add_user(engine, "STUDENT", profile="Student", student_id=kid)
    card_without = add_contact(engine, kid, user_id=without, email=email_address("no-inbox"))
    card_with = add_contact(engine, kid, user_id=with_inbox, email=email_address("inbox"))
    sent = send(client, engine, recipientType="STUDENTS_AND_PRIMARY_CONTACTS", studentIds=[gid("Student", kid)])
    rows = [(c, kind, who, status) for c, kind, who, _, status in ledger(client, engine, sent["message"]["id"])]
    assert ("EMAIL", "CONTACT", card_without, "SENT") in rows and ("EMAIL", "CONTACT", card_with, "SENT") in rows
    assert [row for row in rows if row[0] == "INAPP"] == [
        ("INAPP", "CONTACT", card_with, "DELIVERED"), ("INAPP", "STUDENT", kid, "DELIVERED")]
    assert unread_from_admin(engine, without) is None and unread_from_admin(engine, with_inbox) == 1
    assert unread_from_admin(engine, student_user) == 1


def test_set_05_email_notifications_off_still_delivers_in_app(client, engine):
    """Covers SET-05 (in-app half): a parent who turned email notifications off has an OPTED_OUT
    email row and nothing in the outbox for it, and a DELIVERED in-app row."""
    user = parent(engine, email_notifications_off=True)
    kid = add_student(engine, first_school_id(engine))
    contact = add_contact(engine, kid, user_id=user, email=email_address("quiet"))
    sent = send(client, engine, recipientType="PRIMARY_CONTACTS", studentIds=[gid("Student", kid)])
    rows = ledger(client, engine, sent["message"]["id"])
    assert [(c, who, status) for c, _, who, _, status in rows] == [
        ("EMAIL", contact, "OPTED_OUT"), ("INAPP", contact, "DELIVERED")]
    [opted_out] = delivery_ids(client, engine, sent["message"]["id"], "EMAIL")
    assert not (OUTBOX_DIR / "email" / f"{pk_of(opted_out)}.eml").exists()
    assert unread_from_admin(engine, user) == 1


def test_cmp_05_a_secure_message_is_in_the_inbox_while_email_carries_the_notice(client, engine):
    """Covers CMP-05 (in-app half): a secure message's email says to sign in and carries none of
    the content, while its in-app row is DELIVERED: the inbox is where it is read."""
    user = parent(engine)
    kid = add_student(engine, first_school_id(engine))
    contact = add_contact(engine, kid, user_id=user, email=email_address("secure"))
    sent = send(client, engine, recipientType="PRIMARY_CONTACTS", studentIds=[gid("Student", kid)], secure=True,
                htmlBody="<p>The report card is ready: straight As.</p>")
    message_id = sent["message"]["id"]
    assert [(c, who, status) for c, _, who, _, status in ledger(client, engine, message_id)] == [
        ("EMAIL", contact, "SENT"), ("INAPP", contact, "DELIVERED")]
    [email_row] = delivery_ids(client, engine, message_id, "EMAIL")
    written = email.message_from_bytes((OUTBOX_DIR / "email" / f"{pk_of(email_row)}.eml").read_bytes(),
                                       policy=policy.default)
    text = written.get_body(("plain",)).get_content()
    assert "secure message" in text and f"/messages/{message_id}" in text and "straight As" not in text
    assert unread_from_admin(engine, user) == 1


def test_inapp_is_never_chosen_as_a_channel(client, engine):
    """sendMessage with channels [INAPP] (or INAPP beside EMAIL) is refused with INVALID at that
    channel's index, and nothing is written: the inbox receives every message without being asked."""
    token = token_for(engine, "admin")
    colleague = add_user(engine, "TEACHER", school_ids=[first_school_id(engine)], profile="Teacher")
    before = row_counts(engine)
    for channels, index in ((["INAPP"], 0), (["EMAIL", "INAPP"], 1)):
        body = gql(client, SEND, {"input": {"subject": "x", "htmlBody": "<p>x</p>", "channels": channels,
                                            "staffIds": [gid("User", colleague)]}}, token)["data"]["sendMessage"]
        assert body["__typename"] == "SendMessageErrors", body
        assert [(e["field"], e["code"]) for e in body["errors"]] == [(f"input.channels.{index}", "INVALID")]
    assert row_counts(engine) == before
