"""A message request and the rules it must meet before anything is written: field checks with
their paths (CMP-*, SMS-04, VOI-02, VOI-06), and what the sender left open decided by their
settings and school (CMP-09, CMP-17, SET-06). domain.messages.send stores what passes."""

from __future__ import annotations

import dataclasses

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import or_, select
from sqlmodel import Session

from domain.content.call_text import tts_limit
from domain.telephony.caller_ids import caller_id_for_message
from domain.messages.compose import allow_reply_by_default, excluded_from_channel, push_by_default
from domain.support.errors import FieldProblem
from domain.recipients.family_pick import DRAW_MODULUS, valid_family_seed
from domain.content.html_policy import sanitized_html
from domain.content.insert_fields import unknown_fields
from domain.content.letterheads import letterhead_problem
from domain.access.scope import staff_scope, student_scope
from domain.content.sms_text import sms_count
from domain.translations.manual import ManualText, check_manual_texts, district_limits, require_translations_addon
from domain.content.text import INVALID_CHARACTERS, has_control_characters, html_to_text
from domain.access.viewer import Viewer
from models.directory import (
    Student,
    StudentGroup,
    StudentGroupAssignee,
    User,
    UserGroup,
    UserGroupAssignee,
)
from models.messaging import Channel, StudentRecipientType

DEFAULT_SUBJECT = "New Message"  # CMP-01
SUBJECT_MAX_LENGTH = 200
BODY_MAX_LENGTH = 100_000
MAX_SELECTED_IDS = 100_000
#: Cc copies every email of a message to outside addresses (CMP-22); a handful is what a sender needs.
MAX_CC = 20


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
    call_text: str | None = None  # VOI-06: what text-to-speech reads; None reads the subject and body
    letterhead_id: int | None = None  # CMP-03: a letterhead available for Communication
    add_log_record: bool = False  # CMP-10: sending (and printing) writes the letter log; never with TEACHERS_OF
    academic_record_category: str | None = None  # CMP-04 (docmgmt): the category the letter log files it under
    confirmed_recipient_count: int | None = None
    # RCP-09: the once-per-family draw; None draws a fresh one. A plan's seed sends what it showed.
    family_seed: int | None = None
    # TRN-04: manual translations, one per language; None keeps a stored message's (none on a new one).
    translations: tuple[ManualText, ...] | None = None

    @property
    def selects_students(self) -> bool:
        return bool(self.student_ids or self.all_students or self.student_group_ids)


def _problem(problems: list[FieldProblem], path: tuple, code: str, message: str) -> None:
    problems.append(FieldProblem(("input", *path), code, message))


def _not_found(what: str) -> str:
    """One message for a row that is missing, out of reach, or named by no id of its kind (PERM-06:
    a foreign id answers exactly like a missing one); the problem's path says which id, and the
    message names no row number (issue 17 point 1)."""
    return f"This {what} does not exist or is not one you can use."


