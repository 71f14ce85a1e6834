"""Activation by the queue (ANN-11, ANN-13, ANN-14, ANN-23, RPT-04): on its start date, the first
queue run after the call window has opened posts an announcement and stores the message that
carries its email, SMS, call and push through the ordinary pipeline (fan-out, ledger, reports,
progress and resend all see it as any message).

- **When** (ANN-13, Interpretation 6): every attachment, email included, waits for the call window
  of the start date; no emergency exception. A start date already past posts at the next run.
- **Once** (ANN-13): one :class:`AnnouncementPosting` per (announcement, posting number) under
  ``uq_announcement_posting``, inserted once (ON CONFLICT DO NOTHING) in the transaction that
  writes its message, so a repeated or concurrent run, a retried job or a restarted worker posts
  nothing twice; a re-post (a raised ``posting_number``, ANN-20) posts exactly once more.
- **To whom** (ANN-14): the audience (domain.announcements.audience, the one the portal feed
  reads) is stored as the message's selection when it is posted: targeted students as
  ``message_student`` under recipient type STUDENTS (their primary email, RCP-03), targeted staff
  and parent users as ``message_staff`` (their own account's email, never a contact card's).
  Push (ANN-11) goes to the same people's app accounts; fan-out applies opt-outs, contact flags
  and exclusions (RCP-25) as for any message.
- **From** (ANN-23): see :func:`sending_school`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from sqlalchemy import exists, insert, literal, select, update
from sqlmodel import Session

from domain.access.viewer import load_viewer
from domain.announcements.audience import audience_select
from domain.announcements.calendar import active_on, district_today
from domain.announcements.events import publish_announcement_changed
from domain.content.flagging import contains_flagged_word
from domain.content.html_policy import sanitized_html
from domain.content.text import html_to_text
from domain.delivery.progress_events import ProgressBus
from domain.messages.send import SUBJECT_MAX_LENGTH, refresh_planner_statistics
from domain.recipients.call_window import CallWindow
from domain.support.errors import AuthenticationError
from domain.support.insert_once import insert_once
from domain.telephony.caller_ids import caller_id_for_message
from domain.support.wall_clock import first_instant_at
from models.announcements import Announcement, AnnouncementAttachment, AnnouncementPosting, AnnouncementSchool
from models.attachments import MessageAttachment
from models.directory import District, Role, School, User, UserSchool
from models.messaging import (
    Channel,
    Message,
    MessageStaff,
    MessageStatus,
    MessageStudent,
    RecipientKind,
    StudentRecipientType,
)
from models.translations import AnnouncementTranslation, MessageTranslation, TranslationOrigin

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Posted:
    """One posting made by a queue run; ``message_id`` None when it had nothing to send."""

    announcement_id: int
    posting_number: int
    message_id: int | None


def window_opened_today(district: District, now: dt.datetime) -> bool:
    """Whether a run at ``now`` may post (ANN-13): the call window has opened today in the
    district's zone. Every posting waits for it, one whose start date is today and one whose start
    date has passed (a re-post, or one created with an earlier date) alike, so no attachment, email
    included, goes out before the window. A window with equal ends is no window."""
    window = CallWindow.of(district)
    return window.start == window.end or now >= first_instant_at(district_today(district, now), window.start,
                                                                   window.time_zone)


def due_postings(session: Session, district: District, now: dt.datetime) -> list[tuple[int, int]]:
    """(announcement id, posting number) of every active announcement whose current posting is due
    and not yet made, in one statement."""
    if not window_opened_today(district, now):
        return []
    posted = exists(select(AnnouncementPosting.id).where(
        AnnouncementPosting.announcement_id == Announcement.id,
        AnnouncementPosting.posting_number == Announcement.posting_number))
    return [tuple(row) for row in session.execute(
        select(Announcement.id, Announcement.posting_number)
        .where(active_on(district_today(district, now)), ~posted)
        .order_by(Announcement.id)).all()]


def post_due_announcements(session: Session, now: dt.datetime, events: ProgressBus | None = None) -> list[Posted]:
    """Post every due announcement (one failure holds up no other; a failed one is tried again by
    the next run), telling the ``announcements`` subscriptions on ``events`` once the caller
    commits. Returns what this run posted; the caller hands the messages on once it commits."""
    district = session.execute(select(District).limit(1)).scalars().first()
    if district is None:
        return []
    posted = []
    for announcement_id, posting_number in due_postings(session, district, now):
        try:
            made = post_announcement(session, announcement_id, posting_number, now, events)
        except Exception:  # noqa: BLE001  (retried next run; the traceback names code, not content)
            log.warning("queue run: announcement %d posting %d failed; the next run tries again",
                        announcement_id, posting_number, exc_info=True)
            continue
        if made is not None:
            posted.append(made)
    return posted


class _ChangedSinceDue(Exception):
    """The announcement was re-posted or deleted after the run found it due."""


def post_announcement(session: Session, announcement_id: int, posting_number: int, now: dt.datetime,
                      events: ProgressBus | None = None) -> Posted | None:
    """In a savepoint of its own: insert the posting once and, when the announcement carries
    anything to send, its message. None, with nothing written, when the posting exists already
    (another run made it) or an edit re-posted or deleted the announcement since it was found
    due (the next run sees the change)."""
    try:
        with session.begin_nested():
            return _post(session, announcement_id, posting_number, now, events)
    except _ChangedSinceDue:
        return None


def _post(session: Session, announcement_id: int, posting_number: int, now: dt.datetime,
          events: ProgressBus | None) -> Posted | None:
    # The insert comes first: it takes the write lock (SQLite) or waits on a racing run's
    # uncommitted posting (PostgreSQL) before anything is read. Then the announcement's row is
    # locked, so an edit waits for the posting, or the posting sees the edit.
    table = AnnouncementPosting.__table__
    posting_id = session.execute(
        insert_once(session, table)
        .values(announcement_id=announcement_id, posting_number=posting_number, posted_at=now)
        .returning(table.c.id)).scalar()
    if posting_id is None:
        return None
    announcement = session.execute(select(Announcement).where(Announcement.id == announcement_id)
                                   .with_for_update().execution_options(populate_existing=True)).scalars().one()
    if announcement.posting_number != posting_number or announcement.deleted_at is not None:
        raise _ChangedSinceDue
    channels = posting_channels(announcement)
    message_id = None
    if channels:
        message_id = _store_message(session, announcement, channels, now)
        session.execute(update(AnnouncementPosting).where(AnnouncementPosting.id == posting_id)
                        .values(message_id=message_id))
    publish_announcement_changed(session, events, announcement_id)  # it became active
    return Posted(announcement_id, posting_number, message_id)


def posting_channels(announcement: Announcement) -> list[str]:
    """The channels its attachments ask for (ANN-11, ANN-12): EMAIL, SMS, VOICE, PUSH."""
    channels = []
    if carries_email(announcement):
        channels.append(Channel.EMAIL.value)
    if announcement.sms_text:
        channels.append(Channel.SMS.value)
    if announcement.call_text:
        channels.append(Channel.VOICE.value)
    if announcement.push:
        channels.append(Channel.PUSH.value)
    return channels


def carries_email(announcement: Announcement) -> bool:
    return bool(announcement.email_subject or announcement.email_html_body)


def _texts(announcement: Announcement) -> tuple[str, str]:
    """Subject and body of the posting's message: the attached email's, else (or for the part the
    email leaves empty) the announcement's title and body, which the SMS's default text, the
    inbox and push show."""
    subject = (announcement.email_subject or "").strip() or announcement.title
    html = announcement.email_html_body if announcement.email_html_body else announcement.html_body
    return subject[:SUBJECT_MAX_LENGTH], sanitized_html(html or "")


def _store_message(session: Session, announcement: Announcement, channels: list[str], now: dt.datetime) -> int:
    subject, html_body = _texts(announcement)
    text_body = html_to_text(html_body)
    message = Message(
        sender_id=announcement.author_id, subject=subject, html_body=html_body, text_body=text_body,
        recipient_type=StudentRecipientType.STUDENTS, channels=channels,
        send_as_school_id=sending_school(session, announcement),
        sms_text=announcement.sms_text, call_text=announcement.call_text,
        caller_id_id=_caller_id(session, announcement.author_id) if Channel.VOICE.value in channels else None,
        # The feed's once-per-family draw (RCP-09 via ANN-04), so email and portal reach one family alike.
        family_seed=announcement.family_seed,
        flagged=contains_flagged_word(session, subject, text_body, announcement.sms_text or ""),
        status=MessageStatus.QUEUED, created_at=now)
    session.add(message)
    session.flush()
    _store_audience(session, announcement.id, message.id)
    _copy_attachments(session, announcement.id, message.id)
    _copy_translations(session, announcement, message.id)
    return message.id


def _store_audience(session: Session, announcement_id: int, message_id: int) -> None:
    """ANN-14: the audience (domain.announcements.audience) as the message's selection, one
    INSERT … SELECT per table: student records (their primary email) and, once each, the staff
    and parent users (their own email). A student's own account is reached through its record."""
    rows = audience_select(announcement_id).subquery("audience")
    new_id = literal(message_id)
    session.execute(insert(MessageStudent.__table__).from_select(["message_id", "student_id"], select(
        new_id, rows.c.recipient_id).where(rows.c.recipient_kind == RecipientKind.STUDENT.value).distinct()))
    session.execute(insert(MessageStaff.__table__).from_select(["message_id", "user_id"], select(
        new_id, rows.c.recipient_id).join(User, User.id == rows.c.recipient_id)
        .where(rows.c.recipient_kind == RecipientKind.USER.value, User.role != Role.STUDENT.value).distinct()))
    refresh_planner_statistics(session, "message_student")


