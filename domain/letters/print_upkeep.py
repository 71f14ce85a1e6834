"""The print jobs' upkeep, run by the queue clock (jobs/queue_clock.py) as it re-sends other stuck
work: the database is the truth and the queue only carries it (DESIGN "How a message flows").

- A job still QUEUED ``PrintPolicy.lost_after`` after it was asked for (or last re-sent) lost its
  queue message (Redis restarted, a worker died holding it): it is handed to the queue again and
  stamped ``requeued_at``, so the next run leaves it alone for as long again. A job whose first
  message was only slow (the queue backed up) then has two messages: the first run to claim it
  renders it, the other finds it RUNNING or finished and does nothing (run_print_job).
- A job still RUNNING ``PrintPolicy.stuck_after`` (the actor's time limit and a margin) after a run
  claimed it lost its worker (killed before it could record anything): it is marked FAILED, so it
  no longer counts toward the user's cap and printJob(id) says so. It is not sent again: a print
  that outran its time limit would only do so again, and the user prints again when they choose.
- A finished PDF older than ``PrintPolicy.retention`` is deleted: the row stays, EXPIRED, so
  printJob(id) still says what happened and its download is refused as expired.
"""

from __future__ import annotations

import datetime as dt
import functools

from sqlalchemy import func, select, update
from sqlmodel import Session

from domain.delivery.policy import after_commit
from domain.letters.jobs import PrintJobs
from models.printing import PrintJob, PrintJobStatus

#: Jobs re-sent by one clock run at most; the next run takes the rest.
RESEND_BATCH = 200


def resend_lost_jobs(session: Session, jobs: PrintJobs, now: dt.datetime, lost_after: dt.timedelta) -> list[int]:
    """Re-send the QUEUED jobs untouched for ``lost_after`` once this commits; returns their ids."""
    waited_since = func.coalesce(PrintJob.requeued_at, PrintJob.created_at)
    lost = list(session.execute(
        select(PrintJob.id).where(PrintJob.status == PrintJobStatus.QUEUED.value, waited_since < now - lost_after)
        .order_by(PrintJob.id).limit(RESEND_BATCH).with_for_update(skip_locked=True)).scalars())
    if lost:
        session.execute(update(PrintJob).where(PrintJob.id.in_(lost)).values(requeued_at=now))
        for job_id in lost:
            after_commit(session, functools.partial(jobs.print_letters, job_id))
    return lost


def fail_stuck_jobs(session: Session, now: dt.datetime, stuck_after: dt.timedelta) -> int:
    """Mark FAILED the jobs RUNNING since before ``stuck_after``; returns how many, one statement.
    A run still going (it cannot be, past its time limit) finds its job FAILED and stores nothing."""
    return session.execute(
        update(PrintJob).where(PrintJob.status == PrintJobStatus.RUNNING.value, PrintJob.started_at < now - stuck_after)
        .values(status=PrintJobStatus.FAILED.value, finished_at=now)).rowcount


def expire_pdfs(session: Session, now: dt.datetime, retention: dt.timedelta) -> int:
    """Delete the PDFs of jobs finished more than ``retention`` ago; returns how many, one statement."""
    return session.execute(
        update(PrintJob).where(PrintJob.status == PrintJobStatus.DONE.value, PrintJob.finished_at < now - retention)
        .values(status=PrintJobStatus.EXPIRED.value, pdf=None)).rowcount
