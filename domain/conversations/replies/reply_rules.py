"""Who may answer in a thread: the rules every reply path applies once (the app, email, SMS,
webhooks, out-of-office), each refusal a code naming its rule.

Staff answer freely. A family user (parent or student) answering staff:

- THREAD_ARCHIVED (INB-16): the staff member archived the thread for both; the family side cannot
  continue it until the staff member unarchives it or writes again (a side the family user
  archived themselves takes replies, INB-20);
- REPLIES_NOT_ALLOWED (CMP-16, CMP-18, CMP-21): the latest message from the staff side did not
  allow replies (a follow-up posted from a thread always does; a message sent as the district or a
  school never does). A thread the family user started takes their replies when they may compose;
- NOT_ENROLLED_AT_SCHOOL (INB-22): answering a teacher needs the student (or, for a parent, one of
  their students) enrolled at one of the teacher's schools;
- TEACHER_NOT_IN_THREAD_THIS_YEAR (INB-22): and the teacher posted in the thread during the
  current school year.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, select
from sqlmodel import Session

from domain.access.permissions import Perm
from domain.access.scope import FAMILY_ROLES
from domain.access.viewer import Viewer
from domain.support.errors import FieldProblem, InvalidInput
from models.conversations import ThreadSide
from models.directory import AccountStatus, Contact, District, Role, SchoolYear, Student, User, UserSchool
from models.messaging import INAPP_CHANNEL_SQL, Delivery, DeliveryStatus, Message

REPLIES_NOT_ALLOWED = "REPLIES_NOT_ALLOWED"
NOT_ENROLLED_AT_SCHOOL = "NOT_ENROLLED_AT_SCHOOL"
TEACHER_NOT_IN_THREAD_THIS_YEAR = "TEACHER_NOT_IN_THREAD_THIS_YEAR"
THREAD_ARCHIVED = "THREAD_ARCHIVED"

#: The in-app rows that put a message in its reader's thread.
_IN_THREAD = (DeliveryStatus.DELIVERED.value, DeliveryStatus.READ.value)
_ACTIVE = AccountStatus.ACTIVE.value


class ReplyRefused(InvalidInput):
    """A rule refused the reply; ``code`` names the rule."""

    def __init__(self, code: str, message: str, path: tuple[str | int, ...] = ("threadId",)):
        super().__init__([FieldProblem(path, code, message)])
        self.code = code


def latest_received(session: Session, reader_id: int, sender_id: int, *, since: dt.datetime | None = None,
                    before: dt.datetime | None = None) -> Message | None:
    """The newest message ``sender_id`` posted in ``reader_id``'s inbox (optionally in a period):
    found through the reader's in-app rows (ix_delivery_inapp_address)."""
    query = (select(Message).join(Delivery, Delivery.message_id == Message.id)
             .where(Delivery.address == f"user:{reader_id}", INAPP_CHANNEL_SQL, Delivery.status.in_(_IN_THREAD),
                    Message.sender_id == sender_id))
    if since is not None:
        query = query.where(Message.created_at >= since)
    if before is not None:
        query = query.where(Message.created_at < before)
    return session.execute(query.order_by(Delivery.message_id.desc()).limit(1)).scalars().first()


def check_reply(session: Session, *, author: Viewer, correspondent: User, side: ThreadSide,
                path: tuple[str | int, ...] = ("threadId",)) -> None:
    """Raise ReplyRefused when ``author`` may not answer ``correspondent`` in the thread of ``side``
    (the author's side)."""
    if author.role not in FAMILY_ROLES or correspondent.role in FAMILY_ROLES:
        return
    if side.archived_by_id is not None and side.archived_by_id != author.id:  # INB-16
        raise ReplyRefused(THREAD_ARCHIVED, "The staff member archived this conversation; it cannot be continued "
                                            "until they reopen it.", path)
    latest = latest_received(session, author.id, correspondent.id)
    if latest is None:
        allowed = author.permissions.has(Perm.SEND_MESSAGES)  # the family user started it (PERM-61)
    else:  # CMP-16: sent as the district or a school it takes no replies; CMP-21: a follow-up always does
        allowed = (latest.allow_reply or latest.thread_id is not None) and not (
            latest.send_as_district or latest.send_as_school_id)
    if not allowed:
        raise ReplyRefused(REPLIES_NOT_ALLOWED, "The latest message in this conversation does not take replies.",
                           path)
    if correspondent.role != Role.TEACHER:
        return
    if not _enrolled_at_schools_of(session, author, correspondent.id):
        raise ReplyRefused(NOT_ENROLLED_AT_SCHOOL, "You can continue a conversation with a teacher only while "
                                                   "you (or your student) are enrolled at their school.", path)
    if not _posted_this_school_year(session, author.id, correspondent.id):
        raise ReplyRefused(TEACHER_NOT_IN_THREAD_THIS_YEAR, "The teacher has not written in this conversation "
                                                            "this school year.", path)


def _enrolled_at_schools_of(session: Session, author: Viewer, teacher_id: int) -> bool:
    """INB-22: the student author, or one of the parent author's active students, is enrolled at
    one of the teacher's schools."""
    teacher_schools = select(UserSchool.school_id).where(UserSchool.user_id == teacher_id)
    at_school = and_(Student.status == _ACTIVE, Student.school_id.in_(teacher_schools))
    if author.role == Role.STUDENT:
        found = exists(select(Student.id).where(Student.id == author.user.student_id, at_school))
    else:
        found = exists(select(Contact.id).join(Student, Student.id == Contact.student_id)
                       .where(Contact.user_id == author.id, Contact.status == _ACTIVE, at_school))
    return bool(session.execute(select(found)).scalar())


def _posted_this_school_year(session: Session, reader_id: int, teacher_id: int) -> bool:
    """INB-22: the teacher posted in the thread during the current school year (its dates,
    inclusive, in the district's time zone)."""
    year = session.execute(select(SchoolYear).where(SchoolYear.is_current.is_(True)).limit(1)).scalars().first()
    if year is None:
        return False
    zone = ZoneInfo(session.execute(select(District.time_zone).limit(1)).scalar_one())
    since = dt.datetime.combine(year.start_date, dt.time(0, 0), tzinfo=zone)
    before = dt.datetime.combine(year.end_date + dt.timedelta(days=1), dt.time(0, 0), tzinfo=zone)
    return latest_received(session, reader_id, teacher_id, since=since, before=before) is not None