def _check_ids(session: Session, problems: list[FieldProblem], field: str, what: str,
               wanted: tuple[int, ...], id_column, scope) -> None:
    """One query per id list: report every id that is unknown or out of the viewer's reach."""
    if not wanted:
        return
    found = set(session.execute(select(id_column).where(id_column.in_(set(wanted)), scope)).scalars())
    missing = [index for index, value in enumerate(wanted) if value not in found]
    for index in missing[:20]:
        _problem(problems, (field, index), "NOT_FOUND", _not_found(what))


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
    A draft may still be empty: recipients are checked when it is sent. Translations without the
    add-on are refused first (AuthorizationError, TRN-08)."""
    require_translations_addon(viewer, request.translations)
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
    if has_control_characters(subject):  # it becomes the email's Subject header
        _problem(problems, ("subject",), INVALID_CHARACTERS,
                 "The subject is one line: remove line breaks, tabs and other control characters.")
    if len(request.html_body or "") > BODY_MAX_LENGTH:
        _problem(problems, ("htmlBody",), "TOO_LONG", f"The body exceeds {BODY_MAX_LENGTH} characters.")
    elif not html_to_text(sanitized_html(request.html_body or "")):  # what is stored (issue 13 point 8)
        _problem(problems, ("htmlBody",), "REQUIRED", "The message body is empty.")
    _check_sms_text(problems, viewer, request)
    if Channel.VOICE in request.channels:  # VOI-02, VOI-03
        caller_id_for_message(session, viewer, request.caller_id_id, problems, ("input", "channels"))
    elif request.caller_id_id is not None:
        _problem(problems, ("callerIdId",), "INVALID", "A caller ID is for calls only (CID-07); add the VOICE channel.")
    _check_call_text(problems, viewer, request)
    for path, text in (("subject", request.subject), ("htmlBody", request.html_body), ("smsText", request.sms_text),
                       ("callText", request.call_text)):
        for name in unknown_fields(text):  # CMP-25: only the catalogue's insert fields
            _problem(problems, (path,), "UNKNOWN_FIELD", f"{{{{{name}}}}} is not an insert field (see insertFields).")
    if not request.channels:
        _problem(problems, ("channels",), "REQUIRED", "Choose at least one channel.")
    if len(set(request.channels)) != len(request.channels):
        _problem(problems, ("channels",), "DUPLICATE", "A channel is listed more than once.")
    for index, channel in enumerate(request.channels):
        if channel is Channel.INAPP:
            _problem(problems, ("channels", index), "INVALID",
                     "The in-app inbox receives every message; choose only the channels that notify.")
        elif excluded_from_channel(viewer, channel):
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
            _problem(problems, ("schoolIds", index), "NOT_FOUND", _not_found("school"))
    if request.emergency and not {Channel.SMS, Channel.VOICE} & set(request.channels):
        _problem(problems, ("emergency",), "INVALID",
                 "Emergency applies to calls and SMS; add the SMS or VOICE channel.")
    _check_email_options(problems, request)
    _check_letter_options(session, problems, request)
    problems += translation_texts(viewer, request)[1]
    if request.family_seed is not None and not valid_family_seed(request.family_seed):
        _problem(problems, ("familySeed",), "INVALID",
                 f"familySeed is a number from 0 to {DRAW_MODULUS - 1}, as recipientPlan returns it.")
    if (not draft and request.confirmed_recipient_count is not None and request.family_seed is None
            and request.recipient_type is StudentRecipientType.ONCE_PER_FAMILY):
        # Without the seed a new draw could reach another count, and the confirmation would repeat.
        _problem(problems, ("familySeed",), "REQUIRED",
                 "A confirmed once-per-family count is for one pick: pass back the familySeed the confirmation "
                 "or recipientPlan returned with it.")
    if request.send_as_school_id is not None and request.send_as_school_id not in viewer.school_ids:
        _problem(problems, ("sendAsSchoolId",), "NOT_FOUND", "You cannot send as that school.")
    if len(request.student_ids) + len(request.staff_ids) <= MAX_SELECTED_IDS:
        _check_ids(session, problems, "studentIds", "student", request.student_ids, Student.id,
                   student_scope(viewer))
        _check_ids(session, problems, "staffIds", "staff user", request.staff_ids, User.id, staff_scope(viewer))
    _check_ids(session, problems, "studentGroupIds", "student group", request.student_group_ids, StudentGroup.id,
               assigned_groups_clause(viewer, StudentGroup, StudentGroupAssignee))
    _check_ids(session, problems, "userGroupIds", "user group", request.user_group_ids, UserGroup.id,
               assigned_groups_clause(viewer, UserGroup, UserGroupAssignee))
    return problems


def translation_texts(viewer: Viewer, request: SendMessageRequest) -> tuple[list[ManualText], list[FieldProblem]]:
    """TRN-04: the request's manual translations in stored form, and their problems at
    input.translations.<index>.<field>, each text checked as the original's is (a translated SMS
    or call text needs its channel, as smsText and callText do)."""
    limits = district_limits(viewer, subject=SUBJECT_MAX_LENGTH, body=BODY_MAX_LENGTH)
    texts, problems = check_manual_texts(request.translations or (), limits, ("input", "translations"))
    for index, text in enumerate(request.translations or ()):
        for name, value, channel in (("smsText", text.sms_text, Channel.SMS), ("callText", text.call_text, Channel.VOICE)):
            if value is not None and channel not in request.channels:
                problems.append(FieldProblem(("input", "translations", index, name), "INVALID",
                                             f"A translated {name} needs the {channel.value} channel, as {name} does."))
    return texts, problems


def _check_email_options(problems: list[FieldProblem], request: SendMessageRequest) -> None:
    """CMP-06: secure email has no copy to self and no Cc; CMP-22: Cc addresses (at most MAX_CC)
    are valid email addresses and copy the email channel only."""
    if request.secure and request.copy_self:
        _problem(problems, ("copySelf",), "CONFLICT", "A secure email cannot be copied to yourself.")
    if request.secure and request.cc:
        _problem(problems, ("cc",), "CONFLICT", "A secure email cannot have Cc addresses.")
    if request.cc and Channel.EMAIL not in request.channels:
        _problem(problems, ("cc",), "INVALID", "Cc copies the email; add the EMAIL channel.")
    if len(request.cc) > MAX_CC:
        _problem(problems, ("cc",), "TOO_MANY", f"{len(request.cc)} Cc addresses; at most {MAX_CC}.")
        return
    for index, address in enumerate(request.cc):
        if has_control_characters(address.strip()):
            _problem(problems, ("cc", index), INVALID_CHARACTERS,
                     "A Cc address is one line: remove line breaks, tabs and other control characters.")
            continue
        try:
            validate_email(address.strip(), check_deliverability=False)
        except EmailNotValidError:
            _problem(problems, ("cc", index), "INVALID", f"{address!r} is not a valid email address.")


def _check_letter_options(session: Session, problems: list[FieldProblem], request: SendMessageRequest) -> None:
    """CMP-03: a letterhead available for Communication; CMP-11: Add Log Record is never combined
    with TEACHERS_OF; CMP-04: an academic record category is one line of at most 100 characters."""
    if request.letterhead_id is not None:
        problem = letterhead_problem(session, request.letterhead_id, ("input", "letterheadId"))
        if problem:
            problems.append(problem)
    if request.add_log_record and request.recipient_type is StudentRecipientType.TEACHERS_OF:
        _problem(problems, ("addLogRecord",), "CONFLICT",
                 "Add Log Record cannot be used when the message goes to the teachers of students (CMP-11).")
    category = request.academic_record_category
    if category is not None and (not category.strip() or len(category.strip()) > 100 or has_control_characters(category)):
        _problem(problems, ("academicRecordCategory",), "INVALID",
                 "An academic record category is one line of 1 to 100 characters.")


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


def _check_call_text(problems: list[FieldProblem], viewer: Viewer, request: SendMessageRequest) -> None:
    """VOI-06 / SYS-11: the text-to-speech text fits the call-minute limit as composed."""
    if request.call_text is None:
        return
    if Channel.VOICE not in request.channels:
        _problem(problems, ("callText",), "INVALID", "callText is what the call says; add the VOICE channel.")
    if not request.call_text.strip():
        _problem(problems, ("callText",), "REQUIRED", "The call text is empty; leave callText out to read the message.")
    limit = tts_limit(viewer.district.tts_minutes)
    if len(request.call_text) > limit:
        _problem(problems, ("callText",), "TOO_LONG",
                 f"The call text is {len(request.call_text)} characters; the limit for "
                 f"{viewer.district.tts_minutes} minute(s) is {limit}.")
