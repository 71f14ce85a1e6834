"""The message input shared by sendMessage, saveDraft, the schedule mutations and recipientPlan."""

from __future__ import annotations

import strawberry

from domain.support.global_ids import Kind
from domain.messages.compose import CHANNEL_PERMISSIONS, RECIPIENT_TYPE_PERMISSIONS
from domain.messages.send import DEFAULT_SUBJECT, MAX_CC, SUBJECT_MAX_LENGTH, SendMessageRequest
from domain.access.permissions import Perm
from graph.messages.types import Channel, StudentRecipientType
from graph.pagination import parse_id, parse_ids
from graph.permissions import gated, gated_by_value
from graph.translations.manual import TRANSLATIONS_DESCRIPTION, MessageTranslationInput, to_texts
from models import messaging as db


@strawberry.input(description="A message to send now (or to plan).")
class SendMessageInput:
    subject: str | None = strawberry.field(
        default=None,
        description=f'At most {SUBJECT_MAX_LENGTH} characters; null or blank becomes "{DEFAULT_SUBJECT}" (CMP-01).')
    html_body: str = strawberry.field(description=(
        "The rich-text body (HTML). Insert fields such as {{student.first_name}} (listed by insertFields) are "
        "stored as written and filled in for each recipient when it is sent (CMP-25). It is stored cleaned: "
        "scripts, event handlers, frames, forms and links or styles that run code are removed; tables, inline "
        "styles, images and links are kept (imported HTML too, EDT-04)."))
    channels: list[Channel] = gated_by_value("The channels to deliver on.", CHANNEL_PERMISSIONS)
    recipient_type: StudentRecipientType | None = gated_by_value(
        "Who receives it for each selected student; required when students are selected (null is fine otherwise).",
        RECIPIENT_TYPE_PERMISSIONS, default=None)
    student_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Students selected (only students the viewer may message).")
    all_students: bool = strawberry.field(
        default=False, description="Select every student the viewer may message (see schoolIds).")
    school_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="With allStudents: only students of these schools (the school filter).")
    student_group_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="Student groups assigned to the viewer or a profile of theirs; members are resolved at send (RCP-19).")
    staff_ids: list[strawberry.ID] = gated(
        "Staff users selected (only staff the viewer may message).", Perm.SEND_TO_STAFF, default=(),
        family=Perm.SEND_MESSAGES)
    user_group_ids: list[strawberry.ID] = gated(
        "User groups assigned to the viewer or a profile of theirs (RCP-21).", Perm.SEND_TO_STAFF, default=())
    priority: bool = gated("Dispatch ahead of non-priority messages (CMP-07).", Perm.SEND_AS_PRIORITY,
                           default=False)
    emergency: bool = gated("Emergency calls/SMS: override Blocked, never Callout (SYS-09).",
                            Perm.EMERGENCY_CALLS, default=False)
    send_as_district: bool = gated("Show the district as the sender (CMP-13); from a school excluded from "
                                   "communication it sends as that school (CMP-17).", Perm.SEND_FROM_DISTRICT,
                                   default=False)
    send_as_school_id: strawberry.ID | None = gated(
        "Show this school as the sender (CMP-14); null: not as a school.", Perm.SEND_FROM_SCHOOL, default=None)
    secure: bool = strawberry.field(
        default=False, description="Secure email: external channels carry a notice to sign in, not the content "
                                   "(CMP-05); no copy to self or Cc (CMP-06).")
    copy_self: bool = strawberry.field(
        default=False, description="Send the sender exactly one copy on each of its email, SMS and call channels (CMP-12).")
    cc: list[str] = gated(
        f"Email addresses copied on the email channel only (CMP-22), at most {MAX_CC}.", Perm.OUTSIDE_RECIPIENTS,
        default=())
    cc_first_only: bool = strawberry.field(
        default=False, description="Copy the Cc addresses on the first generated email only (CMP-23).")
    include_signature: bool = strawberry.field(
        default=False, description="Append the sender's saved email and SMS signatures (CMP-24, SET-07).")
    sms_text: str | None = strawberry.field(
        default=None, description="The SMS, at most the district's SMS character limit as composed (smsCount "
                                  "counts it the same way). Insert fields are filled in when sent and the result cut "
                                  "to the limit. Null: the SMS is the subject and the body, cut to the limit "
                                  "(SMS-04).")
    call_text: str | None = strawberry.field(
        default=None, description="What text-to-speech says on the call, at most 1,000 characters per minute of the "
                                  "district's call-minute limit as composed (VOI-06). Insert fields are filled in "
                                  "when called and the spoken text cut to the limit (VOI-07, VOI-08). Null: the "
                                  "subject and the body.")
    caller_id_id: strawberry.ID | None = strawberry.field(
        default=None, description="The caller ID the calls show, one of availableCallerIds; null: the "
                                  "default (the only one, else your school's default, else the district's) (VOI-03).")
    allow_reply: bool | None = strawberry.field(
        default=None, description="Recipients may answer, by email to a signed reply address (CMP-19); forced off "
                                  "when sent as the district or a school (CMP-16). Null: the sender's "
                                  "allowReplyByDefault setting decides (SET-06).")
    push: bool | None = gated(
        "Also send a push notification to recipients who use the app (CMP-08); the same as listing PUSH in "
        "channels. Null: compose.pushByDefault decides (CMP-09, SYS-05); false leaves push off.",
        Perm.PUSH_NOTIFICATIONS, default=None)
    letterhead_id: strawberry.ID | None = strawberry.field(
        default=None, description="The letterhead it prints under: one available for Communication (letterheads, "
                                  "CMP-03); null: none.")
    add_log_record: bool = strawberry.field(
        default=False, description="Sending writes a letter-log entry for every recipient student and user, and "
                                   "printing for every student (CMP-10); not with TEACHERS_OF (CMP-11).")
    academic_record_category: str | None = gated(
        "The academic record category the letter log files it under for each student (CMP-04); null: none.",
        Perm.ACADEMIC_RECORD, default=None)
    confirmed_recipient_count: int | None = strawberry.field(
        default=None,
        description="The recipient count the sender confirms; required above 100 recipients or when the "
                    "district always confirms (CMP-27, SYS-04). Null: not confirmed yet.")
    family_seed: int | None = strawberry.field(
        default=None,
        description="The seed of the once-per-family pick, 0 to 2147483646. Pass the familySeed of the "
                    "recipientPlan (or of the confirmation request) to send to exactly the students it picked. "
                    "Null: a fresh random draw, recorded on the message; not allowed with confirmedRecipientCount "
                    "for ONCE_PER_FAMILY, whose confirmed count is that of one pick (error code REQUIRED) "
                    "(RCP-09).")
    translations: list[MessageTranslationInput] | None = strawberry.field(
        default=None, description=TRANSLATIONS_DESCRIPTION)


