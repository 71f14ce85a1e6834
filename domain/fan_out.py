"""Fan-out: resolve a message's selection into delivery rows with set-based SQL.

One INSERT … SELECT per (recipient source, channel) writes every row, including those that will
not be sent, with the reason as their status (DESIGN "The delivery ledger"). No Python loop runs
over students or contacts.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import String, and_, case, cast, false, func, insert, literal, null, or_, select, true, update
from sqlalchemy.orm import aliased
from sqlmodel import Session

from models.db import utcnow
from models.directory import AccountStatus, Contact, Student, User
from models.messaging import (
    Channel,
    Delivery,
    DeliveryStatus as DS,
    Message,
    MessageStaff,
    MessageStatus,
    MessageStudent,
    RecipientKind,
    StudentRecipientType as RT,
)

_TIMESTAMP = Delivery.__table__.c.created_at.type

DELIVERY_COLUMNS = (
    "message_id", "channel", "recipient_kind", "recipient_id", "student_id", "recipient_name",
    "address", "language", "status", "attempts", "created_at", "updated_at",
)


def _blank_to_null(column):
    return func.nullif(func.trim(column), "")


def _user_address(user, channel: Channel):
    if channel is Channel.EMAIL:
        return _blank_to_null(user.email)
    if channel in (Channel.SMS, Channel.VOICE):
        return _blank_to_null(user.phone)
    return case((user.id.is_not(None), literal("user:") + cast(user.id, String)), else_=null())


def _full_name(table):
    return table.first_name + literal(" ") + table.last_name


def _row(message: Message, channel: Channel, kind: RecipientKind, recipient_id, student_id,
         name, address, language, status):
    now = utcnow()
    return [
        literal(message.id), literal(channel.value), literal(kind.value), recipient_id, student_id,
        name, func.coalesce(address, ""), language, status, literal(0), literal(now, type_=_TIMESTAMP), literal(now, type_=_TIMESTAMP),
    ]


def _students_select(message: Message, channel: Channel):
    """RCP-03 / RCP-05: the student's primary email, else the personal email; the primary phone."""
    student_user = aliased(User)
    if channel is Channel.EMAIL:
        address = func.coalesce(_blank_to_null(Student.primary_email), _blank_to_null(Student.personal_email))
    elif channel in (Channel.SMS, Channel.VOICE):
        address = _blank_to_null(Student.primary_phone)
    else:
        address = _user_address(student_user, channel)
    status = case(
        (Student.status != AccountStatus.ACTIVE.value, literal(DS.INACTIVE.value)),
        (address.is_(None), literal(DS.NO_CONTACT_INFO.value)),
        else_=literal(DS.QUEUED.value),
    )
    return (
        select(*_row(message, channel, RecipientKind.STUDENT, Student.id, Student.id,
                     _full_name(Student), address, Student.language, status))
        .select_from(MessageStudent)
        .join(Student, Student.id == MessageStudent.student_id)
        .outerjoin(student_user, and_(student_user.student_id == Student.id,
                                      student_user.status == AccountStatus.ACTIVE.value))
        .where(MessageStudent.message_id == message.id)
    )


