"""Sending a message: validate the request, store the message and its selection.

Authorization of gated options happens in the GraphQL layer, where each gated field declares its
permission; this module owns the data rules and writes nothing when any of them fails.
"""

from __future__ import annotations

import dataclasses

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, insert, literal, or_, select, text
from sqlmodel import Session

from domain.compose import allow_reply_by_default, excluded_from_channel, push_by_default
from domain.errors import FieldProblem, InvalidInput
from domain.flagging import contains_flagged_word
from domain.caller_ids import caller_id_for_message
from domain.insert_fields import unknown_fields
from domain.sms_text import sms_count
from domain.recipients import family_seed_for
from domain.scope import FAMILY_ROLES, staff_scope, student_scope
from domain.text import html_to_text
from domain.viewer import Viewer
from models.directory import (
    Student,
    StudentGroup,
    StudentGroupAssignee,
    User,
    UserGroup,
    UserGroupAssignee,
)
from models.messaging import (
    Channel,
    ImportedRecipient,
    Message,
    MessageStaff,
    MessageStatus,
    MessageStudent,
    MessageStudentGroup,
    MessageUserGroup,
    StudentRecipientType,
)

DEFAULT_SUBJECT = "New Message"  # CMP-01
SUBJECT_MAX_LENGTH = 200
BODY_MAX_LENGTH = 100_000
MAX_SELECTED_IDS = 100_000
CONFIRM_ABOVE = 100  # CMP-27: more than 100 recipients needs an explicit confirmation


@dataclasses.dataclass(frozen=True, kw_only=True)
class SendMessageRequest:
    subject: str | None
    html_body: str
    channels: tuple[Channel, ...]
    recipient_type: StudentRecipientType | None = None
    student_ids: tuple[int, ...] = ()
    all_students: bool = False
    school_ids: tuple[int, ...] = ()
    student_group_ids: tuple[int, ...] = ()
    staff_ids: tuple[int, ...] = ()
    user_group_ids: tuple[int, ...] = ()
    priority: bool = False
    emergency: bool = False
    send_as_district: bool = False
    send_as_school_id: int | None = None
    secure: bool = False
    copy_self: bool = False
    cc: tuple[str, ...] = ()
    cc_first_only: bool = False
    include_signature: bool = False
    allow_reply: bool | None = None  # None: the sender's SET-06 default
    push: bool | None = None  # None: the sender's school preference (CMP-09); True adds PUSH to channels
    sms_text: str | None = None  # SMS-04: the SMS as composed; None sends "subject: body", cut to the limit
    caller_id_id: int | None = None  # VOI-03: the number calls show; None: the sender's default
    confirmed_recipient_count: int | None = None

    @property
    def selects_students(self) -> bool:
        return bool(self.student_ids or self.all_students or self.student_group_ids)


class ConfirmationRequired(Exception):
    """CMP-27: the send needs the caller to repeat it with the recipient count confirmed."""

    def __init__(self, recipient_count: int):
        super().__init__(f"confirm sending to {recipient_count} recipients")
        self.recipient_count = recipient_count


def _problem(problems: list[FieldProblem], path: tuple, code: str, message: str) -> None:
    problems.append(FieldProblem(("input", *path), code, message))


def _not_found(kind: str, value: int) -> str:
    if value < 0:
        return f"{kind} id is not a valid id."
    return f"{kind} {value} does not exist or is not one you can use."


def _check_ids(session: Session, problems: list[FieldProblem], field: str, kind: str,
               wanted: tuple[int, ...], id_column, scope) -> None:
    """One query per id list: report every id that is unknown or out of the viewer's reach."""
    if not wanted:
        return
    found = set(session.execute(select(id_column).where(id_column.in_(set(wanted)), scope)).scalars())
    missing = [(index, value) for index, value in enumerate(wanted) if value not in found]
    for index, value in missing[:20]:
        _problem(problems, (field, index), "NOT_FOUND", _not_found(kind, value))


