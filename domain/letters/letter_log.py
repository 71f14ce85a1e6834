"""The letter log a print writes (CMP-10): with Add Log Record, one PRINTED entry on the record of
every student a letter was printed for, filed under the message's academic record category
(CMP-04); printing writes none for staff (sending does). A student already logged as printed for
the message is skipped, so a reprint or a job run twice logs nothing new."""

from __future__ import annotations

from collections.abc import Collection

from sqlmodel import Session

from domain.support.insert_once import insert_once
from models.db import utcnow
from models.messaging import Message
from models.templates import LetterLog, LetterLogSource


def log_printed(session: Session, message: Message, student_ids: Collection[int], printed_by: int) -> None:
    """One entry per student not logged yet, in one statement."""
    if not message.add_log_record or not student_ids:
        return
    now = utcnow()
    session.execute(insert_once(session, LetterLog.__table__), [
        {"message_id": message.id, "student_id": student_id, "user_id": None,
         "source": LetterLogSource.PRINTED.value, "academic_record_category": message.academic_record_category,
         "subject": message.subject, "logged_by_id": printed_by, "created_at": now}
        for student_id in student_ids])