def _copy_attachments(session: Session, announcement_id: int, message_id: int) -> None:
    session.execute(insert(MessageAttachment).from_select(
        ["message_id", "filename", "content_type", "size", "sha256", "data", "created_at"],
        select(literal(message_id), AnnouncementAttachment.filename, AnnouncementAttachment.content_type,
               AnnouncementAttachment.size, AnnouncementAttachment.sha256, AnnouncementAttachment.data,
               AnnouncementAttachment.created_at)
        .where(AnnouncementAttachment.announcement_id == announcement_id)))


def _copy_translations(session: Session, announcement: Announcement, message_id: int) -> None:
    """TRN-04: the announcement's manual texts become the message's (origin MANUAL), each part
    translating the part the message took (email subject or title, email body or portal body; SMS;
    call), so machine translation at fan-out treats them as any message's. None: not translated."""
    rows = []
    for manual in session.execute(select(AnnouncementTranslation).where(
            AnnouncementTranslation.announcement_id == announcement.id)).scalars():
        subject = manual.email_subject if (announcement.email_subject or "").strip() else manual.title
        html = manual.email_html_body if announcement.email_html_body else manual.html_body
        html = sanitized_html(html) if html else None
        rows.append(dict(message_id=message_id, language=manual.language, origin=TranslationOrigin.MANUAL.value,
                         subject=subject, html_body=html, text_body=html_to_text(html) if html else None,
                         sms_text=manual.sms_text, call_text=manual.call_text))
    if rows:
        session.execute(insert(MessageTranslation), rows)


def sending_school(session: Session, announcement: Announcement) -> int | None:
    """ANN-23 (as CMP-17 for messages): an announcement is "sent from a school" when exactly one
    school is selected, else from its author's school; when that school is excluded from
    communication, its emails carry the school's title as the From name (send as that school)."""
    selected = session.execute(select(AnnouncementSchool.school_id).where(
        AnnouncementSchool.announcement_id == announcement.id).limit(2)).scalars().all()
    schools = select(UserSchool.school_id).where(UserSchool.user_id == announcement.author_id)
    candidates = selected if len(selected) == 1 else schools
    return session.execute(select(School.id).where(
        School.id.in_(candidates), School.exclude_from_communication.is_(True)).order_by(School.id).limit(1)).scalar()


def _caller_id(session: Session, author_id: int) -> int | None:
    """VOI-03: the number the calls show, the author's default (None: the district default at dispatch)."""
    try:
        viewer = load_viewer(session, author_id)
    except AuthenticationError:
        return None
    return caller_id_for_message(session, viewer, None, [], ("callText",))
