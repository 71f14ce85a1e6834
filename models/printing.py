"""Print jobs (CMP-31, issue 18 point 4): a message printed as one PDF of letters, made by a job
(jobs.printing) with its progress, never in the request; the finished PDF is kept here until it
is downloaded through a signed, expiring link (homeroom/routes/printing.py), and deleted by the
queue clock after the retention (HOMEROOM_PRINT_RETENTION_DAYS; the row stays, EXPIRED)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Index, LargeBinary, String
from sqlmodel import Field, SQLModel

from models.db import utcnow


class PrintJobStatus(str, enum.Enum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"
    #: Done, and its PDF deleted after the retention (the row stays; its download is refused).
    EXPIRED = "EXPIRED"


class PrintJob(SQLModel, table=True):
    """One print of one message for the user who asked; ``options`` are the choices of CMP-31
    (domain.letters.print_jobs.PrintOptions) as they were recorded."""

    __tablename__ = "print_job"
    __table_args__ = (Index("ix_print_job_requested_by", "requested_by_id", "id"),
                      # The queue clock (jobs/queue_clock.py) deletes the PDFs of DONE jobs finished
                      # before the retention (status and finished_at, the whole condition) and finds the
                      # few QUEUED jobs that lost their message and RUNNING ones that outlived their run.
                      Index("ix_print_job_status_finished", "status", "finished_at"))

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    requested_by_id: int = Field(foreign_key="app_user.id")
    options: dict = Field(default_factory=dict, sa_type=JSON)
    status: PrintJobStatus = Field(default=PrintJobStatus.QUEUED, sa_type=String(8))
    letters_done: int = Field(default=0)
    letters_total: int = Field(default=0)
    page_count: int | None = Field(default=None)
    pdf: bytes | None = Field(default=None, sa_type=LargeBinary)
    created_at: dt.datetime = Field(default_factory=utcnow)
    #: When the queue clock last handed a QUEUED job to the queue again (its message lost); null: never.
    requeued_at: dt.datetime | None = Field(default=None)
    #: When a run claimed it (QUEUED to RUNNING); a job RUNNING long past the actor's time limit is failed.
    started_at: dt.datetime | None = Field(default=None)
    finished_at: dt.datetime | None = Field(default=None)
