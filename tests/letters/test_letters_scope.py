"""Who may preview and print a message's letters, and what discarding a printed draft removes
(review of commit c6c1bc4): letters name every recipient, so only a reader of every recipient (the
sender, a district administrator) previews or prints; a school administrator who reads a
colleague's message for their own school's recipients is answered as for a missing message, and
nothing is written. A draft that was printed with Add Log Record is discarded with its print jobs
and letter-log entries."""

from __future__ import annotations

from sqlalchemy import func, select

from factories import add_contact, add_student, add_user, email, first_school_id, unique
from helpers import gid, gql, make_user, pk_of, token_for
from letters_support import PREVIEW, PRINT, finished, make_students
from models.db import session_scope
from models.directory import Role
from models.messaging import Message
from models.printing import PrintJob
from models.templates import LetterLog
from two_schools import login_of, sent_to_two_schools

NOT_FOUND = [{"field": "input.messageId", "code": "NOT_FOUND", "message": "No message you can see has that id."}]
SAVE_DRAFT = """mutation($input: SendMessageInput!) { saveDraft(input: $input) {
  __typename ... on SaveDraftSuccess { message { id } } ... on SaveDraftErrors { errors { field code message } } } }"""
DISCARD = """mutation($id: ID!) { discardDraft(id: $id) { __typename
  ... on DiscardDraftSuccess { discardedId } ... on DiscardDraftErrors { errors { field code message } } } }"""


def print_jobs_of(engine, message_id: int) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(PrintJob)
                               .where(PrintJob.message_id == message_id)).scalar_one()


def test_cmp_30_cmp_31_only_a_reader_of_every_recipient_previews_or_prints(client, engine):
    """CMP-30, CMP-31, RPT-02: principal.3 (a school administrator) reads the district
    administrator's message to schools 1 and 3 for their school's recipients, yet previewing or
    printing it answers NOT_FOUND, as a missing message does, and writes no print job; its sender
    and another district administrator preview it and print it."""
    sent = sent_to_two_schools(client, engine)
    message_id = pk_of(sent["id"])
    principal3 = token_for(engine, "principal.3")
    assert gql(client, "query($id: ID!) { message(id: $id) { id } }", {"id": sent["id"]},
               principal3)["data"]["message"] is not None  # they do read the message itself
    preview = gql(client, PREVIEW, {"messageId": sent["id"]}, principal3)["data"]["previewMessage"]
    printed = gql(client, PRINT, {"input": {"messageId": sent["id"]}}, principal3)["data"]["printMessage"]
    missing = gql(client, PRINT, {"input": {"messageId": gid("Message", 10**9)}}, principal3)["data"]["printMessage"]
    assert printed == missing == {"__typename": "PrintMessageErrors", "errors": NOT_FOUND}
    assert preview["__typename"] == "PreviewMessageErrors" and preview["errors"][0]["code"] == "NOT_FOUND"
    assert print_jobs_of(engine, message_id) == 0
    other_district_admin = token_for(engine, login_of(engine, add_user(
        engine, "ADMIN", profile="District Administrator", email=email("da"))))
    for token in (token_for(engine, "admin"), other_district_admin):
        assert gql(client, PREVIEW, {"messageId": sent["id"]}, token)["data"]["previewMessage"]["__typename"] == \
            "LetterPreview"
        job = gql(client, PRINT, {"input": {"messageId": sent["id"]}}, token)["data"]["printMessage"]
        assert job["__typename"] == "PrintJob", job
        assert finished(client, token, job["id"])["status"] == "DONE"
    assert print_jobs_of(engine, message_id) == 2


def test_cmp_29_cmp_10_a_printed_draft_is_discarded_with_its_print_jobs_and_letter_log(client, engine):
    """CMP-29, CMP-10: a draft with Add Log Record, printed (a print job and a PRINTED entry per
    student), is discarded: the answer is DiscardDraftSuccess and the draft, its print job and its
    letter-log entries are gone."""
    token = make_user(engine, Role.ADMIN)
    student = add_student(engine, first_school_id(engine))
    add_contact(engine, student, email=email("discard-family"))
    _tag, others = make_students(engine, 1)
    draft = gql(client, SAVE_DRAFT, {"input": {
        "subject": unique("Printed draft "), "htmlBody": "<p>Dear family</p>", "channels": ["EMAIL"],
        "recipientType": "PRIMARY_CONTACTS", "studentIds": [gid("Student", s) for s in (student, *others)],
        "addLogRecord": True}}, token)["data"]["saveDraft"]
    assert draft["__typename"] == "SaveDraftSuccess", draft
    draft_id = draft["message"]["id"]
    job = gql(client, PRINT, {"input": {"messageId": draft_id}}, token)["data"]["printMessage"]
    assert job["__typename"] == "PrintJob", job
    assert finished(client, token, job["id"])["status"] == "DONE"
    with session_scope(engine) as session:
        message_id = session.execute(select(PrintJob.message_id).order_by(PrintJob.id.desc())).scalars().first()
        logged = session.execute(select(func.count()).select_from(LetterLog)
                                 .where(LetterLog.message_id == message_id)).scalar_one()
    assert logged == 2 and print_jobs_of(engine, message_id) == 1
    discarded = gql(client, DISCARD, {"id": draft_id}, token)["data"]["discardDraft"]
    assert discarded == {"__typename": "DiscardDraftSuccess", "discardedId": draft_id}
    with session_scope(engine) as session:
        assert session.get(Message, message_id) is None
        assert session.execute(select(func.count()).select_from(LetterLog)
                               .where(LetterLog.message_id == message_id)).scalar_one() == 0
    assert print_jobs_of(engine, message_id) == 0
