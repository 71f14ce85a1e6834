"""Files attached to a message (ATT-*): add, list, download, remove one or all.

Files are attached while the message can still change: a draft or a scheduled message (a new
message is composed as a draft, then sent). The email of a message carries its files (ATT-02),
and so do the copy to the sender and the Cc copies, which are the same email (ATT-05). A secure
email carries none: only the notice to sign in.
"""

from __future__ import annotations

from sqlalchemy import and_, delete, exists, func, or_, select
from sqlalchemy.orm import defer
from sqlmodel import Session

from domain.support import file_uploads
from domain.support.errors import InvalidInput
from domain.access.message_scope import own_editable, visible_messages
from domain.access.viewer import Viewer
from domain.delivery.in_app import in_app_address
from models.messaging import Channel, Delivery, DeliveryStatus, Message
from models.attachments import MessageAttachment


def attach(session: Session, viewer: Viewer, message_id: int, filename: str, content_type: str | None,
           data: bytes) -> MessageAttachment:
    """ATT-01/ATT-03: one uploaded file (name, type, content) added to a draft or scheduled message,
    once it passes the checks every upload passes (domain.support.file_uploads)."""
    own_editable(session, viewer, message_id)
    already = session.execute(select(func.coalesce(func.sum(MessageAttachment.size), 0))
                              .where(MessageAttachment.message_id == message_id)).scalar_one()
    problems = file_uploads.upload_problems(filename, content_type, data, stored_bytes=already, item="message")
    if problems:
        raise InvalidInput(problems)
    attachment = MessageAttachment(message_id=message_id, **file_uploads.uploaded_file(filename, content_type,
                                                                                        data).columns())
    session.add(attachment)
    session.flush()
    return attachment


def listed(session: Session, message_ids: list[int]) -> dict[int, list[MessageAttachment]]:
    """The files of several messages, without their bytes, in one query."""
    rows: dict[int, list[MessageAttachment]] = {message_id: [] for message_id in message_ids}
    for attachment in session.execute(
            select(MessageAttachment).where(MessageAttachment.message_id.in_(message_ids))
            .order_by(MessageAttachment.id).options(defer(MessageAttachment.data))).scalars():
        rows[attachment.message_id].append(attachment)
    return rows


def readable(session: Session, viewer: Viewer, message_id: int, attachment_id: int) -> MessageAttachment | None:
    """A file of a message the viewer may read (as message(id)), or that reached their in-app inbox
    and is not flagged (ATT-02: recipients download the files of the message they read)."""
    received = and_(Message.flagged.is_(False), exists(select(Delivery.id).where(
        Delivery.message_id == Message.id, Delivery.channel == Channel.INAPP.value,
        Delivery.address == in_app_address(viewer.id),
        Delivery.status.in_((DeliveryStatus.DELIVERED.value, DeliveryStatus.READ.value)))))
    return session.execute(
        select(MessageAttachment).join(Message, Message.id == MessageAttachment.message_id)
        .where(MessageAttachment.id == attachment_id, MessageAttachment.message_id == message_id,
               or_(visible_messages(viewer), received))).scalars().first()


def remove(session: Session, viewer: Viewer, message_id: int, attachment_id: int | None = None) -> int:
    """ATT-04: remove one file, or every file of the message (``attachment_id`` None)."""
    own_editable(session, viewer, message_id)
    statement = delete(MessageAttachment).where(MessageAttachment.message_id == message_id)
    if attachment_id is not None:
        statement = statement.where(MessageAttachment.id == attachment_id)
    return session.execute(statement).rowcount
