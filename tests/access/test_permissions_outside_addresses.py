"""Family senders and outside addresses (issue 13 point 1): Cc and CSV-imported recipients reach
addresses outside the directory, so they are staff powers ("Send to Outside Addresses"), the Cc
list is capped, and a stored message that carries them is checked again when it is sent."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, insert, select, update

from domain.scheduling.due_sends import send_due_scheduled
from factories import add_contact, add_section, add_student, add_user, email, first_school_id, unique
from helpers import gid, gql, pk_of, row_counts, token_for
from models.db import session_scope
from models.directory import User
from models.messaging import Delivery, ImportedRecipient, Message
from models.scheduling import MessageSchedule
from shared_steps import schedule_in

SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename
  ... on SendMessageSuccess { message { id } } ... on SendMessageErrors { errors { field code message } } } }"""
SAVE_DRAFT = """mutation($input: SendMessageInput!) { saveDraft(input: $input) { __typename
  ... on SaveDraftSuccess { message { id } } ... on SaveDraftErrors { errors { field code message } } } }"""
SEND_DRAFT = """mutation($id: ID!) { sendDraft(id: $id) { __typename
  ... on SendMessageSuccess { message { id } } ... on SendDraftErrors { errors { field code } } } }"""
SCHEDULE = """mutation($input: SendMessageInput!, $schedule: ScheduleInput!) {
  scheduleMessage(input: $input, schedule: $schedule) { __typename
    ... on ScheduleMessageSuccess { message { id } schedule { nextSendAt } }
    ... on ScheduleMessageErrors { errors { field code } } } }"""
SCHEDULE_DRAFT = """mutation($id: ID!, $schedule: ScheduleInput!) { scheduleDraft(id: $id, schedule: $schedule) {
  __typename } }"""
IMPORT = """mutation($input: ImportRecipientsInput!) { importRecipients(input: $input) { __typename
  ... on ImportRecipientsSuccess { importedCount } } }"""
COMPOSE = "{ viewer { compose { canSendToOutsideAddresses } } }"
OUTSIDE_CSV = "Name,Email\n" + "\n".join(f"Stranger {n},stranger{n}@outside.example.com" for n in range(5))


def family_sender(engine) -> tuple[str, int]:
    """A parent (the seeded "Parent" profile, with Send Messages) of a new student, and that
    student's teacher, whom the parent may address (RCP-22). Returns the parent's token and the
    teacher's id."""
    school = first_school_id(engine)
    teacher = add_user(engine, "TEACHER", school_ids=[school], profile="Teacher", email=email("teacher"))
    kid = add_student(engine, school)
    add_section(engine, school, teacher_ids=[teacher], student_ids=[kid])
    parent = add_user(engine, "PARENT", profile="Parent", email=email("parent"))
    add_contact(engine, kid, user_id=parent, email=email("card"))
    with session_scope(engine) as session:
        login = session.get(User, parent).login
    return token_for(engine, login), teacher


def to_teacher(teacher: int, **fields) -> dict:
    return {"subject": unique("To the teacher "), "htmlBody": "<p>Question about homework</p>",
            "channels": ["EMAIL"], "staffIds": [gid("User", teacher)], **fields}


def assert_forbidden(body: dict, permission: str = "Send to Outside Addresses") -> None:
    [error] = body["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN" and error["extensions"]["permission"] == permission, body
    assert body["data"] is None


def carry_imported(engine, message_id: int) -> None:
    """What a draft holds when it was filled before this check, or by someone else (it changed hands)."""
    with session_scope(engine) as session:
        session.execute(insert(ImportedRecipient), [
            {"message_id": message_id, "name": f"Stranger {n}", "email": f"stranger{n}@outside.example.com",
             "phone": None, "source_row": n + 2} for n in range(3)])


def deliveries_of(engine, message_id: int) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(Delivery).where(
            Delivery.message_id == message_id)).scalar_one()


