"""Which messages a viewer reaches: those whose report they may read, and their own that can still
change. Out-of-scope rows are simply not found (MessageNotFound)."""

from __future__ import annotations

from sqlalchemy import and_, exists, or_, select
from sqlmodel import Session

from domain.access.scope import deliveries_at_schools, is_district_administrator, limited_to_schools
from domain.access.viewer import Viewer
from models.directory import Role, UserSchool
from models.messaging import Delivery, Message, MessageStatus

#: A message can still change while it is a draft, scheduled, or errored (ATT-01, VOI-04).
EDITABLE = (MessageStatus.DRAFT.value, MessageStatus.SCHEDULED.value, MessageStatus.ERRORED.value)


class MessageNotFound(Exception):
    """Not one of the viewer's drafts: out-of-scope rows are simply not found."""


def visible_messages(viewer: Viewer):
    """The messages whose report the viewer may read (see domain.reports.communication_report's note)."""
    own = Message.sender_id == viewer.id
    sent = Message.status != MessageStatus.DRAFT.value  # drafts are their owner's alone
    if limited_to_schools(viewer):  # a partner key of some schools: what reached their people, whoever sent it
        return and_(sent, exists(select(Delivery.id).where(Delivery.message_id == Message.id,
                                                           deliveries_at_schools(viewer.school_ids))))
    if is_district_administrator(viewer):
        return or_(own, sent)
    if viewer.role is not Role.ADMIN:
        return own
    schools = sorted(viewer.school_ids)
    if not schools:
        return own
    colleague = Message.sender_id.in_(select(UserSchool.user_id).where(UserSchool.school_id.in_(schools)))
    return or_(own, and_(sent, or_(colleague, Message.send_as_school_id.in_(schools))))


def own_editable(session: Session, viewer: Viewer, message_id: int) -> Message:
    """One of the viewer's own messages that can still change, locked for the transaction; files
    (domain.messages.attachments) and call recordings (domain.telephony.call_recordings) attach to it."""
    message = session.execute(select(Message).where(
        Message.id == message_id, Message.sender_id == viewer.id, Message.status.in_(EDITABLE))
        .with_for_update()).scalars().first()
    if message is None:
        raise MessageNotFound(message_id)
    return message
