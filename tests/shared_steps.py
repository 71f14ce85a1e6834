"""Steps and GraphQL documents that test modules in more than one area use: drafts and uploads,
scheduled sends, the report and progress documents, a subscription socket."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select

from factories import add_contact, add_student, email, first_school_id, seeded_students, unique
from helpers import gid, gql
from models.db import session_scope, utcnow


SAVE_DRAFT = """mutation($input: SendMessageInput!) { saveDraft(input: $input) {
  ... on SaveDraftSuccess { message { id } } } }"""


PDF = b"%PDF-1.4\n% field trip permission slip\n" + bytes(range(256)) * 40


def draft(client, token, kids, **fields) -> str:
    body = {"subject": "Field trip", "htmlBody": "<p>Slip attached.</p>", "channels": ["EMAIL"],
            "recipientType": "PRIMARY_CONTACTS", "studentIds": [gid("Student", k) for k in kids], **fields}
    return gql(client, SAVE_DRAFT, {"input": body}, token)["data"]["saveDraft"]["message"]["id"]


def upload(client, token, message_id, name="slip.pdf", data=PDF, content_type="application/pdf"):
    return client.post(f"/messages/{message_id}/attachments", files={"file": (name, data, content_type)},
                       headers={"Authorization": f"Bearer {token}"} if token else {})


def families(engine, count):
    kids = [add_student(engine, first_school_id(engine)) for _ in range(count)]
    for kid in kids:
        add_contact(engine, kid, email=email())
    return kids


REPORT = """
query Report($filter: CommunicationReportFilter, $first: Int!, $after: String) {
  communicationReport(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { type sentAt source fromName senderName recipients total errors emergency flagged
      statusCounts { status count } message { id subject htmlBody } } }
  }
}
"""


PROGRESS = """subscription($id: ID!) { messageProgress(messageId: $id) {
  messageId status total open counts { status count } } }"""


def subscription_socket(client, token):
    ws = client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"])
    session = ws.__enter__()
    session.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
    assert session.receive_json()["type"] == "connection_ack"
    return ws, session


SCHEDULE = """
mutation($input: SendMessageInput!, $schedule: ScheduleInput!) {
  scheduleMessage(input: $input, schedule: $schedule) {
    __typename
    ... on ScheduleMessageSuccess { recipientCount message { id status }
      schedule { startDate sendTime recurrence finalDate nextSendAt description } }
    ... on ScheduleMessageErrors { errors { field code message } }
    ... on SendMessageConfirmationRequired { recipientCount }
  }
}
"""


def schedule_in(seconds: float, **extra) -> dict:
    """A schedule whose first send is ``seconds`` from now, in the district's zone."""
    at = local(utcnow() + dt.timedelta(seconds=seconds))
    return {"startDate": at.date().isoformat(), "sendTime": at.time().replace(microsecond=0).isoformat(), **extra}


def family(engine, **contact) -> int:
    kid = add_student(engine, first_school_id(engine))
    add_contact(engine, kid, **({"email": email()} | contact))
    return kid


def message_input(kid, **fields):
    return {"subject": fields.pop("subject", unique("Scheduled ")), "htmlBody": "<p>Later</p>", "channels": ["EMAIL"],
            "recipientType": "PRIMARY_CONTACTS", "studentIds": [gid("Student", kid)], **fields}


def active_student_ids(db, limit):
    return [gid("Student", i) for i in seeded_students(db, limit=limit)]


def heavy_import_request(message_id: str, rows: int = 50_000) -> tuple[str, dict]:
    """An import that validates ``rows`` rows (50,000: seconds of CPU), then refuses the file for its
    last row."""
    lines = ["name,email,phone"] + [f"Person {i},person{i}@example.org,+1312555{i % 10000:04d}"
                                    for i in range(rows - 2)] + ["Bad Row,not-an-email,"]
    query = """mutation($input: ImportRecipientsInput!) { importRecipients(input: $input) {
      __typename ... on ImportRecipientsErrors { errors { row code } } } }"""
    return query, {"input": {"messageId": message_id, "csv": "\n".join(lines), "hasHeader": True,
                             "columns": {"fullName": 0, "email": 1, "phone": 2}}}


def district_zone() -> ZoneInfo:
    from harness import DATABASE_URL
    from models.db import engine_for
    from models.directory import District

    with session_scope(engine_for(DATABASE_URL)) as session:
        return ZoneInfo(session.execute(select(District.time_zone)).scalar_one())


def local(instant: dt.datetime) -> dt.datetime:
    return instant.astimezone(district_zone())
