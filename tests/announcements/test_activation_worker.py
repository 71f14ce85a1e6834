"""An announcement activates once across two queue runs and a worker restart (issue 19
acceptance; ANN-13, SMS-01, VOI-01): real PostgreSQL, Redis (the run's database) and ``homeroom
worker`` processes with the ``discard`` plugin as the provider, which journals every reference it
accepts. The first worker is killed with SIGKILL while it dispatches; a second run posts nothing;
a restarted worker and a later run finish the job. The provider then holds every delivery of the
posting at most once, and the ledger each delivery SENT once.

The run's own ``homeroom worker`` (tests/conftest.py) reads the same Redis database; it is paused
(SIGSTOP) for the test, so only the test's workers take its jobs, and resumed afterwards.
"""

from __future__ import annotations

import collections
import datetime as dt
import os
import signal
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from activation_steps import announce, corner
from delivery.test_reliability import discard_registry, journal_lines, start_worker, wait_until_quiet
from domain.announcements.calendar import district_today
from domain.delivery.attempts import SENT, attempts_by_delivery
from harness import REDIS_URL, USES_POSTGRES, USES_REDIS
from jobs.broker import LaneAwareRedisBroker, _middleware
from jobs.queue_clock import queue_tick
from models.announcements import Announcement, AnnouncementPosting
from models.db import session_scope, utcnow
from models.directory import District
from models.messaging import Delivery, Message
from worker_processes import kill_hard, open_deliveries, stop, wait_for

pytestmark = pytest.mark.skipif(not (USES_POSTGRES and USES_REDIS), reason="needs PostgreSQL and Redis")

LATER = dt.timedelta(minutes=11)  # past the queue run's stale thresholds: lost jobs are handed out again
STUDENTS = 120


def _announcement_to_many(engine) -> int:
    """An announcement of a fresh school with STUDENTS students (primary email and phone each),
    carrying an email, an SMS and a call, starting today."""
    from factories import email, phone
    from models.directory import Student

    with session_scope(engine) as session:
        district = session.execute(select(District)).scalars().one()
        place = corner(session)
        session.add_all(Student(school_id=place.school.id, first_name="Kid", last_name=f"Many {n}", grade_level="4",
                                primary_email=email("many"), primary_phone=phone()) for n in range(STUDENTS))
        session.flush()
        announcement = announce(session, place, start=district_today(district), email_subject="Field day",
                                email_html_body="<p>Friday</p>", sms_text="Field day Friday",
                                call_text="Field day is on Friday.")
        return announcement.id


def _posting(engine, announcement_id: int) -> list[tuple[int, int | None]]:
    with session_scope(engine) as session:
        return [tuple(row) for row in session.execute(
            select(AnnouncementPosting.posting_number, AnnouncementPosting.message_id)
            .where(AnnouncementPosting.announcement_id == announcement_id)).all()]


def _process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (dramatiq forks its worker processes), from /proc."""
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            pending.extend(int(child) for child in task.read_text().split())
    return tree


@pytest.fixture
def run_worker_paused(worker_process):
    """The run's own worker (its process and the processes it forked), paused while the test's
    workers take the jobs."""
    paused = _process_tree(worker_process.pid)
    for pid in paused:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in paused:
            os.kill(pid, signal.SIGCONT)


def test_ann13_an_announcement_activates_once_across_two_queue_runs_and_a_worker_restart(engine, tmp_path,
                                                                                         run_worker_paused):
    announcement_id = _announcement_to_many(engine)
    broker = LaneAwareRedisBroker(url=REDIS_URL, namespace="homeroom", middleware=_middleware())
    journal = tmp_path / "provider.journal"
    registry = discard_registry(journal)
    first = start_worker(REDIS_URL, journal, latency_ms=200)
    try:
        queue_tick(broker=broker, registry=registry)  # posts, and hands the message on to the worker
        [(_, message_id)] = _posting(engine, announcement_id)
        wait_for(lambda: len(journal_lines(journal)) >= 20, 120, "the first worker to get going")
    finally:
        kill_hard(first)
    assert open_deliveries(engine, message_id) > 0  # killed in the middle of the posting's dispatch
    queue_tick(broker=broker, registry=registry)  # the second run of the day posts nothing more
    assert _posting(engine, announcement_id) == [(1, message_id)]
    second = start_worker(REDIS_URL, journal, latency_ms=0)
    try:
        queue_tick(now=utcnow() + LATER, broker=broker, registry=registry)  # what the killed worker left
        wait_for(lambda: open_deliveries(engine, message_id) == 0, 180, "every delivery to settle")
        queue_tick(now=utcnow() + LATER, broker=broker, registry=registry)  # finds nothing more
        wait_until_quiet(journal)
    finally:
        stop(second)
        with session_scope(engine) as session:
            session.execute(update(Announcement).where(Announcement.id == announcement_id).values(deleted_at=utcnow()))
    assert _posting(engine, announcement_id) == [(1, message_id)]
    received = collections.Counter(journal_lines(journal))
    assert received and max(received.values()) == 1, "the provider received a delivery twice"
    with session_scope(engine) as session:
        statuses = collections.Counter(session.execute(select(Delivery.channel, Delivery.status).where(
            Delivery.message_id == message_id, Delivery.channel != "INAPP")).all())
        sent_ids = set(session.execute(select(Delivery.id).where(
            Delivery.message_id == message_id, Delivery.status == "SENT")).scalars())
        sent_attempts = {delivery_id: sum(attempt.outcome == SENT for attempt in attempts)
                         for delivery_id, attempts in attempts_by_delivery(session, sent_ids).items()}
        messages = session.execute(select(func.count()).select_from(Message).where(Message.id.in_(
            select(AnnouncementPosting.message_id).where(AnnouncementPosting.announcement_id == announcement_id))
        )).scalar_one()
    people = STUDENTS + 1 + 2  # the corner's own student, its parent and its teacher
    assert statuses == {("EMAIL", "SENT"): people, ("SMS", "SENT"): people, ("VOICE", "SENT"): people}, statuses
    # Sent once: recorded by the worker that sent it (one sent attempt), or, for those the killed
    # worker had handed over without recording, reconciled from the provider's journal (JOB-05).
    assert all(count <= 1 for count in sent_attempts.values())
    assert all(sent_attempts.get(delivery_id) == 1 or str(delivery_id) in received for delivery_id in sent_ids)
    assert messages == 1
