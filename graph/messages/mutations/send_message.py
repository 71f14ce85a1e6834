"""sendMessage: authorize every gated option, validate, store, and queue the fan-out."""

from __future__ import annotations

import enum
from typing import Annotated

import strawberry

from domain.compose import CHANNEL_PERMISSIONS, RECIPIENT_TYPE_PERMISSIONS
from domain.errors import InvalidInput
from domain.messages import DEFAULT_SUBJECT, SUBJECT_MAX_LENGTH, SendMessageRequest, create_message
from domain.permissions import Perm
from graph.context import Info
from graph.messages.types import Channel, Message, StudentRecipientType
from graph.permissions import authorize_input, gated, gated_by_value, requires
from models import messaging as db


@strawberry.enum(description="Why sendMessage refused its input.")
class SendMessageErrorCode(enum.Enum):
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    TOO_MANY = "TOO_MANY"
    RECIPIENTS_EMPTY = "RECIPIENTS_EMPTY"
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    UNSUPPORTED = "UNSUPPORTED"
    CONFLICT = "CONFLICT"
    DUPLICATE = "DUPLICATE"


@strawberry.input(description="A message to send now.")
class SendMessageInput:
    subject: str | None = strawberry.field(
        default=None,
        description=f'At most {SUBJECT_MAX_LENGTH} characters; blank becomes "{DEFAULT_SUBJECT}" (CMP-01).')
    html_body: str = strawberry.field(description="The rich-text body (HTML).")
    channels: list[Channel] = gated_by_value("The channels to deliver on.", CHANNEL_PERMISSIONS)
    recipient_type: StudentRecipientType | None = gated_by_value(
        "Who receives it for each selected student; required when studentIds is set.",
        RECIPIENT_TYPE_PERMISSIONS)
    student_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Students selected (only students the viewer may message).")
    staff_ids: list[strawberry.ID] = gated(
        "Staff users selected (only staff the viewer may message).", Perm.SEND_TO_STAFF, default=())
    priority: bool = gated("Dispatch ahead of non-priority messages (CMP-07).", Perm.SEND_AS_PRIORITY,
                           default=False)
    emergency: bool = gated("Emergency calls/SMS: override Blocked, never Callout (SYS-09).",
                            Perm.EMERGENCY_CALLS, default=False)
    send_as_district: bool = gated("Show the district as the sender (CMP-13).", Perm.SEND_FROM_DISTRICT,
                                   default=False)
    send_as_school_id: strawberry.ID | None = gated(
        "Show this school as the sender (CMP-14).", Perm.SEND_FROM_SCHOOL, default=None)


@strawberry.type(description="A field of the input that needs fixing.")
class SendMessageError:
    path: list[str] = strawberry.field(description='Where, e.g. ["input", "studentIds", "2"].')
    field: str = strawberry.field(description='The same path joined with dots, e.g. "input.studentIds.2".')
    code: SendMessageErrorCode
    message: str


@strawberry.type(description="The message was stored and queued for delivery.")
class SendMessageSuccess:
    message: Message


@strawberry.type(description="The input had problems; nothing was written.")
class SendMessageErrors:
    errors: list[SendMessageError]


SendMessageResult = Annotated[SendMessageSuccess | SendMessageErrors, strawberry.union("SendMessageResult")]


NOT_AN_ID = -1  # never a row id, so the domain reports it NOT_FOUND at its own position


def _ids(values) -> tuple[int, ...]:
    parsed = []
    for value in values or ():
        try:
            parsed.append(int(value))
        except (TypeError, ValueError):
            parsed.append(NOT_AN_ID)
    return tuple(parsed)


def _error(problem) -> SendMessageError:
    path = [str(part) for part in problem.path]
    return SendMessageError(path=path, field=".".join(path), code=SendMessageErrorCode(problem.code),
                            message=problem.message)


def send_message(info: Info, input: SendMessageInput) -> SendMessageResult:
    viewer = info.context.viewer
    authorize_input(viewer, input)  # FORBIDDEN before anything is read or written
    school_id = _ids([input.send_as_school_id]) if input.send_as_school_id is not None else ()
    request = SendMessageRequest(
        subject=input.subject,
        html_body=input.html_body,
        channels=tuple(db.Channel(channel.value) for channel in input.channels),
        recipient_type=db.StudentRecipientType(input.recipient_type.value) if input.recipient_type else None,
        student_ids=_ids(input.student_ids),
        staff_ids=_ids(input.staff_ids),
        priority=input.priority,
        emergency=input.emergency,
        send_as_district=input.send_as_district,
        send_as_school_id=school_id[0] if school_id else None,
    )
    session = info.context.session
    try:
        message = create_message(session, viewer, request)
        session.commit()
    except InvalidInput as invalid:
        session.rollback()
        return SendMessageErrors(errors=[_error(problem) for problem in invalid.problems])
    info.context.enqueue_fan_out(message.id)
    return SendMessageSuccess(message=Message.from_row(message))


@strawberry.type
class MessageMutations:
    send_message: SendMessageResult = strawberry.mutation(
        resolver=send_message,
        **requires("Send a message now to the selected students and staff.",
                   Perm.COMMUNICATION, Perm.SEND_MESSAGES),
    )