def test_rcp_22_perm_60_a_family_user_cannot_import_outside_addresses(client, engine):
    """Covers RCP-22, PERM-60 (issue 13 point 1): a parent may save a draft to their child's
    teacher, but importing a CSV of outside addresses into it is FORBIDDEN (a permission declared
    on importRecipients that no family profile can hold) and imports nothing; the parent's compose
    capabilities say so, a teacher's offer it."""
    parent, teacher = family_sender(engine)
    draft = gql(client, SAVE_DRAFT, {"input": to_teacher(teacher)}, parent)["data"]["saveDraft"]
    assert draft["__typename"] == "SaveDraftSuccess", draft
    draft_id = draft["message"]["id"]
    body = gql(client, IMPORT, {"input": {"messageId": draft_id, "csv": OUTSIDE_CSV, "hasHeader": True,
                                          "columns": {"fullName": 0, "email": 1}}}, parent)
    assert_forbidden(body)
    with session_scope(engine) as session:
        assert session.execute(select(func.count()).select_from(ImportedRecipient).where(
            ImportedRecipient.message_id == pk_of(draft_id))).scalar_one() == 0
    assert gql(client, COMPOSE, token=parent)["data"]["viewer"]["compose"] == {"canSendToOutsideAddresses": False}
    staff = token_for(engine, "admin")
    assert gql(client, COMPOSE, token=staff)["data"]["viewer"]["compose"] == {"canSendToOutsideAddresses": True}


def test_rcp_22_perm_60_a_family_user_cannot_cc_outside_addresses(client, engine):
    """Covers RCP-22, PERM-60, CMP-22 (issue 13 point 1): a parent's sendMessage, saveDraft or
    scheduleMessage with 50 Cc addresses is FORBIDDEN before anything is written; without Cc the
    same message to the teacher goes."""
    parent, teacher = family_sender(engine)
    cc = [f"stranger{n}@outside.example.com" for n in range(50)]
    before = row_counts(engine)
    assert_forbidden(gql(client, SEND, {"input": to_teacher(teacher, cc=cc)}, parent))
    assert_forbidden(gql(client, SAVE_DRAFT, {"input": to_teacher(teacher, cc=cc)}, parent))
    assert_forbidden(gql(client, SCHEDULE, {"input": to_teacher(teacher, cc=cc[:1]),
                                            "schedule": schedule_in(3600)}, parent))
    assert row_counts(engine) == before
    sent = gql(client, SEND, {"input": to_teacher(teacher)}, parent)["data"]["sendMessage"]
    assert sent["__typename"] == "SendMessageSuccess", sent


def test_cmp_22_the_cc_list_is_capped(client, engine):
    """Covers CMP-22 (issue 13 point 1): staff may Cc at most 20 addresses; 21 is the field error
    TOO_MANY on input.cc and nothing is written; 20 is accepted."""
    staff = token_for(engine, "admin")
    colleague = add_user(engine, "TEACHER", school_ids=[first_school_id(engine)], profile="Teacher",
                         email=email("colleague"))
    body = {"subject": unique("Cc cap "), "htmlBody": "<p>Minutes</p>", "channels": ["EMAIL"],
            "staffIds": [gid("User", colleague)]}
    before = row_counts(engine)
    refused = gql(client, SEND, {"input": {**body, "cc": [email("cc") for _ in range(21)]}}, staff)
    assert refused["data"]["sendMessage"]["__typename"] == "SendMessageErrors"
    assert [(e["field"], e["code"]) for e in refused["data"]["sendMessage"]["errors"]] == [("input.cc", "TOO_MANY")]
    assert row_counts(engine) == before
    saved = gql(client, SAVE_DRAFT, {"input": {**body, "cc": [email("cc") for _ in range(20)]}}, staff)
    assert saved["data"]["saveDraft"]["__typename"] == "SaveDraftSuccess", saved


def test_rcp_22_a_stored_message_with_outside_addresses_is_checked_again_when_sent(client, engine):
    """Covers RCP-22, PERM-60 (issue 13 point 1): a family user's draft that carries imported
    recipients (filled before the check, or by another hand) or Cc addresses cannot be sent or
    scheduled: FORBIDDEN, the draft stays a draft and no delivery is written."""
    parent, teacher = family_sender(engine)
    with_imported = pk_of(gql(client, SAVE_DRAFT, {"input": to_teacher(teacher)}, parent)
                          ["data"]["saveDraft"]["message"]["id"])
    carry_imported(engine, with_imported)
    with_cc = pk_of(gql(client, SAVE_DRAFT, {"input": to_teacher(teacher)}, parent)["data"]["saveDraft"]["message"]["id"])
    with session_scope(engine) as session:
        session.execute(update(Message).where(Message.id == with_cc).values(cc=["stranger@outside.example.com"]))
    for draft in (with_imported, with_cc):
        assert_forbidden(gql(client, SEND_DRAFT, {"id": gid("Message", draft)}, parent))
        assert_forbidden(gql(client, SCHEDULE_DRAFT, {"id": gid("Message", draft), "schedule": schedule_in(3600)}, parent))
        with session_scope(engine) as session:
            assert session.get(Message, draft).status == "DRAFT"
        assert deliveries_of(engine, draft) == 0


