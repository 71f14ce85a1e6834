"""Activation by the queue, on real rows (SQLite and PostgreSQL): when an announcement posts
(ANN-13), that it posts once per posting number, what its message carries (ANN-11, SMS-01,
VOI-01, ANN-23, TRN-04's manual texts) and whom it reaches (ANN-14) through the ordinary fan-out.

Each test works in one transaction that it rolls back, so the district keeps none of it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update
from sqlmodel import Session

from domain.announcements.activation import post_due_announcements, window_opened_today
from domain.delivery.fan_out import fan_out
from domain.delivery.sending.envelopes import sender_display_name
from models.announcements import Announcement, AnnouncementAttachment, AnnouncementPosting
from models.attachments import MessageAttachment
from models.directory import District, Role, School, User
from models.messaging import Delivery, Message, MessageStaff, MessageStudent
from models.translations import AnnouncementTranslation, MessageTranslation
from activation_steps import START, WINDOW, announce, at, corner, uses_app


@pytest.fixture
def session(engine):
    """A session whose work is rolled back, in a district with an 8:00–20:00 New York window."""
    with engine.connect() as connection, connection.begin() as transaction:
        session = Session(connection)
        session.execute(update(District).values(**WINDOW))
        yield session
        session.close()
        transaction.rollback()


def postings(session, announcement_id: int) -> list[tuple[int, int | None]]:
    return [tuple(row) for row in session.execute(
        select(AnnouncementPosting.posting_number, AnnouncementPosting.message_id)
        .where(AnnouncementPosting.announcement_id == announcement_id)
        .order_by(AnnouncementPosting.posting_number)).all()]


def mine(posted, announcement_id: int):
    return [p for p in posted if p.announcement_id == announcement_id]


def test_ann13_nothing_posts_before_the_start_date(session):
    place = corner(session)
    announcement = announce(session, place, email_subject="Field trip", email_html_body="<p>Bring lunch</p>")
    day_before = START - dt.timedelta(days=1)
    assert mine(post_due_announcements(session, at(day_before, 12)), announcement.id) == []
    assert postings(session, announcement.id) == []


def test_ann13_on_the_start_date_all_attachments_wait_for_the_call_window_then_post_once(session):
    """Covers ANN-13 and Interpretation 6: before the window opens on the start date nothing posts,
    the email included; the first run after it opens posts; later runs post nothing more."""
    place = corner(session)
    announcement = announce(session, place, email_subject="Field trip", email_html_body="<p>Bring lunch</p>")
    assert mine(post_due_announcements(session, at(START, 7, 59)), announcement.id) == []
    assert postings(session, announcement.id) == []
    [posted] = mine(post_due_announcements(session, at(START, 8, 0)), announcement.id)
    assert posted.posting_number == 1 and posted.message_id is not None
    assert mine(post_due_announcements(session, at(START, 8, 5)), announcement.id) == []
    assert mine(post_due_announcements(session, at(START + dt.timedelta(days=1), 9)), announcement.id) == []
    assert postings(session, announcement.id) == [(1, posted.message_id)]


def test_ann13_sys01_a_start_date_already_past_waits_for_todays_window_too(session):
    """Covers ANN-13 with SYS-01: a posting whose start date has passed (no run posted it on the
    day, or a re-post of an older announcement) is not sent at 6 a.m.: it waits for today's window
    like any other, then posts once."""
    place = corner(session)
    announcement = announce(session, place, sms_text="School closed today")
    next_day = START + dt.timedelta(days=1)
    assert not window_opened_today(session.execute(select(District)).scalars().one(), at(next_day, 6))
    assert mine(post_due_announcements(session, at(next_day, 6)), announcement.id) == []
    assert postings(session, announcement.id) == []
    [posted] = mine(post_due_announcements(session, at(next_day, 8, 0)), announcement.id)
    assert posted.message_id is not None


def test_ann13_deleted_and_expired_announcements_never_post(session):
    place = corner(session)
    deleted = announce(session, place, push=True, deleted_at=at(START, 1))
    expired = announce(session, place, push=True, start=START - dt.timedelta(days=3),
                       end_date=START - dt.timedelta(days=1))
    posted = post_due_announcements(session, at(START, 12))
    assert mine(posted, deleted.id) == [] and mine(posted, expired.id) == []


def test_ann13_ann20_a_repost_posts_exactly_once_more(session):
    place = corner(session)
    announcement = announce(session, place, email_subject="Concert", email_html_body="<p>Tonight</p>")
    [first] = mine(post_due_announcements(session, at(START, 9)), announcement.id)
    announcement.posting_number = 2  # a full edit that re-posts (ANN-20)
    session.add(announcement)
    session.flush()
    [second] = mine(post_due_announcements(session, at(START, 10)), announcement.id)
    assert mine(post_due_announcements(session, at(START, 11)), announcement.id) == []
    assert second.posting_number == 2 and second.message_id not in (None, first.message_id)
    assert postings(session, announcement.id) == [(1, first.message_id), (2, second.message_id)]


def test_ann13_ann20_a_posting_found_due_before_an_edit_re_posted_writes_nothing(session):
    """A run that found posting 1 due, then met an edit that re-posts (posting 2) or deletes it,
    writes nothing for it; the next run posts the current number."""
    from domain.announcements.activation import post_announcement

    place = corner(session)
    announcement = announce(session, place, email_subject="Moved", email_html_body="<p>New date</p>")
    session.execute(update(Announcement).where(Announcement.id == announcement.id).values(posting_number=2))
    assert post_announcement(session, announcement.id, 1, at(START, 9)) is None
    assert postings(session, announcement.id) == []
    [posted] = mine(post_due_announcements(session, at(START, 9)), announcement.id)
    assert posted.posting_number == 2 and postings(session, announcement.id) == [(2, posted.message_id)]


def test_ann13_a_posting_with_nothing_to_send_has_its_row_and_no_message(session):
    place = corner(session)
    announcement = announce(session, place)
    messages_before = session.execute(select(func.count()).select_from(Message)).scalar_one()
    [posted] = mine(post_due_announcements(session, at(START, 9)), announcement.id)
    assert posted.message_id is None and postings(session, announcement.id) == [(1, None)]
    assert session.execute(select(func.count()).select_from(Message)).scalar_one() == messages_before


def test_ann14_students_get_their_primary_email_users_their_own_not_a_contact_card(session):
    """Covers ANN-14: the student's primary email (not the personal one), the parent's and the
    teacher's own account email (not the parent's contact card), through the ordinary fan-out."""
    place = corner(session)
    announcement = announce(session, place, email_subject="Picture day", email_html_body="<p>Smile</p>")
    [posted] = mine(post_due_announcements(session, at(START, 9)), announcement.id)
    fan_out(session, posted.message_id)
    emails = set(session.execute(select(Delivery.recipient_kind, Delivery.recipient_id, Delivery.address).where(
        Delivery.message_id == posted.message_id, Delivery.channel == "EMAIL", Delivery.status == "QUEUED")).all())
    assert emails == {("STUDENT", place.student.id, place.student.primary_email),
                      ("USER", place.parent.id, place.parent.email),
                      ("USER", place.teacher.id, place.teacher.email)}


def test_ann14_ann18_only_the_selected_profiles_and_the_school_are_reached(session):
    place = corner(session)
    elsewhere = corner(session)  # another school: its people are not targeted
    announcement = announce(session, place, roles=(Role.PARENT,), email_subject="Parents only",
                            email_html_body="<p>Hi</p>")
    [posted] = mine(post_due_announcements(session, at(START, 9)), announcement.id)
    students = session.execute(select(MessageStudent.student_id).where(
        MessageStudent.message_id == posted.message_id)).scalars().all()
    users = session.execute(select(MessageStaff.user_id).where(MessageStaff.message_id == posted.message_id)).scalars()
    assert students == [] and set(users) == {place.parent.id}
    assert elsewhere.parent.id not in set(users)


def test_ann11_sms_01_voi_01_push_sms_and_call_are_dispatched_to_the_audience(session):
    """Covers ANN-11 (push to the announcement's app users), SMS-01 and VOI-01 (the announcement's
    SMS and call as composed): one message with every channel its attachments ask for."""
    place = corner(session)
    uses_app(session, place.parent.id)
    announcement = announce(session, place, roles=(Role.STUDENT, Role.PARENT), push=True,
                            sms_text="Snow day: school closed", call_text="School is closed today because of snow.")
    [posted] = mine(post_due_announcements(session, at(START, 9)), announcement.id)
    message = session.get(Message, posted.message_id)
    assert message.channels == ["SMS", "VOICE", "PUSH"]
    assert (message.sms_text, message.call_text) == (announcement.sms_text, announcement.call_text)
    assert message.sender_id == announcement.author_id and message.subject == announcement.title
    # Fan-out runs at the real time: with the window open (no window) nothing is deferred.
    session.execute(update(District).values(call_window_start=dt.time(0, 0), call_window_end=dt.time(0, 0)))
    fan_out(session, message.id)
    sent = set(session.execute(select(Delivery.channel, Delivery.recipient_kind, Delivery.recipient_id).where(
        Delivery.message_id == message.id, Delivery.status == "QUEUED")).all())
    assert {("SMS", "STUDENT", place.student.id), ("VOICE", "STUDENT", place.student.id),
            ("SMS", "USER", place.parent.id), ("VOICE", "USER", place.parent.id),
            ("PUSH", "USER", place.parent.id)} <= sent


def test_ann23_an_excluded_schools_announcement_emails_from_the_schools_title(session):
    place = corner(session, excluded=True)
    announcement = announce(session, place, email_subject="From the school", email_html_body="<p>x</p>")
    [posted] = mine(post_due_announcements(session, at(START, 9)), announcement.id)
    message = session.get(Message, posted.message_id)
    assert message.send_as_school_id == place.school.id
    district = session.execute(select(District)).scalars().one()
    author = session.get(User, message.sender_id)
    assert sender_display_name(message, author, district, place.school) == place.school.name


def test_ann23_an_announcement_of_a_school_taking_part_emails_from_its_author(session):
    place = corner(session)
    other = session.execute(select(School.id).where(School.id != place.school.id)).scalars().first()
    announcement = announce(session, place, email_subject="Two schools", email_html_body="<p>x</p>",
                            schools=[place.school.id, other])
    [posted] = mine(post_due_announcements(session, at(START, 9)), announcement.id)
    assert session.get(Message, posted.message_id).send_as_school_id is None


def test_trn04_manual_translations_and_files_travel_onto_the_message(session):
    place = corner(session)
    announcement = announce(session, place, email_subject="Book fair", email_html_body="<p>Friday</p>",
                            sms_text="Book fair Friday")
    session.add_all([
        AnnouncementTranslation(announcement_id=announcement.id, language="es", email_subject="Feria del libro",
                                email_html_body="<p>Viernes</p>", sms_text="Feria el viernes"),
        AnnouncementAttachment(announcement_id=announcement.id, filename="map.pdf", content_type="application/pdf",
                               size=4, sha256="0" * 64, data=b"%PDF")])
    session.flush()
    [posted] = mine(post_due_announcements(session, at(START, 9)), announcement.id)
    [spanish] = session.execute(select(MessageTranslation).where(
        MessageTranslation.message_id == posted.message_id)).scalars().all()
    assert (spanish.language, spanish.origin, spanish.subject, spanish.sms_text) == (
        "es", "MANUAL", "Feria del libro", "Feria el viernes")
    assert "Viernes" in spanish.html_body and "Viernes" in spanish.text_body
    [file] = session.execute(select(MessageAttachment).where(
        MessageAttachment.message_id == posted.message_id)).scalars().all()
    assert (file.filename, file.data) == ("map.pdf", b"%PDF")


def test_ann13_a_posting_tells_the_announcements_subscriptions_once_committed(engine):
    """The posting publishes its announcement's notice (domain.announcements.events) on commit."""
    import asyncio

    from domain.delivery.progress_events import InProcessBus

    async def scenario():
        bus = InProcessBus()
        with engine.connect() as connection, connection.begin() as transaction:
            # A write before the session's savepoint: pysqlite only opens its transaction on a
            # write, and a savepoint opened outside one would commit when released.
            connection.execute(update(District).values(**WINDOW))
            session = Session(connection, join_transaction_mode="create_savepoint")
            place = corner(session)
            announcement_id = announce(session, place, push=True).id
            async with bus.subscribe_announcements() as notices:
                [posted] = mine(post_due_announcements(session, at(START, 9), bus), announcement_id)
                await asyncio.sleep(0.05)
                assert notices.empty()  # nothing before the commit
                session.commit()
                notice = await asyncio.wait_for(notices.get(), 5)
            session.close()
            transaction.rollback()
        return posted, announcement_id, notice

    posted, announcement_id, notice = asyncio.run(scenario())
    assert posted.posting_number == 1 and notice == {"announcementId": announcement_id}
