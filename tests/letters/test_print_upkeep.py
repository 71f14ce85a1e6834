"""Print jobs kept in bounds (CMP-31, issue 18 review): a user has at most a few prints queued or
running (HOMEROOM_PRINT_MAX_UNFINISHED_JOBS; the next is RATE_LIMITED, nothing written); a QUEUED
job whose queue message was lost is sent again by the queue clock, once per wait; a finished PDF
past HOMEROOM_PRINT_RETENTION_DAYS is deleted by the clock, the job kept as EXPIRED and its
download refused as expired."""

from __future__ import annotations

import datetime as dt
import time
from urllib.parse import urlsplit

from sqlalchemy import func, insert, select, update

from domain.letters.print_jobs import PrintOptions, request_print, run_print_job
from domain.letters.print_upkeep import resend_lost_jobs
from helpers import gid, gql, make_user, pk_of
from letters_support import JOB, PRINT, finished, make_message, make_students
from models.db import session_scope, utcnow
from models.directory import Role, User
from models.printing import PrintJob
from resolve import viewer_for


class RecordedJobs:
    """A queue that loses every message it is given (they are only noted)."""

    def __init__(self):
        self.job_ids: list[int] = []

    def print_letters(self, job_id: int) -> None:
        self.job_ids.append(job_id)


def printer(engine) -> tuple[str, str, int]:
    """(token, login, message id): a fresh administrator and a message of theirs to two students."""
    login = f"letters.upkeep.{time.monotonic_ns()}"
    token = make_user(engine, Role.ADMIN, login=login)
    _tag, students = make_students(engine, 2)
    return token, login, make_message(engine, login, students)


def jobs_of(engine, login: str) -> list[PrintJob]:
    with session_scope(engine) as session:
        user = session.execute(select(User.id).where(User.login == login)).scalar_one()
        rows = list(session.execute(select(PrintJob).where(PrintJob.requested_by_id == user)
                                    .order_by(PrintJob.id)).scalars())
        session.expunge_all()
        return rows


def lost_job(engine, login: str, message_id: int, *, waited: dt.timedelta) -> int:
    """A QUEUED job whose queue message never arrived, asked for ``waited`` ago."""
    jobs = RecordedJobs()
    with session_scope(engine) as session:
        job_id = request_print(session, viewer_for(session, login), message_id, PrintOptions(), jobs).id
    with session_scope(engine) as session:
        session.execute(update(PrintJob).where(PrintJob.id == job_id).values(created_at=utcnow() - waited))
    return job_id


def test_cmp_31_a_user_has_at_most_a_few_prints_unfinished(client, engine, runtime):
    """CMP-31: with as many prints running as HOMEROOM_PRINT_MAX_UNFINISHED_JOBS allows (3 by default),
    printMessage answers RATE_LIMITED and writes no job; once one finishes the next print is made."""
    cap = runtime.print_policy.max_unfinished
    assert cap == 3
    token, login, message_id = printer(engine)
    with session_scope(engine) as session:
        user = session.execute(select(User.id).where(User.login == login)).scalar_one()
        session.execute(insert(PrintJob), [{"message_id": message_id, "requested_by_id": user, "options": {},
                                            "status": "RUNNING", "created_at": utcnow()} for _ in range(cap)])
    try:
        refused = gql(client, PRINT, {"input": {"messageId": gid("Message", message_id)}}, token)
        (error,) = refused["data"]["printMessage"]["errors"]
        assert (error["field"], error["code"]) == ("input", "RATE_LIMITED")
        assert "3 prints queued or running" in error["message"]
        assert len(jobs_of(engine, login)) == cap
        with session_scope(engine) as session:
            first = session.execute(select(func.min(PrintJob.id)).where(PrintJob.requested_by_id == user)).scalar_one()
            session.execute(update(PrintJob).where(PrintJob.id == first).values(status="DONE", finished_at=utcnow()))
        made = gql(client, PRINT, {"input": {"messageId": gid("Message", message_id)}}, token)["data"]["printMessage"]
        assert made["__typename"] == "PrintJob", made
        assert finished(client, token, made["id"])["status"] == "DONE"
    finally:
        with session_scope(engine) as session:
            session.execute(update(PrintJob).where(PrintJob.requested_by_id == user, PrintJob.status == "RUNNING")
                            .values(status="FAILED", finished_at=utcnow()))


