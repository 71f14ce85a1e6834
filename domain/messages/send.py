"""Sending a message: store a valid request's message and its selection, confirm, fan out.

Authorization of gated options happens in the GraphQL layer, where each gated field declares its
permission; this module owns the data rules and writes nothing when any of them fails.
"""

from __future__ import annotations

from sqlalchemy import delete, insert, literal, select, text
from sqlmodel import Session

from domain.audit.actions import Actor, AuditAction
from domain.audit.trail import record
from domain.delivery.fan_out import message_students
from domain.delivery.policy import JobQueue, hand_on_after_commit
from domain.telephony.caller_ids import caller_id_for_message
from domain.support.errors import AuthenticationError, AuthorizationError, FieldProblem, InvalidInput, Refusal
from domain.content.flagging import contains_flagged_word
from domain.content.html_policy import sanitized_html
from domain.messages.request import (  # noqa: F401  (the request and its rules are this module's API too)
    DEFAULT_SUBJECT,
    MAX_CC,
    SUBJECT_MAX_LENGTH,
    SendMessageRequest,
    assigned_groups_clause,
    translation_texts,
    validate_send_request,
    with_sender_defaults,
)
from domain.access.message_scope import MessageNotFound
from domain.access.permissions import CATALOGUE, Perm
from domain.access.scope import FAMILY_ROLES, student_scope
from domain.content.text import html_to_text
from domain.access.viewer import Viewer, load_viewer
from domain.directory.school_years import school_year_to_send_in, working_year_id
from domain.recipients.plan import recipient_count
from domain.translations.carried import replace_message_translations, translated_texts
from models.conversations import DraftAssignment
from models.directory import Student
from models.messaging import (
    Channel,
    ImportedRecipient,
    Message,
    MessageStaff,
    MessageStatus,
    MessageStudent,
    MessageStudentGroup,
    MessageUserGroup,
)

CONFIRM_ABOVE = 100  # CMP-27: more than 100 recipients needs an explicit confirmation


class ConfirmationRequired(Refusal):
    """CMP-27: the send needs the caller to repeat it with the recipient count confirmed (and the
    once-per-family seed that count was made with, RCP-09)."""

    def __init__(self, recipient_count: int, family_seed: int):
        super().__init__(f"confirm sending to {recipient_count} recipients")
        self.recipient_count, self.family_seed = recipient_count, family_seed


