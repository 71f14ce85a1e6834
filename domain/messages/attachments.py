"""Files attached to a message (ATT-*): add, list, download, remove one or all.

Files are attached while the message can still change: a draft or a scheduled message (a new
message is composed as a draft, then sent). The email of a message carries its files (ATT-02),
and so do the copy to the sender and the Cc copies, which are the same email (ATT-05). A secure
email carries none: only the notice to sign in.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re

from sqlalchemy import and_, delete, exists, func, or_, select
from sqlalchemy.orm import defer
from sqlmodel import Session

from domain.support.errors import FieldProblem, InvalidInput
from domain.access.message_scope import own_editable, visible_messages
from domain.access.viewer import Viewer
from domain.delivery.in_app import in_app_address
from models.messaging import Channel, Delivery, DeliveryStatus, Message
from models.attachments import MessageAttachment

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_MESSAGE_BYTES = 25 * 1024 * 1024
def clean_filename(name: str) -> str:
    """The name as the recipient will see it: no folders, no control characters."""
    base = re.split(r"[\\\\/]", name or "")[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip()
    return base[:255] or "attachment"


def attach(session: Session, viewer: Viewer, message_id: int, filename: str, content_type: str | None,
           data: bytes) -> MessageAttachment:
    """ATT-01/ATT-03: one uploaded file (name, type, content) added to a draft or scheduled message."""
    own_editable(session, viewer, message_id)
    problems = []
    if not data:
        problems.append(FieldProblem(("file",), "REQUIRED", "The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        problems.append(FieldProblem(("file",), "TOO_LONG", f"A file may be at most {MAX_FILE_BYTES // 2**20} MB."))
    already = session.execute(select(func.coalesce(func.sum(MessageAttachment.size), 0))
                              .where(MessageAttachment.message_id == message_id)).scalar_one()
    if already + len(data) > MAX_MESSAGE_BYTES:
        problems.append(FieldProblem(("file",), "TOO_LONG",
                                     f"A message's files may total at most {MAX_MESSAGE_BYTES // 2**20} MB."))
    if problems:
        raise InvalidInput(problems)
    name = clean_filename(filename)
    kind = (content_type or "").strip() or mimetypes.guess_type(name)[0] or "application/octet-stream"
    attachment = MessageAttachment(message_id=message_id, filename=name, content_type=kind[:100], size=len(data),
                                   sha256=hashlib.sha256(data).hexdigest(), data=data)
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
