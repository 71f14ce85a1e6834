"""Activation through real queue runs: the runs post an announcement once and its message goes
through the ordinary pipeline to the ledger and the communication report (ANN-13, RPT-04); two
PostgreSQL sessions racing post once. (A worker restart: test_activation_worker.py.)

These rows are committed (the queue runs commit); each test deletes its announcement at the end
(ANN-21), so no later queue run posts it again.
"""

from __future__ import annotations

import email
import email.policy
import threading
import time

import pytest
from sqlalchemy import func, select, update

from activation_steps import announce, corner
from domain.announcements.activation import post_due_announcements
from domain.announcements.calendar import district_today
from harness import OUTBOX_DIR, USES_POSTGRES
from helpers import gid, gql, token_for, wait_for_message
from jobs.queue_clock import queue_tick
from models.announcements import Announcement, AnnouncementPosting
from models.db import session_scope, utcnow
from models.directory import District
from models.messaging import Delivery, Message

REPORT = """query($s: String) { communicationReport(filter: {search: $s}) { edges { node {
    message { id subject } type total } } } }"""


@pytest.fixture
def posted_today(engine):
    """An announcement of a fresh school starting today (the district's today), carrying an email
    and an SMS; deleted afterwards."""
    with session_scope(engine) as session:
        district = session.execute(select(District)).scalars().one()
        place = corner(session)
        announcement = announce(session, place, start=district_today(district), email_subject="Spring concert",
                                email_html_body="<p>Thursday at six</p>", sms_text="Spring concert Thursday at 6")
        announcement_id = announcement.id
    yield announcement_id, place
    with session_scope(engine) as session:
        session.execute(update(Announcement).where(Announcement.id == announcement_id).values(deleted_at=utcnow()))


def postings_of(engine, announcement_id: int) -> list[tuple[int, int | None]]:
    with session_scope(engine) as session:
        return [tuple(row) for row in session.execute(
            select(AnnouncementPosting.posting_number, AnnouncementPosting.message_id)
            .where(AnnouncementPosting.announcement_id == announcement_id)).all()]


def ledger(engine, message_id: int) -> list[tuple[str, str, str]]:
    with session_scope(engine) as session:
        return [tuple(row) for row in session.execute(
            select(Delivery.channel, Delivery.address, Delivery.status)
            .where(Delivery.message_id == message_id, Delivery.channel != "INAPP")).all()]


def test_ann13_rpt04_sms_01_two_queue_runs_post_once_and_the_report_shows_it(client, engine, posted_today):
    """Covers ANN-13 (posted once by the runs on its start date), ANN-14 (students' primary and
    users' own addresses), SMS-01 (the announcement's SMS goes out) and RPT-04 (its deliveries are
    in the communication report like any message's)."""
    announcement_id, place = posted_today
    queue_tick()
    queue_tick()
    [(number, message_id)] = postings_of(engine, announcement_id)
    assert number == 1 and message_id is not None
    token = token_for(engine, "admin")
    assert wait_for_message(client, token, gid("Message", message_id))["status"] == "COMPLETED"
    rows = ledger(engine, message_id)
    assert sorted(rows) == sorted([
        ("EMAIL", place.student.primary_email, "SENT"), ("EMAIL", place.parent.email, "SENT"),
        ("EMAIL", place.teacher.email, "SENT"), ("SMS", place.student.primary_phone, "SENT"),
        ("SMS", place.parent.phone, "SENT"), ("SMS", place.teacher.phone, "SENT")])
    with session_scope(engine) as session:
        total = session.execute(select(func.count()).select_from(Delivery).where(
            Delivery.message_id == message_id)).scalar_one()
        subject = session.get(Message, message_id).subject
    report = gql(client, REPORT, {"s": subject}, token)["data"]["communicationReport"]["edges"]
    assert [edge["node"] for edge in report] == [
        {"message": {"id": gid("Message", message_id), "subject": "Spring concert"}, "type": "MESSAGE",
         "total": total}]


@pytest.mark.skipif(not USES_POSTGRES, reason="two concurrent writers need PostgreSQL")
def test_ann13_two_concurrent_runs_post_once(engine, posted_today):
    """Covers ANN-13: two sessions run the posting at the same moment; the unique posting key lets
    one post and makes the other, blocked on its insert until the first commits, post nothing."""
    announcement_id, _ = posted_today
    start, results, errors = threading.Barrier(2), [], []

    def run():
        try:
            with session_scope(engine) as session:
                start.wait(timeout=30)
                results.append([p for p in post_due_announcements(session, utcnow())
                                if p.announcement_id == announcement_id])
                time.sleep(0.5)  # commit late: the other session's insert meets this one's uncommitted row
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sorted(len(found) for found in results) == [0, 1]
    [(_, message_id)] = postings_of(engine, announcement_id)
    with session_scope(engine) as session:
        assert session.execute(select(func.count()).select_from(Message).where(
            Message.id == message_id)).scalar_one() == 1


def test_ann23_ann14_an_excluded_schools_posting_is_emailed_under_the_schools_title(client, engine):
    """Covers ANN-23: the announcement of a school excluded from communication (its one selected
    school), posted by a teacher of that school, reaches its student's primary email (ANN-14) in
    an email whose From name is the school's title."""
    with session_scope(engine) as session:
        district = session.execute(select(District)).scalars().one()
        place = corner(session, excluded=True)
        announcement_id = announce(session, place, start=district_today(district), author_id=place.teacher.id,
                                   email_subject="Excluded school news", email_html_body="<p>Hello</p>").id
    try:
        queue_tick()
        [(_, message_id)] = postings_of(engine, announcement_id)
        wait_for_message(client, token_for(engine, "admin"), gid("Message", message_id))
        with session_scope(engine) as session:
            [delivery_id] = session.execute(select(Delivery.id).where(
                Delivery.message_id == message_id, Delivery.channel == "EMAIL",
                Delivery.address == place.student.primary_email, Delivery.status == "SENT")).scalars().all()
    finally:
        with session_scope(engine) as session:
            session.execute(update(Announcement).where(Announcement.id == announcement_id).values(deleted_at=utcnow()))
    written = email.message_from_bytes((OUTBOX_DIR / "email" / f"{delivery_id}.eml").read_bytes(),
                                       policy=email.policy.default)
    assert written["From"].addresses[0].display_name == place.school.name
    assert written["To"].addresses[0].addr_spec == place.student.primary_email