def to_request(data: SendMessageInput) -> SendMessageRequest:
    return SendMessageRequest(
        subject=data.subject,
        html_body=data.html_body,
        channels=tuple(db.Channel(channel.value) for channel in data.channels),
        recipient_type=db.StudentRecipientType(data.recipient_type.value) if data.recipient_type else None,
        student_ids=parse_ids(data.student_ids, Kind.STUDENT),
        all_students=data.all_students,
        school_ids=parse_ids(data.school_ids, Kind.SCHOOL),
        student_group_ids=parse_ids(data.student_group_ids, Kind.STUDENT_GROUP),
        staff_ids=parse_ids(data.staff_ids, Kind.USER),
        user_group_ids=parse_ids(data.user_group_ids, Kind.USER_GROUP),
        priority=data.priority,
        emergency=data.emergency,
        send_as_district=data.send_as_district,
        send_as_school_id=parse_id(data.send_as_school_id, Kind.SCHOOL) if data.send_as_school_id is not None else None,
        secure=data.secure,
        copy_self=data.copy_self,
        cc=tuple(data.cc),
        cc_first_only=data.cc_first_only,
        include_signature=data.include_signature,
        allow_reply=data.allow_reply,
        push=data.push,
        sms_text=data.sms_text,
        call_text=data.call_text,
        caller_id_id=parse_id(data.caller_id_id, Kind.CALLER_ID) if data.caller_id_id is not None else None,
        letterhead_id=parse_id(data.letterhead_id, Kind.LETTERHEAD) if data.letterhead_id is not None else None,
        add_log_record=data.add_log_record,
        academic_record_category=data.academic_record_category,
        confirmed_recipient_count=data.confirmed_recipient_count,
        family_seed=data.family_seed,
        translations=to_texts(data.translations),
    )
