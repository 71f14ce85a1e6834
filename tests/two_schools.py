"""One message from the district administrator to two schools' people (issue 13 point 7), and
how to read who a reader finds among its recipients: shared by the message-visibility tests and
the partner-key school-scope tests (issue 16 point 3)."""

from __future__ import annotations

from sqlalchemy import select

from factories import add_contact, add_student, add_user, email, phone, unique
from helpers import gids, gql, token_for, wait_for_message, pk_of
from models.db import session_scope
from models.directory import User, UserSchool

SAVE_DRAFT = """mutation($input: SendMessageInput!) { saveDraft(input: $input) {
  ... on SaveDraftSuccess { message { id } } } }"""
IMPORT = """mutation($input: ImportRecipientsInput!) { importRecipients(input: $input) { __typename } }"""
SEND_DRAFT = """mutation($id: ID!) { sendDraft(id: $id) { __typename } }"""
MESSAGE = """query($id: ID!) { message(id: $id) { id
  deliveries(first: 50) { totalCount edges { node { recipientKind recipientId channel address } } }
  deliveryCounts { status count } attachments { downloadPath } } }"""


def school_of(engine, login: str) -> int:
    with session_scope(engine) as session:
        return session.execute(select(UserSchool.school_id).join(User, User.id == UserSchool.user_id)
                               .where(User.login == login)).scalar_one()


def login_of(engine, user_id: int) -> str:
    with session_scope(engine) as session:
        return session.get(User, user_id).login


def sent_to_two_schools(client, engine) -> dict:
    """The district administrator (a colleague of every principal: they share schools) sends one
    email to a school-1 family, a school-3 family, a teacher of each school and an outside
    address. Returns the message id and who is who."""
    school1, school3 = school_of(engine, "principal.1"), school_of(engine, "principal.3")
    kid1, kid3 = add_student(engine, school1), add_student(engine, school3)
    people = {
        "contact1": ("CONTACT", add_contact(engine, kid1, email=email("school1-family"))),
        "contact3": ("CONTACT", add_contact(engine, kid3, email=email("school3-family"))),
        "teacher1": ("USER", add_user(engine, "TEACHER", school_ids=[school1], profile="Teacher",
                                      email=email("school1-teacher"))),
        "teacher3": ("USER", add_user(engine, "TEACHER", school_ids=[school3], profile="Teacher",
                                      email=email("school3-teacher"))),
    }
    admin = token_for(engine, "admin")
    subject = unique("Two schools ")
    draft = gql(client, SAVE_DRAFT, {"input": {
        "subject": subject, "htmlBody": "<p>Concert</p>", "channels": ["EMAIL"], "recipientType": "PRIMARY_CONTACTS",
        "studentIds": gids("Student", [kid1, kid3]),
        "staffIds": gids("User", [people["teacher1"][1], people["teacher3"][1]])}},
        admin)["data"]["saveDraft"]["message"]["id"]
    outside = f"Name,Email,Phone\nOutsider,outsider@else.example.com,{phone()}"
    imported = gql(client, IMPORT, {"input": {"messageId": draft, "csv": outside, "hasHeader": True,
                                              "columns": {"fullName": 0, "email": 1, "phone": 2}}}, admin)
    assert imported["data"]["importRecipients"]["__typename"] == "ImportRecipientsSuccess", imported
    assert gql(client, SEND_DRAFT, {"id": draft}, admin)["data"]["sendDraft"]["__typename"] == "SendMessageSuccess"
    assert wait_for_message(client, admin, draft)["status"] == "COMPLETED"
    return {"id": draft, "subject": subject, "people": people}


def recipients(message: dict) -> set:
    return {(e["node"]["recipientKind"], pk_of(e["node"]["recipientId"])) for e in message["deliveries"]["edges"]}


def expected(sent: dict, *names: str) -> set:
    return {sent["people"][name] for name in names}


def rows_of(message: dict) -> set:
    return {(e["node"]["recipientKind"], pk_of(e["node"]["recipientId"]), e["node"]["channel"])
            for e in message["deliveries"]["edges"]}


def expected_rows(sent: dict, contact: str, teacher: str) -> set:
    """The email to the family and the teacher, and the teacher's in-app inbox entry (a staff
    account; the contacts have no account, so no in-app row)."""
    return {(*sent["people"][contact], "EMAIL"), (*sent["people"][teacher], "EMAIL"),
            (*sent["people"][teacher], "INAPP")}
