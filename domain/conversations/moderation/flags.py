"""Manual flagging (INB-09, INB-10, PERM-41, PERM-57): flag a message the viewer received, view it
while it stays flagged, unflag it. The automatic flagging of INB-11 stays the one matcher
(domain.content.flagging); a message it flagged is unflagged here like any other.

Flagging is the message's, not the viewer's: a flagged message shows the placeholder to every
reader. Each change is recorded in MessageFlagEvent (who, what, when) and announced to the
message's in-app readers and its author. The permissions are the graph's (Flag Messages, Edit);
which message is the domain's: one of the viewer's incoming messages, anything else not found.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum

from sqlalchemy import and_, exists, select, update
from sqlmodel import Session

from domain.conversations.threads.inbox_events import InboxChange, announce
from domain.delivery.in_app import in_app_address, reader_of
from domain.delivery.progress_events import ProgressBus
from domain.support.errors import FieldProblem, InvalidInput
from models.conversations import MessageFlagEvent
from models.db import utcnow
from models.messaging import Channel, Delivery, DeliveryStatus, Message


class FlagAction(str, enum.Enum):
    FLAGGED = "FLAGGED"
    UNFLAGGED = "UNFLAGGED"
    VIEWED = "VIEWED"


class FlaggedMessageNotFound(InvalidInput):
    """Not an incoming message of the viewer's threads (another user's answers the same)."""

    def __init__(self) -> None:
        super().__init__([FieldProblem(("messageId",), "NOT_FOUND",
                                       "No message you received has that id.")])


@dataclasses.dataclass(frozen=True)
class FlagState:
    message_id: int
    flagged: bool
    changed: bool  # False: it already was in that state, nothing was written


@dataclasses.dataclass(frozen=True)
class FlaggedContent:
    message: Message
    viewed_at: dt.datetime | None  # None: it is not flagged, so nothing was recorded


def _received(viewer_id: int):
    """SQL: the message is one of ``viewer_id``'s incoming messages (INB-10): an in-app row of it
    reached their inbox (inbox, sent and archive threads all list those). A draft or a scheduled
    reply posted from their thread has reached nobody yet, so it is not found, like any other
    message that is not theirs."""
    in_app = exists(select(Delivery.id).where(
        Delivery.message_id == Message.id, Delivery.channel == Channel.INAPP.value,
        Delivery.address == in_app_address(viewer_id),
        Delivery.status.in_([DeliveryStatus.DELIVERED.value, DeliveryStatus.READ.value])))
    return and_(Message.sender_id != viewer_id, in_app)


def incoming_message(session: Session, *, viewer_id: int, message_id: int, lock: bool = False) -> Message:
    """One of the viewer's incoming messages, or FlaggedMessageNotFound; ``lock`` holds it."""
    query = select(Message).where(Message.id == message_id, _received(viewer_id))
    message = session.execute(query.with_for_update() if lock else query).scalars().first()
    if message is None:
        raise FlaggedMessageNotFound()
    return message


def _record(session: Session, *, message_id: int, user_id: int, action: FlagAction, at: dt.datetime) -> None:
    session.add(MessageFlagEvent(message_id=message_id, user_id=user_id, action=action.value, created_at=at))
    session.flush()


def _concerned(session: Session, message: Message) -> list[int]:
    """Who sees the change: the message's in-app readers and its author, one statement."""
    readers = session.execute(select(reader_of(Delivery.address)).where(
        Delivery.message_id == message.id, Delivery.channel == Channel.INAPP.value,
        Delivery.status.in_((DeliveryStatus.DELIVERED.value, DeliveryStatus.READ.value)))).scalars()
    return [*readers, message.sender_id]


def _set_flag(session: Session, events: ProgressBus | None, *, viewer_id: int, message_id: int, flagged: bool,
              at: dt.datetime | None) -> FlagState:
    message = incoming_message(session, viewer_id=viewer_id, message_id=message_id, lock=True)
    if message.flagged == flagged:
        return FlagState(message.id, flagged, changed=False)
    session.execute(update(Message).where(Message.id == message.id).values(flagged=flagged))
    _record(session, message_id=message.id, user_id=viewer_id,
            action=FlagAction.FLAGGED if flagged else FlagAction.UNFLAGGED, at=at or utcnow())
    announce(session, events, _concerned(session, message), InboxChange.FLAG, thread_id=message.thread_id,
             message_id=message.id)
    return FlagState(message.id, flagged, changed=True)


def flag_message(session: Session, events: ProgressBus | None, *, viewer_id: int, message_id: int, confirm: bool,
                 at: dt.datetime | None = None) -> FlagState:
    """Flag an incoming message for every reader (INB-09); only with ``confirm``, else CONFIRMATION_REQUIRED."""
    if not confirm:
        raise InvalidInput([FieldProblem(("confirm",), "CONFIRMATION_REQUIRED",
                                         "Flagging hides the message from every reader: confirm it with "
                                         "confirm: true.")])
    return _set_flag(session, events, viewer_id=viewer_id, message_id=message_id, flagged=True, at=at)


def unflag_message(session: Session, events: ProgressBus | None, *, viewer_id: int, message_id: int,
                   at: dt.datetime | None = None) -> FlagState:
    """Remove the flag of an incoming message, set by hand or by the flagged words (INB-09, INB-11)."""
    return _set_flag(session, events, viewer_id=viewer_id, message_id=message_id, flagged=False, at=at)


def view_flagged_message(session: Session, *, viewer_id: int, message_id: int,
                         at: dt.datetime | None = None) -> FlaggedContent:
    """The real content of an incoming message; while it is flagged, the view is recorded (INB-09)."""
    message = incoming_message(session, viewer_id=viewer_id, message_id=message_id)
    if not message.flagged:
        return FlaggedContent(message, None)
    at = at or utcnow()
    _record(session, message_id=message.id, user_id=viewer_id, action=FlagAction.VIEWED, at=at)
    return FlaggedContent(message, at)