def test_cmp_31_a_lost_queued_job_is_sent_again_once_per_wait(engine):
    """CMP-31: a job QUEUED for longer than the wait (5 minutes) is handed to the queue again and
    stamped; the same run repeated hands it on no more; once it has waited as long again, it is sent
    again. A job asked for a minute ago is left alone."""
    _token, login, message_id = printer(engine)
    lost = lost_job(engine, login, message_id, waited=dt.timedelta(minutes=10))
    recent = lost_job(engine, login, message_id, waited=dt.timedelta(minutes=1))
    now, wait = utcnow(), dt.timedelta(minutes=5)
    try:
        resent = []
        for moment in (now, now, now + dt.timedelta(minutes=1), now + dt.timedelta(minutes=6)):
            jobs = RecordedJobs()
            with session_scope(engine) as session:
                ids = resend_lost_jobs(session, jobs, moment, wait)
            assert jobs.job_ids == ids  # handed on once committed
            resent.append([job_id for job_id in ids if job_id in (lost, recent)])
        assert resent == [[lost], [], [], [lost, recent]]
    finally:
        with session_scope(engine) as session:
            session.execute(update(PrintJob).where(PrintJob.id.in_([lost, recent])).values(status="FAILED"))


def test_cmp_31_the_queue_clock_runs_a_lost_job(client, engine, runtime):
    """CMP-31: the queue clock's run finds a job whose queue message was lost ten minutes ago and sends
    it again on the runtime's queue: the worker prints it, and printJob(id) shows it DONE."""
    from jobs.queue_clock import queue_tick

    token, login, message_id = printer(engine)
    job_id = lost_job(engine, login, message_id, waited=dt.timedelta(minutes=10))
    queue_tick()
    assert finished(client, token, gid("PrintJob", job_id))["status"] == "DONE"
    [job] = [row for row in jobs_of(engine, login) if row.id == job_id]
    assert job.requeued_at is not None and job.pdf


def test_cmp_31_a_pdf_past_its_retention_is_deleted_and_its_download_refused(client, engine, runtime):
    """CMP-31: the queue clock deletes the PDF of a print finished more than
    HOMEROOM_PRINT_RETENTION_DAYS (7) ago: the job stays, EXPIRED, without a download link, and a
    link handed out before answers 410 saying the PDF was deleted; a print finished 6 days ago keeps
    its PDF."""
    from jobs.queue_clock import queue_tick

    token, login, message_id = printer(engine)
    jobs = RecordedJobs()
    with session_scope(engine) as session:
        old, recent = (request_print(session, viewer_for(session, login), message_id, PrintOptions(), jobs).id
                       for _ in range(2))
    for job_id in (old, recent):
        run_print_job(engine, job_id)
    link = urlsplit(gql(client, JOB, {"id": gid("PrintJob", old)}, token)["data"]["printJob"]["downloadUrl"]).path
    assert client.get(link).status_code == 200
    with session_scope(engine) as session:
        for job_id, age in ((old, dt.timedelta(days=7, minutes=1)), (recent, dt.timedelta(days=6))):
            session.execute(update(PrintJob).where(PrintJob.id == job_id).values(finished_at=utcnow() - age))
    queue_tick()
    shown = gql(client, JOB, {"id": gid("PrintJob", old)}, token)["data"]["printJob"]
    assert (shown["status"], shown["downloadUrl"], shown["pageCount"]) == ("EXPIRED", None, 2)
    response = client.get(link)
    assert response.status_code == 410 and "deleted after the district" in response.text
    rows = {row.id: row for row in jobs_of(engine, login)}
    assert rows[old].pdf is None and rows[recent].pdf and rows[recent].status == "DONE"
    assert pk_of(shown["id"]) == old
