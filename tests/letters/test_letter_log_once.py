"""The letter log holds one entry per (message, source, student or user) (CMP-10): printing a
message twice, running one print job's actor twice, repeating the SENT entries of a fan-out or
resending to failed never adds an entry that is already there."""

from __future__ import annotations

from sqlalchemy import func, select, update

from domain.delivery.fan_out import fan_out, log_letters
from domain.letters.print_jobs import PrintOptions, request_print, run_print_job
from domain.reports.communication_report import resend_failed
from factories import add_contact, email
from letters_support import make_message, make_students, print_policy
from models.db import session_scope, utcnow
from models.messaging import Delivery, Message, MessageStatus
from models.printing import PrintJob
from models.templates import LetterLog
from resolve import viewer_for


class RecordedJobs:
    def __init__(self):
        self.job_ids: list[int] = []

    def print_letters(self, job_id: int) -> None:
        self.job_ids.append(job_id)


def requested(engine, message_id: int) -> int:
    with session_scope(engine) as session:
        return request_print(session, viewer_for(session, "admin"), message_id, PrintOptions(), RecordedJobs(),
                             policy=print_policy()).id


def entries(engine, message_id: int) -> list[tuple]:
    with session_scope(engine) as session:
        return sorted(session.execute(select(LetterLog.source, LetterLog.student_id, LetterLog.user_id)
                                      .where(LetterLog.message_id == message_id)).all(), key=repr)


def test_cmp_10_printing_a_message_twice_logs_each_student_once(engine):
    """CMP-10: a reprint (or a double click: two print jobs of one message) writes no second
    PRINTED entry; each student printed is on the log once."""
    _tag, students = make_students(engine, 3)
    message_id = make_message(engine, "admin", students, add_log_record=True)
    for _ in range(2):
        run_print_job(engine, requested(engine, message_id))
    assert entries(engine, message_id) == sorted((("PRINTED", s, None) for s in students), key=repr)


def test_cmp_10_the_print_actor_run_twice_for_one_job_logs_once(engine, runtime):
    """CMP-10, CMP-31, Dramatiq idempotence: the print_letters actor delivered twice for the same job
    id (a broker redelivering after a crash) leaves one finished job and one entry per student; a
    delivery that finds the job RUNNING (another run has it) leaves it, its PDF and the log alone."""
    from jobs.printing import print_letters

    _tag, students = make_students(engine, 2)
    message_id = make_message(engine, "admin", students, add_log_record=True)
    job_id = requested(engine, message_id)
    print_letters(job_id)
    print_letters(job_id)
    with session_scope(engine) as session:
        first = session.get(PrintJob, job_id)
        first_pdf, first_finished = first.pdf, first.finished_at
        # As if seen again while a run had it.
        session.execute(update(PrintJob).where(PrintJob.id == job_id).values(status="RUNNING"))
    try:
        print_letters(job_id)
        with session_scope(engine) as session:
            job = session.get(PrintJob, job_id)
            assert (job.status, job.pdf, job.finished_at) == ("RUNNING", first_pdf, first_finished) and first_pdf
    finally:
        with session_scope(engine) as session:
            session.execute(update(PrintJob).where(PrintJob.id == job_id).values(status="DONE"))
    assert entries(engine, message_id) == sorted((("PRINTED", s, None) for s in students), key=repr)


def test_cmp_10_sent_entries_are_written_once_whatever_repeats_them(engine):
    """CMP-10: the SENT entries of a fan-out are not written again by a repeated write (a fan-out
    step run twice) or by resendToFailed; a print of the same message adds its PRINTED ones beside
    them, once."""
    _tag, students = make_students(engine, 2)
    for student in students:
        add_contact(engine, student, email=email("letters"))
    message_id = make_message(engine, "admin", students, add_log_record=True)
    with session_scope(engine) as session:
        session.execute(update(Message).where(Message.id == message_id).values(status=MessageStatus.QUEUED.value))
        fan_out(session, message_id)
    sent = entries(engine, message_id)
    assert sent == sorted((("SENT", s, None) for s in students), key=repr)
    with session_scope(engine) as session:
        log_letters(session, session.get(Message, message_id), utcnow())
        session.execute(update(Delivery).where(Delivery.message_id == message_id).values(status="FAILED"))
    with session_scope(engine) as session:
        assert resend_failed(session, viewer_for(session, "admin"), message_id) is not None
    assert entries(engine, message_id) == sent
    run_print_job(engine, requested(engine, message_id))
    run_print_job(engine, requested(engine, message_id))
    with session_scope(engine) as session:
        counts = dict(session.execute(select(LetterLog.source, func.count()).where(
            LetterLog.message_id == message_id).group_by(LetterLog.source)).all())
    assert counts == {"SENT": 2, "PRINTED": 2}
