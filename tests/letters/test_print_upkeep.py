"""Print jobs kept in bounds (CMP-31, issue 18 review): a user has at most a few prints queued or
running (HOMEROOM_PRINT_MAX_UNFINISHED_JOBS; the next is RATE_LIMITED, nothing written); a QUEUED
job whose queue message was lost is sent again by the queue clock, once per wait; only the run
that claims a QUEUED job renders it; a run stopped by an error or an interrupt leaves its job
FAILED, and one whose worker was killed is failed by the clock past the actor's time limit; a
finished PDF past HOMEROOM_PRINT_RETENTION_DAYS is deleted by the clock, the job kept as EXPIRED
and its download refused as expired."""

from __future__ import annotations

import datetime as dt
import inspect
import time
from urllib.parse import urlsplit

import pytest
from dramatiq.middleware import TimeLimitExceeded
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement, Executable

import domain.letters.print_jobs as print_jobs
from domain.letters.print_jobs import PRINT_TIME_LIMIT, PrintOptions, PrintPolicy, request_print, run_print_job
from domain.letters.print_upkeep import expire_pdfs, resend_lost_jobs
from helpers import gid, gql, make_user, pk_of
from letters_support import JOB, PRINT, finished, make_message, make_students, print_policy
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
        job_id = request_print(session, viewer_for(session, login), message_id, PrintOptions(), jobs,
                               policy=print_policy()).id
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
        old, recent = (request_print(session, viewer_for(session, login), message_id, PrintOptions(), jobs,
                                     policy=print_policy()).id for _ in range(2))
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


def job_row(engine, job_id: int) -> PrintJob:
    with session_scope(engine) as session:
        job = session.get(PrintJob, job_id)
        session.expunge(job)
        return job


def fail_leftovers(engine, job_ids) -> None:
    """Whatever a test left unfinished stops counting toward its user's cap."""
    with session_scope(engine) as session:
        session.execute(update(PrintJob).where(PrintJob.id.in_(list(job_ids)), PrintJob.status.in_(["QUEUED", "RUNNING"]))
                        .values(status="FAILED", finished_at=utcnow()))


class CountedRenders:
    """render_pdf, counted; ``during_first`` runs inside the first render (as a second worker would)."""

    def __init__(self, during_first=None):
        self.count, self.during_first, self.render = 0, during_first, print_jobs.render_pdf

    def __call__(self, html: str) -> bytes:
        self.count += 1
        if self.count == 1 and self.during_first is not None:
            self.during_first()
        return self.render(html)


def test_cmp_31_an_interrupt_while_rendering_fails_the_job(engine, monkeypatch):
    """CMP-31: Dramatiq's time limit (or a shutdown) interrupts a run with a BaseException, not an
    Exception: the job is marked FAILED (with its finished_at) and the interrupt goes on to Dramatiq,
    so the job no longer counts toward its user's cap."""
    _token, login, message_id = printer(engine)
    job_id = lost_job(engine, login, message_id, waited=dt.timedelta(0))

    def interrupted(html: str) -> bytes:
        raise TimeLimitExceeded()

    monkeypatch.setattr(print_jobs, "render_pdf", interrupted)
    try:
        with pytest.raises(TimeLimitExceeded):
            run_print_job(engine, job_id)
        job = job_row(engine, job_id)
        assert (job.status, job.pdf) == ("FAILED", None) and job.finished_at and job.started_at
    finally:
        fail_leftovers(engine, [job_id])


def test_cmp_31_a_job_running_past_the_time_limit_is_failed_and_frees_its_slot(client, engine, runtime):
    """CMP-31: a worker killed outright (no interrupt) leaves its job RUNNING; the queue clock marks
    FAILED a job RUNNING since before the actor's time limit and a margin (35 minutes), so it no
    longer counts toward HOMEROOM_PRINT_MAX_UNFINISHED_JOBS and the user prints again; a job running
    for 10 minutes is left alone."""
    from jobs.queue_clock import queue_tick

    cap = runtime.print_policy.max_unfinished
    assert runtime.print_policy.stuck_after > PRINT_TIME_LIMIT
    token, login, message_id = printer(engine)
    now = utcnow()
    ages = [runtime.print_policy.stuck_after + dt.timedelta(minutes=1)] * (cap - 1) + [dt.timedelta(minutes=10)]
    with session_scope(engine) as session:
        user = session.execute(select(User.id).where(User.login == login)).scalar_one()
        session.execute(insert(PrintJob), [{"message_id": message_id, "requested_by_id": user, "options": {},
                                            "status": "RUNNING", "created_at": now - age, "started_at": now - age}
                                           for age in ages])
    try:
        refused = gql(client, PRINT, {"input": {"messageId": gid("Message", message_id)}}, token)
        assert refused["data"]["printMessage"]["__typename"] == "PrintMessageErrors"
        queue_tick()
        rows = jobs_of(engine, login)
        assert [row.status for row in rows] == ["FAILED"] * (cap - 1) + ["RUNNING"]
        assert all(row.finished_at for row in rows[:-1]) and rows[-1].finished_at is None
        made = gql(client, PRINT, {"input": {"messageId": gid("Message", message_id)}}, token)["data"]["printMessage"]
        assert made["__typename"] == "PrintJob", made
        assert finished(client, token, made["id"])["status"] == "DONE"
    finally:
        fail_leftovers(engine, [row.id for row in jobs_of(engine, login)])