def assigned_groups_clause(viewer: Viewer, group, assignee):
    """RCP-19 / RCP-21: a group is usable when assigned to the viewer or one of their profiles."""
    profile_ids = [profile.id for profile in viewer.profiles]
    return group.id.in_(select(assignee.group_id).where(
        or_(assignee.user_id == viewer.id, assignee.profile_id.in_(profile_ids))))


def with_sender_defaults(viewer: Viewer, request: SendMessageRequest) -> SendMessageRequest:
    """The request with what the sender left open decided: push by the sender's school preference
    (CMP-09, SYS-05) and allow-reply by the sender's setting (SET-06); and "send as district" from
    an excluded school made "send as school" (CMP-17). Applying it twice changes nothing."""
    push = request.push
    if push is None:
        push = Channel.PUSH in request.channels or push_by_default(viewer)
    channels = request.channels
    if push and Channel.PUSH not in channels:
        channels = (*channels, Channel.PUSH)
    allow_reply = allow_reply_by_default(viewer) if request.allow_reply is None else request.allow_reply
    as_district, as_school = request.send_as_district, request.send_as_school_id
    if as_district and viewer.excluded_school_id is not None:
        # CMP-17: from a school excluded from communication, "send as district" sends as that school.
        as_district, as_school = False, viewer.excluded_school_id
    return dataclasses.replace(request, channels=channels, push=push, allow_reply=allow_reply,
                               send_as_district=as_district, send_as_school_id=as_school)


def validate_send_request(session: Session, viewer: Viewer, request: SendMessageRequest, *,
                          draft: bool = False) -> list[FieldProblem]:
    """Every user-fixable problem with the request, each with its field path (empty = valid).
    A draft may still be empty: recipients are checked when it is sent."""
    problems: list[FieldProblem] = []
    if request.push is False and Channel.PUSH in request.channels:
        _problem(problems, ("push",), "CONFLICT", "push is false but PUSH is among the channels.")
    if request.send_as_district and request.send_as_school_id is not None:  # CMP-15
        _problem(problems, ("sendAsSchoolId",), "CONFLICT",
                 "Send as district and send as school cannot both be set.")
    request = with_sender_defaults(viewer, request)
    subject = (request.subject or "").strip()
    if len(subject) > SUBJECT_MAX_LENGTH:
        _problem(problems, ("subject",), "TOO_LONG",
                 f"The subject is {len(subject)} characters; the limit is {SUBJECT_MAX_LENGTH}.")
    if not html_to_text(request.html_body or ""):
        _problem(problems, ("htmlBody",), "REQUIRED", "The message body is empty.")
    elif len(request.html_body) > BODY_MAX_LENGTH:
        _problem(problems, ("htmlBody",), "TOO_LONG", f"The body exceeds {BODY_MAX_LENGTH} characters.")
    _check_sms_text(problems, viewer, request)
    if Channel.VOICE in request.channels:  # VOI-02, VOI-03
        caller_id_for_message(session, viewer, request.caller_id_id, problems, ("input", "channels"))
    elif request.caller_id_id is not None:
        _problem(problems, ("callerIdId",), "INVALID", "A caller ID is for calls only (CID-07); add the VOICE channel.")
    for path, text in (("subject", request.subject), ("htmlBody", request.html_body), ("smsText", request.sms_text)):
        for name in unknown_fields(text):  # CMP-25: only the catalogue's insert fields
            _problem(problems, (path,), "UNKNOWN_FIELD", f"{{{{{name}}}}} is not an insert field (see insertFields).")
    if not request.channels:
        _problem(problems, ("channels",), "REQUIRED", "Choose at least one channel.")
    if len(set(request.channels)) != len(request.channels):
        _problem(problems, ("channels",), "DUPLICATE", "A channel is listed more than once.")
    for index, channel in enumerate(request.channels):
        if excluded_from_channel(viewer, channel):
            _problem(problems, ("channels", index), "EXCLUDED_SCHOOL",
                     f"Users of a school excluded from communication cannot send {channel.value} (SYS-07).")
    # CMP-02: send is rejected when the combined recipient selection is empty.
    if not draft and not (request.selects_students or request.staff_ids or request.user_group_ids):
        _problem(problems, ("studentIds",), "RECIPIENTS_EMPTY",
                 "Select at least one student, student group, staff member or user group.")
    if len(request.student_ids) + len(request.staff_ids) > MAX_SELECTED_IDS:
        _problem(problems, ("studentIds",), "TOO_MANY", f"At most {MAX_SELECTED_IDS} ids per message.")
    if request.selects_students and request.recipient_type is None:
        _problem(problems, ("recipientType",), "REQUIRED",
                 "Students are selected; choose who receives it (recipientType).")
    if request.school_ids and not request.all_students:
        _problem(problems, ("schoolIds",), "INVALID", "schoolIds filters allStudents; set allStudents too.")
    for index, school_id in enumerate(request.school_ids):
        if school_id not in viewer.school_ids:
            _problem(problems, ("schoolIds", index), "NOT_FOUND", _not_found("School", school_id))
    if request.emergency and not {Channel.SMS, Channel.VOICE} & set(request.channels):
        _problem(problems, ("emergency",), "INVALID",
                 "Emergency applies to calls and SMS; add the SMS or VOICE channel.")
    _check_email_options(problems, request)
    if request.send_as_school_id is not None and request.send_as_school_id not in viewer.school_ids:
        _problem(problems, ("sendAsSchoolId",), "NOT_FOUND", "You cannot send as that school.")
    if len(request.student_ids) + len(request.staff_ids) <= MAX_SELECTED_IDS:
        _check_ids(session, problems, "studentIds", "Student", request.student_ids, Student.id,
                   student_scope(viewer))
        _check_ids(session, problems, "staffIds", "Staff user", request.staff_ids, User.id, staff_scope(viewer))
    _check_ids(session, problems, "studentGroupIds", "Student group", request.student_group_ids, StudentGroup.id,
               assigned_groups_clause(viewer, StudentGroup, StudentGroupAssignee))
    _check_ids(session, problems, "userGroupIds", "User group", request.user_group_ids, UserGroup.id,
               assigned_groups_clause(viewer, UserGroup, UserGroupAssignee))
    return problems


