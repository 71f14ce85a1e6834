"""Sending a message: validate the request, store the message and its selection.

Authorization of gated options happens in the GraphQL layer, where each gated field declares its
permission; this module owns the data rules and writes nothing when any of them fails.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import func, insert, select
from sqlmodel import Session

from domain.errors import FieldProblem, InvalidInput
from domain.scope import staff_scope, student_scope
from domain.text import html_to_text
from domain.viewer import Viewer
from models.directory import User, Student
from models.messaging import (
    Channel,
    Message,
    MessageStaff,
    MessageStatus,
    MessageStudent,
    StudentRecipientType,
)
from domain.compose import SUPPORTED_RECIPIENT_TYPES

DEFAULT_SUBJECT = "New Message"  # CMP-01
SUBJECT_MAX_LENGTH = 200
BODY_MAX_LENGTH = 100_000
MAX_SELECTED_IDS = 100_000


@dataclasses.dataclass(frozen=True, kw_only=True)
class SendMessageRequest:
    subject: str | None
    html_body: str
    channels: tuple[Channel, ...]
    recipient_type: StudentRecipientType | None = None
    student_ids: tuple[int, ...] = ()
    staff_ids: tuple[int, ...] = ()
    priority: bool = False
    emergency: bool = False
    send_as_district: bool = False
    send_as_school_id: int | None = None


def _problem(problems: list[FieldProblem], path: tuple, code: str, message: str) -> None:
    problems.append(FieldProblem(("input", *path), code, message))


def _missing_ids(session: Session, wanted: tuple[int, ...], id_column, scope) -> set[int]:
    if not wanted:
        return set()
    found = set(session.exec(select(id_column).where(id_column.in_(set(wanted)), scope)).scalars())
    return set(wanted) - found


def validate_send_request(session: Session, viewer: Viewer, request: SendMessageRequest) -> list[FieldProblem]:
    """Every user-fixable problem with the request, each with its field path (empty = valid)."""
    problems: list[FieldProblem] = []
    subject = (request.subject or "").strip()
    if len(subject) > SUBJECT_MAX_LENGTH:
        _problem(problems, ("subject",), "TOO_LONG",
                 f"The subject is {len(subject)} characters; the limit is {SUBJECT_MAX_LENGTH}.")
    if not html_to_text(request.html_body or ""):
        _problem(problems, ("htmlBody",), "REQUIRED", "The message body is empty.")
    elif len(request.html_body) > BODY_MAX_LENGTH:
        _problem(problems, ("htmlBody",), "TOO_LONG", f"The body exceeds {BODY_MAX_LENGTH} characters.")
    if not request.channels:
        _problem(problems, ("channels",), "REQUIRED", "Choose at least one channel.")
    if len(set(request.channels)) != len(request.channels):
        _problem(problems, ("channels",), "DUPLICATE", "A channel is listed more than once.")
    # CMP-02: send is rejected when the combined recipient set is empty.
    if not request.student_ids and not request.staff_ids:
        _problem(problems, ("studentIds",), "RECIPIENTS_EMPTY",
                 "Select at least one student or staff recipient.")
    if len(request.student_ids) + len(request.staff_ids) > MAX_SELECTED_IDS:
        _problem(problems, ("studentIds",), "TOO_MANY", f"At most {MAX_SELECTED_IDS} ids per message.")
    if request.student_ids and request.recipient_type is None:
        _problem(problems, ("recipientType",), "REQUIRED",
                 "Students are selected; choose who receives it (recipientType).")
    if request.recipient_type is not None and request.recipient_type not in SUPPORTED_RECIPIENT_TYPES:
        _problem(problems, ("recipientType",), "UNSUPPORTED",
                 f"{request.recipient_type.value} is not available yet; use "
                 + " or ".join(kind.value for kind in SUPPORTED_RECIPIENT_TYPES) + ".")
    if request.emergency and not {Channel.SMS, Channel.VOICE} & set(request.channels):
        _problem(problems, ("emergency",), "INVALID",
                 "Emergency applies to calls and SMS; add the SMS or VOICE channel.")
    if request.send_as_district and request.send_as_school_id is not None:  # CMP-15
        _problem(problems, ("sendAsSchoolId",), "CONFLICT",
                 "Send as district and send as school cannot both be set.")
    if request.send_as_school_id is not None and request.send_as_school_id not in viewer.school_ids:
        _problem(problems, ("sendAsSchoolId",), "NOT_FOUND", "You cannot send as that school.")
    if len(problems) < 20 and len(request.student_ids) + len(request.staff_ids) <= MAX_SELECTED_IDS:
        for index, student_id in _positions(request.student_ids, _missing_ids(
                session, request.student_ids, Student.id, student_scope(viewer))):
            _problem(problems, ("studentIds", index), "NOT_FOUND", _not_found("Student", student_id))
        for index, user_id in _positions(request.staff_ids, _missing_ids(
                session, request.staff_ids, User.id, staff_scope(viewer))):
            _problem(problems, ("staffIds", index), "NOT_FOUND", _not_found("Staff user", user_id))
    return problems


def _not_found(kind: str, value: int) -> str:
    if value < 0:
        return f"{kind} id is not a valid id."
    return f"{kind} {value} does not exist or is not one you can message."


def _positions(ids: tuple[int, ...], missing: set[int]) -> list[tuple[int, int]]:
    return [(index, value) for index, value in enumerate(ids) if value in missing][:20]


def create_message(session: Session, viewer: Viewer, request: SendMessageRequest) -> Message:
    """Validate and store the message with its selection; the caller commits and enqueues fan-out."""
    problems = validate_send_request(session, viewer, request)
    if problems:
        raise InvalidInput(problems)
    subject = (request.subject or "").strip() or DEFAULT_SUBJECT
    message = Message(
        sender_id=viewer.id,
        subject=subject,
        html_body=request.html_body,
        text_body=html_to_text(request.html_body),
        recipient_type=request.recipient_type if request.student_ids else None,
        channels=[channel.value for channel in request.channels],
        priority=request.priority,
        emergency=request.emergency,
        send_as_district=request.send_as_district,
        send_as_school_id=request.send_as_school_id,
        status=MessageStatus.QUEUED,
    )
    session.add(message)
    session.flush()
    if request.student_ids:
        session.execute(insert(MessageStudent), [
            {"message_id": message.id, "student_id": student_id} for student_id in set(request.student_ids)
        ])
    if request.staff_ids:
        session.execute(insert(MessageStaff), [
            {"message_id": message.id, "user_id": user_id} for user_id in set(request.staff_ids)
        ])
    return message


def count_messages(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Message)).scalar_one()
