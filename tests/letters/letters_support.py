"""What the letter tests share: students made in bulk, a message to them (with a letterhead and
Add Log Record when asked), a PDF's pages as text, and the preview and print documents with a wait
for a print job to finish."""

from __future__ import annotations

import io
import time
import uuid

from pypdf import PdfReader
from sqlalchemy import insert, select

from domain.messages.send import create_message
from factories import first_school_id
from helpers import gql
from models.db import session_scope
from models.directory import Student
from models.messaging import Message
from models.templates import Letterhead, LetterheadUse
from resolve import request, viewer_for

PREVIEW = """query Preview($messageId: ID!, $recipientId: ID, $names: Boolean) {
  previewMessage(messageId: $messageId, recipientId: $recipientId, namesOnEachPage: $names) {
    __typename
    ... on LetterPreview { html recipientId recipientName }
    ... on PreviewMessageErrors { errors { field code message } }
  }
}"""
PRINT = """mutation Print($input: PrintMessageInput!) {
  printMessage(input: $input) {
    __typename
    ... on PrintJob { id status lettersTotal namesOnEachPage language downloadUrl }
    ... on PrintMessageErrors { errors { field code message } }
  }
}"""
JOB = """query Job($id: ID!) { printJob(id: $id) {
  id messageId status lettersDone lettersTotal pageCount downloadUrl downloadExpiresAt } }"""


def print_policy():
    """The installed runtime's print policy, from the settings: what printMessage passes request_print."""
    from jobs.runtime import current

    return current().print_policy


def finished(client, token: str, job_id: str, timeout: float = 120.0) -> dict:
    """printJob(id) once it is DONE or FAILED (the worker runs it), or as it is at the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        job = gql(client, JOB, {"id": job_id}, token)["data"]["printJob"]
        if job["status"] in ("DONE", "FAILED") or time.monotonic() > deadline:
            return job
        time.sleep(0.2)


HEADER = "<p><strong>Lakeside Unified School District</strong></p>"
FOOTER = "<p>100 Lake Road, Springfield</p>"


def make_students(engine, count: int, *, first_name: str = "Kid") -> tuple[str, list[int]]:
    """``count`` students whose last names (a fresh tag and a 3-digit number) sort in the order made."""
    tag = "Zz" + uuid.uuid4().hex[:6]
    school = first_school_id(engine)
    with session_scope(engine) as session:
        session.execute(insert(Student), [
            {"school_id": school, "grade_level": "5", "first_name": f"{first_name}{n:03d}",
             "last_name": f"{tag}{n:03d}", "language": "en", "status": "ACTIVE", "sms_enabled": True}
            for n in range(count)])
        ids = list(session.execute(select(Student.id).where(Student.last_name.like(f"{tag}%"))
                                   .order_by(Student.last_name)).scalars())
    return tag, ids


def make_message(engine, login: str, student_ids=(), *, staff_ids=(), html_body: str = "<p>Hello</p>",
                 subject: str = "Letter", letterhead: tuple[str, str] | None = None, add_log_record: bool = False,
                 academic_record_category: str | None = None) -> int:
    """A message ``login`` composed to the students' primary contacts and the staff, as stored."""
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, login), request(
            "PRIMARY_CONTACTS" if student_ids else None, student_ids, channels=("EMAIL",), subject=subject,
            html_body=html_body, staff_ids=tuple(staff_ids)))
        if letterhead is not None:
            row = Letterhead(name="Letterhead " + uuid.uuid4().hex[:6], header_html=letterhead[0],
                             footer_html=letterhead[1], available_for=[LetterheadUse.COMMUNICATION.value])
            session.add(row)
            session.flush()
            session.get(Message, message.id).letterhead_id = row.id
        stored = session.get(Message, message.id)
        stored.add_log_record, stored.academic_record_category = add_log_record, academic_record_category
        return message.id


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def long_body(paragraphs: int) -> str:
    """A body that runs over one page, naming its student in every paragraph."""
    return "".join(f"<p>Paragraph {n} for {{{{student.first_name}}}}: the school year plans, dates and "
                   f"reminders that every family should read.</p>" for n in range(paragraphs))
