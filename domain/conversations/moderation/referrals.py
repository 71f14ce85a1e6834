"""Referral requests (INB-09, PERM-41, PERM-57): from a flagged message whose author is a student,
a permitted reader asks for a referral. The request is stored and, once it commits, published on
the event bus (``homeroom:<redis db>:referrals`` with Redis) for a partner's behaviour module to act on.

The event names the referral, the message, the student and the requester by their global ids (a
partner reads the channel directly, so it shows ids as the API does), never the message's content:
a consumer that may read it asks for it (viewFlaggedMessage records who did).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlmodel import Session

from domain.access.scope import is_district_administrator, students_in_scope
from domain.access.viewer import Viewer
from domain.conversations.moderation.flags import incoming_message
from domain.delivery.policy import after_commit
from domain.delivery.progress_events import ProgressBus
from domain.support.errors import FieldProblem, InvalidInput
from domain.support.global_ids import Kind, global_id
from models.conversations import ReferralRequest
from models.db import utcnow
from models.directory import User

MAX_NOTE_LENGTH = 500


def referral_event(referral: ReferralRequest) -> dict:
    """What the bus carries of a referral request: global ids and the time, no content."""
    return {"event": "referralRequested", "referralId": global_id(Kind.REFERRAL_REQUEST, referral.id),
            "messageId": global_id(Kind.MESSAGE, referral.message_id),
            "studentId": global_id(Kind.STUDENT, referral.student_id),
            "requestedById": global_id(Kind.USER, referral.requested_by_id),
            "createdAt": referral.created_at.isoformat()}


def request_referral(session: Session, events: ProgressBus | None, *, viewer_id: int, message_id: int,
                     note: str = "", at: dt.datetime | None = None) -> ReferralRequest:
    """Ask for a referral about the student who wrote a flagged incoming message; NOT_FOUND,
    NOT_FLAGGED, NOT_A_STUDENT or TOO_LONG write nothing."""
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise InvalidInput([FieldProblem(("note",), "TOO_LONG",
                                         f"The note is {len(note)} characters; at most {MAX_NOTE_LENGTH}.")])
    message = incoming_message(session, viewer_id=viewer_id, message_id=message_id)
    if not message.flagged:
        raise InvalidInput([FieldProblem(("messageId",), "NOT_FLAGGED",
                                         "A referral is requested from a flagged message; flag it first.")])
    student_id = session.execute(select(User.student_id).where(User.id == message.sender_id)).scalar_one_or_none()
    if student_id is None:
        raise InvalidInput([FieldProblem(("messageId",), "NOT_A_STUDENT",
                                         "Its author is not a student: referrals are for students.")])
    referral = ReferralRequest(message_id=message.id, student_id=student_id, requested_by_id=viewer_id,
                               note=note, created_at=at or utcnow())
    session.add(referral)
    session.flush()
    if events is not None:
        event = referral_event(referral)
        after_commit(session, lambda: events.publish_referral(event))
    return referral


def visible_referral(session: Session, viewer: Viewer, referral_id: int) -> ReferralRequest | None:
    """A referral request about a student in the viewer's scope (every student for a district
    administrator), or None."""
    query = select(ReferralRequest).where(ReferralRequest.id == referral_id)
    if not is_district_administrator(viewer):
        query = query.where(ReferralRequest.student_id.in_(students_in_scope(viewer)))
    return session.execute(query).scalars().first()