def test_cmp_31_a_job_already_running_is_left_to_its_run(engine, monkeypatch):
    """CMP-31: the actor delivered for a job another run has (RUNNING; a re-send of a job that was
    only waiting in a backed-up queue) does nothing: no second render, its progress is not reset."""
    _token, login, message_id = printer(engine)
    job_id = lost_job(engine, login, message_id, waited=dt.timedelta(0))
    started = utcnow() - dt.timedelta(minutes=1)
    with session_scope(engine) as session:
        session.execute(update(PrintJob).where(PrintJob.id == job_id).values(
            status="RUNNING", started_at=started, letters_done=1, letters_total=2))
    renders = CountedRenders()
    monkeypatch.setattr(print_jobs, "render_pdf", renders)
    try:
        run_print_job(engine, job_id)
        job = job_row(engine, job_id)
        assert (renders.count, job.status, job.letters_done, job.letters_total) == (0, "RUNNING", 1, 2)
        assert job.started_at == started and job.pdf is None
    finally:
        fail_leftovers(engine, [job_id])


def test_cmp_31_a_queued_job_is_claimed_by_one_run(engine, monkeypatch):
    """CMP-31: the print_letters actor delivered twice for one QUEUED job, the second while the first
    is rendering (two workers): one run claims and renders it, the other does nothing; once DONE, a
    third delivery does nothing either. One render, one PDF."""
    from jobs.printing import print_letters

    _token, login, message_id = printer(engine)
    job_id = lost_job(engine, login, message_id, waited=dt.timedelta(0))
    renders = CountedRenders(during_first=lambda: print_letters(job_id))
    monkeypatch.setattr(print_jobs, "render_pdf", renders)
    try:
        print_letters(job_id)
        first = job_row(engine, job_id)
        print_letters(job_id)
        job = job_row(engine, job_id)
        assert (renders.count, job.status, job.letters_done, job.page_count) == (1, "DONE", 2, 2)
        assert job.pdf == first.pdf and job.finished_at == first.finished_at
    finally:
        fail_leftovers(engine, [job_id])


def test_cmp_31_request_print_takes_the_settings_policy(engine):
    """CMP-31: request_print has no policy of its own (a default would ignore the operator's
    HOMEROOM_PRINT_MAX_UNFINISHED_JOBS): every caller passes one, and the one passed is obeyed."""
    assert inspect.signature(request_print).parameters["policy"].default is inspect.Parameter.empty
    _token, login, message_id = printer(engine)
    job_id = lost_job(engine, login, message_id, waited=dt.timedelta(0))
    try:
        with session_scope(engine) as session, pytest.raises(Exception, match="1 prints queued or running"):
            request_print(session, viewer_for(session, login), message_id, PrintOptions(), RecordedJobs(),
                          policy=PrintPolicy(max_unfinished=1))
    finally:
        fail_leftovers(engine, [job_id])


class Explain(Executable, ClauseElement):
    """EXPLAIN (QUERY PLAN on SQLite) of a statement, its parameters bound as the statement's are."""

    inherit_cache = False
    # The compiler takes the top-level UPDATE it explains for the statement it compiles.
    _inline, _return_defaults, _returning = False, False, ()

    def __init__(self, statement):
        self.statement = statement


@compiles(Explain)
def _explain(element, compiler, **kw):
    prefix = "EXPLAIN QUERY PLAN " if compiler.dialect.name == "sqlite" else "EXPLAIN "
    return prefix + compiler.process(element.statement, **kw)


class PlannedSession:
    """A session whose statements are explained, not run: what expire_pdfs would do."""

    def __init__(self, session):
        self.session, self.plans = session, []

    def execute(self, statement):
        self.plans.append("\n".join(str(row[-1]) for row in self.session.connection().execute(Explain(statement))))
        return type("Result", (), {"rowcount": 0})()


def test_cmp_31_deleting_expired_pdfs_reads_the_status_and_finished_at_index(engine):
    """CMP-31: the queue clock's deletion of PDFs past their retention (status DONE, finished_at
    before the cutoff) is served by ix_print_job_status_finished on both columns, not by a scan of
    every DONE job."""
    with session_scope(engine) as session:
        if engine.dialect.name == "postgresql":
            session.execute(text("SET LOCAL enable_seqscan = off"))
        planned = PlannedSession(session)
        expire_pdfs(planned, utcnow(), dt.timedelta(days=7))
        session.rollback()
    (plan,) = planned.plans
    assert "ix_print_job_status_finished" in plan, plan
    if engine.dialect.name == "sqlite":
        assert "(status=? AND finished_at<?)" in plan, plan
    else:  # both columns in the index condition, not finished_at as a filter on every DONE row
        assert any("Index Cond" in line and "finished_at <" in line for line in plan.splitlines()), plan