def message_options(request: SendMessageRequest) -> dict:
    """The stored form of a request's options (one place for create, edit and copies)."""
    return dict(priority=request.priority, emergency=request.emergency, send_as_district=request.send_as_district,
                send_as_school_id=request.send_as_school_id, secure=request.secure, copy_self=request.copy_self,
                cc=[address.strip() for address in request.cc], cc_first_only=request.cc_first_only,
                include_signature=request.include_signature, sms_text=request.sms_text, call_text=request.call_text,
                letterhead_id=request.letterhead_id, add_log_record=request.add_log_record,
                academic_record_category=(request.academic_record_category or "").strip() or None,
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


def create_message(session: Session, viewer: Viewer, request: SendMessageRequest, *, draft: bool = False,
                   school_year_id: int | None = None) -> Message:
    """Validate and store the message with its selection (flushed, not committed); a message sent
    or scheduled records the school year it was sent in (CMP-33)."""
    problems = validate_send_request(session, viewer, request, draft=draft)
    if problems:
        raise InvalidInput(problems)
    request = with_sender_defaults(viewer, request)
    subject = (request.subject or "").strip() or DEFAULT_SUBJECT
    html_body = sanitized_html(request.html_body)  # issue 13 point 8: stored clean, so sent and shown clean
    message = Message(
        sender_id=viewer.id,
        subject=subject,
        html_body=html_body,
        text_body=html_to_text(html_body),
        recipient_type=request.recipient_type if request.selects_students else None,
        channels=[channel.value for channel in request.channels],
        **message_options(request),
        status=MessageStatus.DRAFT if draft else MessageStatus.QUEUED,
        school_year_id=school_year_id,
    )
    if request.family_seed is not None:  # the plan's draw; else the fresh one the message was created with
        message.family_seed = request.family_seed
    message.flagged = contains_flagged_word(session, message.subject, message.text_body, message.sms_text or "")
    message.caller_id_id = _caller_id(session, viewer, request)
    session.add(message)
    session.flush()
    _store_selection(session, viewer, message.id, request)
    if request.translations:  # TRN-04: one MANUAL row per language
        replace_message_translations(session, message.id, translation_texts(viewer, request)[0])
        flag_translations(session, message)
    return message


def flag_translations(session: Session, message: Message) -> None:
    """INB-11: a flagged word in a manual translation flags the message as one in the original does."""
    if not message.flagged and contains_flagged_word(session, *translated_texts(session, message.id)):
        message.flagged = True
        session.add(message)
        session.flush()


def _caller_id(session: Session, viewer: Viewer, request: SendMessageRequest) -> int | None:
    """VOI-03: the number the message's calls show (the request was validated already)."""
    if Channel.VOICE not in request.channels:
        return None
    return caller_id_for_message(session, viewer, request.caller_id_id, [], ("input", "channels"))


def send_message(session: Session, viewer: Viewer, request: SendMessageRequest, *,
                 jobs: JobQueue | None = None) -> tuple[Message, int]:
    """Store a message to send now and write its delivery rows, after the recipient-count
    confirmation (CMP-27); returns the message and its recipient count. Once the caller commits,
    ``jobs`` hands the rows on to dispatch (None: the caller hands them on). Refused, before
    anything is written, while the sender's session works in a prior school year (SYS-08)."""
    school_year_id = school_year_to_send_in(session, viewer)
    message = create_message(session, viewer, request, school_year_id=school_year_id)
    return message, confirm_and_fan_out(session, viewer, message, request.confirmed_recipient_count, jobs)


def confirm_and_fan_out(session: Session, viewer: Viewer, message: Message, confirmed: int | None,
                        jobs: JobQueue | None = None) -> int:
    """CMP-27, then the delivery rows of a message sent now, in the caller's transaction (the
    hand-on job, scheduled on ``jobs`` for after the commit, then only hands them to dispatch).
    With a confirmed count the rows are written first and the people in them counted, one
    resolution rather than two; a count that no longer matches raises, and the caller's rollback
    leaves nothing written and nothing handed on. Returns the recipient count."""
    from domain.delivery.fan_out import fan_out

    if confirmed is None:
        count = recipient_count(session, message)
        if needs_confirmation(viewer, count):
            raise ConfirmationRequired(count, message.family_seed)
        fan_out(session, message.id, in_app_now=in_app_in_request(jobs, count, message))
    else:
        written = fan_out(session, message.id, in_app_now=in_app_in_request(jobs, confirmed, message))
        if needs_confirmation(viewer, written.people) and confirmed != written.people:
            raise ConfirmationRequired(written.people, message.family_seed)
        count = written.people
    record(session, Actor.of(viewer), AuditAction.MESSAGE_SENT, object_type="message", object_ids=[message.id],
           students=message_students(message.id), recipient_count=count)
    if jobs is not None:
        hand_on_after_commit(session, jobs, message.id, emergency=message.emergency, priority=message.priority)
    return count


#: Channels that write a row for every recipient, sent or not (push writes rows only for devices).
ROW_FOR_EVERYONE = frozenset({Channel.EMAIL.value, Channel.SMS.value, Channel.VOICE.value})


def in_app_in_request(jobs: JobQueue | None, recipients: int, message: Message) -> bool:
    """Whether the request writes the in-app rows too. A message of up to CONFIRM_ABOVE people
    (a reply, a note to a class) is in every inbox when the mutation answers; a larger one leaves
    them to the hand-on job, which files them once dispatch has its chunks, so 100k inbox entries
    never delay an email or a call (issue 15). Without a job queue nobody else would write them;
    a push-only message writes them now, so its count of people (CMP-27) includes those whose only
    row is the inbox."""
    return (jobs is None or recipients <= CONFIRM_ABOVE
            or not ROW_FOR_EVERYONE.intersection(message.channels))


def save_draft(session: Session, viewer: Viewer, request: SendMessageRequest) -> Message:
    """CMP-28: store everything composed so far; nothing is resolved or sent."""
    message = create_message(session, viewer, request, draft=True, school_year_id=working_year_id(session, viewer))
    message.saved_at = message.created_at
    return message


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


def carries_outside_recipients(session: Session, message: Message) -> bool:
    """The message reaches addresses outside the directory: Cc or CSV-imported recipients."""
    return bool(message.cc) or session.execute(select(ImportedRecipient.id).where(
        ImportedRecipient.message_id == message.id).limit(1)).first() is not None


def refuse_outside_recipients(session: Session, viewer: Viewer, message: Message) -> None:
    """RCP-22, PERM-60: only holders of "Send to Outside Addresses" (never a family user, PERM-04)
    send a message with Cc or imported recipients. Checked again when a stored message is sent,
    whoever put them there: a profile can lose the permission. DRF-07: on a draft assigned to the
    viewer they ride along under the authority of the user who handed it over, if that user
    still holds the permission."""
    if viewer.permissions.has(Perm.OUTSIDE_RECIPIENTS) or not carries_outside_recipients(session, message):
        return
    if _handed_over_by_holder_of(session, viewer, message, Perm.OUTSIDE_RECIPIENTS):
        return
    raise AuthorizationError(
        f'This message has Cc addresses or imported recipients; sending it needs the '
        f'"{CATALOGUE[Perm.OUTSIDE_RECIPIENTS].label}" permission.', requirement=Perm.OUTSIDE_RECIPIENTS.value)


def _handed_over_by_holder_of(session: Session, viewer: Viewer, message: Message, perm: Perm) -> bool:
    """The draft was last assigned to the viewer by an active user who holds ``perm`` (DRF-07)."""
    handed = session.execute(select(DraftAssignment.from_user_id).where(
        DraftAssignment.message_id == message.id, DraftAssignment.to_user_id == viewer.id)
        .order_by(DraftAssignment.id.desc()).limit(1)).scalar()
    if handed is None:
        return False
    try:
        return load_viewer(session, handed).permissions.has(perm)
    except AuthenticationError:  # the assigner is no longer active
        return False


def confirmed_count(session: Session, viewer: Viewer, message: Message, confirmed: int | None) -> int:
    """CMP-27 for a message resolved later (a scheduled one): its recipient count as of now."""
    count = recipient_count(session, message)
    if needs_confirmation(viewer, count) and confirmed != count:
        raise ConfirmationRequired(count, message.family_seed)
    return count


def send_draft(session: Session, viewer: Viewer, message_id: int,
               confirmed_recipient_count: int | None, *, jobs: JobQueue | None = None) -> tuple[Message, int]:
    """Send a saved draft now (with its imported recipients), after the CMP-27 confirmation;
    returns it with its recipient count (``jobs``: as for send_message). Refused while the
    sender's session works in a prior school year (SYS-08); the message records the session's."""
    school_year_id = school_year_to_send_in(session, viewer)
    message = locked_draft(session, viewer, message_id)
    refuse_outside_recipients(session, viewer, message)
    message.status, message.school_year_id = MessageStatus.QUEUED, school_year_id
    session.add(message)
    session.flush()
    return message, confirm_and_fan_out(session, viewer, message, confirmed_recipient_count, jobs)


def replace_selection(session: Session, viewer: Viewer, message: Message, request: SendMessageRequest) -> None:
    """Edit a stored message like a new one (SCH-14): its content, options and selection are
    replaced by the request's; its imported recipients stay."""
    request = with_sender_defaults(viewer, request)
    message.subject = (request.subject or "").strip() or DEFAULT_SUBJECT
    message.html_body = sanitized_html(request.html_body)
    message.text_body = html_to_text(message.html_body)
    message.flagged = contains_flagged_word(session, message.subject, message.text_body, message.sms_text or "")
    message.recipient_type = request.recipient_type if request.selects_students else None
    message.channels = [channel.value for channel in request.channels]
    for name, value in message_options(request).items():
        setattr(message, name, value)
    message.caller_id_id = _caller_id(session, viewer, request)
    if request.family_seed is not None:  # else the message keeps the draw it was created with
        message.family_seed = request.family_seed
    for table in (MessageStudent, MessageStudentGroup, MessageStaff, MessageUserGroup):
        session.execute(delete(table).where(table.message_id == message.id))
    session.add(message)
    session.flush()
    _store_selection(session, viewer, message.id, request)
    if request.translations is not None:  # TRN-04: the list replaces the set; null keeps the stored one
        replace_message_translations(session, message.id, translation_texts(viewer, request)[0])
    flag_translations(session, message)  # the kept set too: the original's flag was just recomputed