def _check_email_options(problems: list[FieldProblem], request: SendMessageRequest) -> None:
    """CMP-06: secure email has no copy to self and no Cc; CMP-22: Cc addresses are valid email
    addresses and copy the email channel only."""
    if request.secure and request.copy_self:
        _problem(problems, ("copySelf",), "CONFLICT", "A secure email cannot be copied to yourself.")
    if request.secure and request.cc:
        _problem(problems, ("cc",), "CONFLICT", "A secure email cannot have Cc addresses.")
    if request.cc and Channel.EMAIL not in request.channels:
        _problem(problems, ("cc",), "INVALID", "Cc copies the email; add the EMAIL channel.")
    for index, address in enumerate(request.cc):
        try:
            validate_email(address.strip(), check_deliverability=False)
        except EmailNotValidError:
            _problem(problems, ("cc", index), "INVALID", f"{address!r} is not a valid email address.")


def _check_sms_text(problems: list[FieldProblem], viewer: Viewer, request: SendMessageRequest) -> None:
    """SMS-04 / SYS-03: the SMS as composed fits the district's limit (fields and signature are
    not counted); it needs the SMS channel."""
    if request.sms_text is None:
        return
    if Channel.SMS not in request.channels:
        _problem(problems, ("smsText",), "INVALID", "smsText is the SMS; add the SMS channel.")
    if not request.sms_text.strip():
        _problem(problems, ("smsText",), "REQUIRED", "The SMS is empty; leave smsText out to send the subject.")
    count = sms_count(request.sms_text, viewer.district.sms_character_limit)
    if count.over_limit:
        _problem(problems, ("smsText",), "TOO_LONG",
                 f"The SMS is {count.length} characters; the district's limit is {count.limit}.")