def _contacts_select(message: Message, channel: Channel, *, custodial_only: bool):
    """RCP-06: custodial contacts; RCP-15/16: the linked user's details fill missing ones;
    SYS-09/SYS-10: contact flags decide channel eligibility."""
    linked = aliased(User)
    if channel is Channel.EMAIL:
        address = func.coalesce(_blank_to_null(Contact.email), _blank_to_null(linked.email))
    elif channel is Channel.SMS:
        address = func.coalesce(_blank_to_null(Contact.mobile_phone), _blank_to_null(linked.phone))
    elif channel is Channel.VOICE:
        address = func.coalesce(_blank_to_null(Contact.mobile_phone), _blank_to_null(Contact.home_phone),
                                _blank_to_null(linked.phone))
    else:
        address = _user_address(linked, channel)
    emergency = true() if message.emergency else false()
    whens = [
        (or_(Contact.status != AccountStatus.ACTIVE.value, Student.status != AccountStatus.ACTIVE.value),
         literal(DS.INACTIVE.value)),
        (address.is_(None), literal(DS.NO_CONTACT_INFO.value)),
    ]
    if channel is Channel.EMAIL:
        whens.append((or_(Contact.email_opt_out, Contact.unsubscribe), literal(DS.OPTED_OUT.value)))
    if channel in (Channel.SMS, Channel.VOICE):
        whens.append((Contact.callout == false(), literal(DS.NO_CALLOUT.value)))  # even emergency
        whens.append((and_(Contact.blocked, ~emergency), literal(DS.BLOCKED.value)))
    if channel is Channel.SMS:
        whens.append((Contact.sms == false(), literal(DS.OPTED_OUT.value)))
    status = case(*whens, else_=literal(DS.QUEUED.value))
    query = (
        select(*_row(message, channel, RecipientKind.CONTACT, Contact.id, Student.id,
                     _full_name(Contact), address, Contact.language, status))
        .select_from(MessageStudent)
        .join(Student, Student.id == MessageStudent.student_id)
        .join(Contact, Contact.student_id == Student.id)
        .outerjoin(linked, and_(linked.id == Contact.user_id, linked.status == AccountStatus.ACTIVE.value))
        .where(MessageStudent.message_id == message.id, Contact.status != AccountStatus.DELETED.value)
    )
    if custodial_only:
        query = query.where(Contact.custodial == true())
    return query


def _staff_select(message: Message, channel: Channel):
    address = _user_address(User, channel)
    status = case(
        (User.status != AccountStatus.ACTIVE.value, literal(DS.INACTIVE.value)),
        (address.is_(None), literal(DS.NO_CONTACT_INFO.value)),
        else_=literal(DS.QUEUED.value),
    )
    return (
        select(*_row(message, channel, RecipientKind.USER, User.id, null(),
                     _full_name(User), address, User.language, status))
        .select_from(MessageStaff)
        .join(User, User.id == MessageStaff.user_id)
        .where(MessageStaff.message_id == message.id)
    )


def recipient_selects(message: Message, channel: Channel) -> list:
    selects = []
    if message.recipient_type == RT.STUDENTS:
        selects.append(_students_select(message, channel))
    elif message.recipient_type == RT.PRIMARY_CONTACTS:
        selects.append(_contacts_select(message, channel, custodial_only=True))
    elif message.recipient_type is not None:
        raise ValueError(f"recipient type {message.recipient_type} is not resolved by this release")
    selects.append(_staff_select(message, channel))
    return selects


@dataclasses.dataclass(frozen=True)
class FanOutResult:
    message_id: int
    already_done: bool
    deliveries_written: int


def fan_out(session: Session, message_id: int) -> FanOutResult:
    """Write every delivery row of a message once; a repeated call writes nothing."""
    claimed = session.execute(
        update(Message)
        .where(Message.id == message_id, Message.fanned_out_at.is_(None))
        .values(fanned_out_at=utcnow(), status=MessageStatus.SENDING.value)
    ).rowcount
    if not claimed:
        return FanOutResult(message_id, True, 0)
    message = session.get(Message, message_id)
    session.refresh(message)
    for channel_name in message.channels:
        for query in recipient_selects(message, Channel(channel_name)):
            session.execute(insert(Delivery).from_select(list(DELIVERY_COLUMNS), query))
    written = session.execute(
        select(func.count()).select_from(Delivery).where(Delivery.message_id == message_id)).scalar_one()
    return FanOutResult(message_id, False, written)


def queued_delivery_chunks(session: Session, message_id: int, chunk_size: int) -> list[list[int]]:
    """Ids of the message's queued deliveries, grouped by channel, in chunks for dispatch."""
    rows = session.execute(
        select(Delivery.id, Delivery.channel)
        .where(Delivery.message_id == message_id, Delivery.status == DS.QUEUED.value)
        .order_by(Delivery.channel, Delivery.id)
    ).all()
    chunks: list[list[int]] = []
    current_channel, current = None, []
    for delivery_id, channel in rows:
        if channel != current_channel or len(current) >= chunk_size:
            if current:
                chunks.append(current)
            current_channel, current = channel, []
        current.append(delivery_id)
    if current:
        chunks.append(current)
    return chunks