def test_rcp_22_a_scheduled_message_with_outside_addresses_is_refused_when_it_fires(client, engine):
    """Covers RCP-22, PERM-60, SCH-13 (issue 13 point 1): the queue run re-checks the sender of a
    scheduled message that carries imported recipients: a family sender's is not sent (it fails
    with the reason recorded, and would turn ERRORED after the day); a staff sender's goes."""
    parent, teacher = family_sender(engine)
    scheduled = gql(client, SCHEDULE, {"input": to_teacher(teacher), "schedule": schedule_in(3600)},
                    parent)["data"]["scheduleMessage"]
    assert scheduled["__typename"] == "ScheduleMessageSuccess", scheduled
    refused_id = pk_of(scheduled["message"]["id"])
    due = dt.datetime.fromisoformat(scheduled["schedule"]["nextSendAt"])
    carry_imported(engine, refused_id)
    staff = token_for(engine, "admin")
    allowed = gql(client, SCHEDULE, {"input": to_teacher(teacher), "schedule": schedule_in(3600)},
                  staff)["data"]["scheduleMessage"]
    allowed_id = pk_of(allowed["message"]["id"])
    carry_imported(engine, allowed_id)
    with session_scope(engine) as session:
        ran = send_due_scheduled(session, max(due, dt.datetime.fromisoformat(allowed["schedule"]["nextSendAt"])))
    assert refused_id in ran.failed and refused_id not in ran.sent
    assert allowed_id in ran.sent
    with session_scope(engine) as session:
        assert session.get(Message, refused_id).status == "SCHEDULED"
        assert "Send to Outside Addresses" in session.get(MessageSchedule, refused_id).last_error
        session.execute(update(Message).where(Message.id == allowed_id).values(status="CANCELLED"))
    assert deliveries_of(engine, refused_id) == 0


RESEND = """mutation($id: ID!) { resendToFailed(messageId: $id) { ... on ResendToFailedSuccess { requeued } } }"""


def test_rcp_22_resending_a_message_with_outside_addresses_is_checked_again(client, engine):
    """Covers RCP-22, RPT-01 (issue 13 point 1, found in review): resending the failed deliveries of
    a message with Cc addresses needs "Send to Outside Addresses" again, as sending it did: a sender
    who has lost it gets FORBIDDEN and nothing is queued; with it, the failed deliveries go again."""
    from sqlalchemy import delete

    from domain.access.permissions import Perm
    from helpers import make_user, wait_for_message
    from models.directory import ProfileGrant, Role, UserProfile

    login = f"admin.cc.{unique('x').lower()}"
    token = make_user(engine, Role.ADMIN, login=login)
    kid = add_student(engine, first_school_id(engine))
    add_contact(engine, kid, email=email("family"))
    sent = gql(client, SEND, {"input": {"subject": unique("Cc "), "htmlBody": "<p>Trip</p>", "channels": ["EMAIL"],
                                        "recipientType": "PRIMARY_CONTACTS", "studentIds": [gid("Student", kid)],
                                        "cc": ["office@outside.example.com"]}}, token)
    message_id = sent["data"]["sendMessage"]["message"]["id"]
    wait_for_message(client, token, message_id)
    with session_scope(engine) as session:
        session.execute(update(Delivery).where(Delivery.message_id == pk_of(message_id)).values(status="FAILED"))
        user_id = session.execute(select(User.id).where(User.login == login)).scalar_one()
        grant = (ProfileGrant.profile_id.in_(select(UserProfile.profile_id).where(UserProfile.user_id == user_id)),
                 ProfileGrant.permission == Perm.OUTSIDE_RECIPIENTS.value)
        session.execute(delete(ProfileGrant).where(*grant))
    assert_forbidden(gql(client, RESEND, {"id": message_id}, token))
    with session_scope(engine) as session:
        assert set(session.execute(select(Delivery.status).where(Delivery.message_id == pk_of(message_id)))
                   .scalars()) == {"FAILED"}
        profile = session.execute(select(UserProfile.profile_id).where(UserProfile.user_id == user_id)).scalar_one()
        session.execute(insert(ProfileGrant).values(profile_id=profile, permission=Perm.OUTSIDE_RECIPIENTS.value,
                                                    level="EDIT"))
    assert gql(client, RESEND, {"id": message_id}, token)["data"]["resendToFailed"]["requeued"] == 1