def message_options(request: SendMessageRequest) -> dict:
    """The stored form of a request's options (one place for create, edit and copies)."""
    return dict(priority=request.priority, emergency=request.emergency, send_as_district=request.send_as_district,
                send_as_school_id=request.send_as_school_id, secure=request.secure, copy_self=request.copy_self,
                cc=[address.strip() for address in request.cc], cc_first_only=request.cc_first_only,
                include_signature=request.include_signature, sms_text=request.sms_text,
                # CMP-16: a message sent as the district or a school takes no replies.
                allow_reply=bool(request.allow_reply) and not (request.send_as_district or request.send_as_school_id))


def _store_selection(session: Session, viewer: Viewer, message_id: int, request: SendMessageRequest) -> None:
    if request.student_ids:
        session.execute(insert(MessageStudent), [
            {"message_id": message_id, "student_id": student_id} for student_id in set(request.student_ids)])
    if request.all_students:
        # Set-based: every student the viewer may reach (optionally in some schools) in one statement.
        everyone = select(literal(message_id), Student.id).where(student_scope(viewer))
        if request.school_ids:
            everyone = everyone.where(Student.school_id.in_(request.school_ids))
        if request.student_ids:
            everyone = everyone.where(Student.id.not_in(set(request.student_ids)))
        session.execute(insert(MessageStudent).from_select(["message_id", "student_id"], everyone))
        refresh_planner_statistics(session, "message_student")
    if request.student_group_ids:
        session.execute(insert(MessageStudentGroup), [
            {"message_id": message_id, "group_id": group_id} for group_id in set(request.student_group_ids)])
    if request.staff_ids:
        session.execute(insert(MessageStaff), [
            {"message_id": message_id, "user_id": user_id} for user_id in set(request.staff_ids)])
    if request.user_group_ids:
        session.execute(insert(MessageUserGroup), [
            {"message_id": message_id, "group_id": group_id} for group_id in set(request.user_group_ids)])


def refresh_planner_statistics(session: Session, table: str) -> None:
    """After a bulk selection, PostgreSQL's planner would still believe a message selects a handful
    of students and pick nested loops; ANALYZE (allowed inside a transaction) fixes its estimate."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"ANALYZE {table}"))


def needs_confirmation(viewer: Viewer, recipient_count: int) -> bool:
    """CMP-27 / SYS-04: staff confirm more than 100 recipients, or every send when the district
    always confirms; family users never do."""
    if viewer.role in FAMILY_ROLES:
        return False
    return recipient_count > CONFIRM_ABOVE or viewer.district.always_confirm_recipient_count


def create_message(session: Session, viewer: Viewer, request: SendMessageRequest, *, draft: bool = False) -> Message:
    """Validate and store the message with its selection (flushed, not committed)."""
    problems = validate_send_request(session, viewer, request, draft=draft)
    if problems:
        raise InvalidInput(problems)
    request = with_sender_defaults(viewer, request)
    subject = (request.subject or "").strip() or DEFAULT_SUBJECT
    message = Message(
        sender_id=viewer.id,
        subject=subject,
        html_body=request.html_body,
        text_body=html_to_text(request.html_body),
        recipient_type=request.recipient_type if request.selects_students else None,
        channels=[channel.value for channel in request.channels],
        **message_options(request),
        family_seed=family_seed_for(viewer.id, request.student_ids, request.student_group_ids),
        status=MessageStatus.DRAFT if draft else MessageStatus.QUEUED,
    )
    message.flagged = contains_flagged_word(session, message.subject, message.text_body, message.sms_text or "")
    message.caller_id_id = _caller_id(session, viewer, request)
    session.add(message)
    session.flush()
    _store_selection(session, viewer, message.id, request)
    return message


def _caller_id(session: Session, viewer: Viewer, request: SendMessageRequest) -> int | None:
    """VOI-03: the number the message's calls show (the request was validated already)."""
    if Channel.VOICE not in request.channels:
        return None
    return caller_id_for_message(session, viewer, request.caller_id_id, [], ("input", "channels"))


def send_message(session: Session, viewer: Viewer, request: SendMessageRequest) -> tuple[Message, int]:
    """Store a message to send now and write its delivery rows, after the recipient-count
    confirmation (CMP-27); returns the message and its recipient count."""
    message = create_message(session, viewer, request)
    return message, confirm_and_fan_out(session, viewer, message, request.confirmed_recipient_count)


def confirm_and_fan_out(session: Session, viewer: Viewer, message: Message, confirmed: int | None) -> int:
    """CMP-27, then the delivery rows of a message sent now, in the caller's transaction (the
    fan-out job then only hands them to dispatch). With a confirmed count the rows are written first
    and the people in them counted, one resolution rather than two; a count that no longer matches
    raises, and the caller's rollback leaves nothing written. Returns the recipient count."""
    from domain.fan_out import fan_out
    from domain.plan import recipient_count

    if confirmed is None:
        count = recipient_count(session, message)
        if needs_confirmation(viewer, count):
            raise ConfirmationRequired(count)
        fan_out(session, message.id)
        return count
    written = fan_out(session, message.id)
    if needs_confirmation(viewer, written.people) and confirmed != written.people:
        raise ConfirmationRequired(written.people)
    return written.people


def save_draft(session: Session, viewer: Viewer, request: SendMessageRequest) -> Message:
    """CMP-28: store everything composed so far; nothing is resolved or sent."""
    return create_message(session, viewer, request, draft=True)


class MessageNotFound(Exception):
    """Not one of the viewer's drafts: out-of-scope rows are simply not found."""


def _has_recipients(session: Session, message_id: int) -> bool:
    tables = (MessageStudent, MessageStudentGroup, MessageStaff, MessageUserGroup, ImportedRecipient)
    return any(session.execute(select(table.message_id).where(table.message_id == message_id).limit(1)).first()
               for table in tables)


def locked_draft(session: Session, viewer: Viewer, message_id: int) -> Message:
    """One of the viewer's drafts, locked and checked for recipients (CMP-02)."""
    message = session.execute(select(Message).where(
        Message.id == message_id, Message.sender_id == viewer.id,
        Message.status == MessageStatus.DRAFT.value).with_for_update()).scalars().first()
    if message is None:
        raise MessageNotFound(message_id)
    if not _has_recipients(session, message.id):  # CMP-02
        raise InvalidInput([FieldProblem(("id",), "RECIPIENTS_EMPTY", "The draft has no recipients yet.")])
    return message


def confirmed_count(session: Session, viewer: Viewer, message: Message, confirmed: int | None) -> int:
    """CMP-27 for a message resolved later (a scheduled one): its recipient count as of now."""
    from domain.plan import recipient_count

    count = recipient_count(session, message)
    if needs_confirmation(viewer, count) and confirmed != count:
        raise ConfirmationRequired(count)
    return count


def send_draft(session: Session, viewer: Viewer, message_id: int,
               confirmed_recipient_count: int | None) -> tuple[Message, int]:
    """Send a saved draft now (with its imported recipients), after the CMP-27 confirmation;
    returns it with its recipient count."""
    message = locked_draft(session, viewer, message_id)
    message.status = MessageStatus.QUEUED
    session.add(message)
    session.flush()
    return message, confirm_and_fan_out(session, viewer, message, confirmed_recipient_count)


def replace_selection(session: Session, viewer: Viewer, message: Message, request: SendMessageRequest) -> None:
    """Edit a stored message like a new one (SCH-14): its content, options and selection are
    replaced by the request's; its imported recipients stay."""
    request = with_sender_defaults(viewer, request)
    message.subject = (request.subject or "").strip() or DEFAULT_SUBJECT
    message.html_body, message.text_body = request.html_body, html_to_text(request.html_body)
    message.flagged = contains_flagged_word(session, message.subject, message.text_body, message.sms_text or "")
    message.recipient_type = request.recipient_type if request.selects_students else None
    message.channels = [channel.value for channel in request.channels]
    for name, value in message_options(request).items():
        setattr(message, name, value)
    message.caller_id_id = _caller_id(session, viewer, request)
    message.family_seed = family_seed_for(viewer.id, request.student_ids, request.student_group_ids)
    for table in (MessageStudent, MessageStudentGroup, MessageStaff, MessageUserGroup):
        session.execute(delete(table).where(table.message_id == message.id))
    session.add(message)
    session.flush()
    _store_selection(session, viewer, message.id, request)
