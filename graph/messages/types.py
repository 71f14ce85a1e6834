"""A message's deliveries, attachments and the enums of both (the Message type itself: graph.messages.message)."""

from __future__ import annotations

import datetime as dt
import enum

import strawberry

from domain.support.global_ids import Kind, shown_address
from domain.messages.compose import CHANNEL_PERMISSIONS, RECIPIENT_TYPE_PERMISSIONS
from domain.access.permissions import requirement_text
from domain.delivery import attempts
from domain.recipients.plan import reason_code
from graph.node import Node
from graph.context import Info
from graph.enum_values import described_enum
from graph.pagination import node_id, optional_node_id, recipient_node_id
from models import messaging as db
from models.attachments import MessageAttachment


def _value(member: enum.Enum, description: str, perms: tuple) -> object:
    text = description + (" " + requirement_text(*perms) if perms else "")
    return strawberry.enum_value(member.value, description=text)


@strawberry.enum(description="A delivery channel.")
class Channel(enum.Enum):
    EMAIL = _value(db.Channel.EMAIL, "Email to the recipient's address.", CHANNEL_PERMISSIONS[db.Channel.EMAIL])
    SMS = _value(db.Channel.SMS, "A text message.", CHANNEL_PERMISSIONS[db.Channel.SMS])
    VOICE = _value(db.Channel.VOICE, "A phone call read by text-to-speech.", CHANNEL_PERMISSIONS[db.Channel.VOICE])
    PUSH = _value(db.Channel.PUSH, "A mobile push notification.", CHANNEL_PERMISSIONS[db.Channel.PUSH])
    INAPP = _value(db.Channel.INAPP, "The recipient's in-app inbox. Every message reaches the inbox of each "
                   "recipient with an account, whatever the chosen channels; it is never chosen itself.", ())


def _recipient_type(member: db.StudentRecipientType, description: str) -> object:
    return _value(member, description, RECIPIENT_TYPE_PERMISSIONS[member])


RT = db.StudentRecipientType


@strawberry.enum(description="Who receives a message sent to students (RCP-01).")
class StudentRecipientType(enum.Enum):
    STUDENTS = _recipient_type(RT.STUDENTS, "Each student's primary email/phone (RCP-03).")
    STUDENT_PERSONAL = _recipient_type(RT.STUDENT_PERSONAL, "Each student's personal email (RCP-04).")
    PRIMARY_CONTACTS = _recipient_type(RT.PRIMARY_CONTACTS, "Each student's custodial contacts (RCP-06).")
    ALL_CONTACTS = _recipient_type(RT.ALL_CONTACTS, "Every contact of each student (RCP-07).")
    ONCE_PER_FAMILY = _recipient_type(RT.ONCE_PER_FAMILY, "One student per sibling group (RCP-09).")
    TEACHERS_OF = _recipient_type(RT.TEACHERS_OF, "Teachers scheduled with each student (RCP-12).")
    STUDENTS_AND_ALL_CONTACTS = _recipient_type(RT.STUDENTS_AND_ALL_CONTACTS, "Students and all contacts (RCP-13).")
    STUDENTS_AND_PRIMARY_CONTACTS = _recipient_type(
        RT.STUDENTS_AND_PRIMARY_CONTACTS, "Students and custodial contacts (RCP-14).")


MS = db.MessageStatus
MessageStatus = described_enum(db.MessageStatus, "Where a message is in its life.", {
    MS.DRAFT: "Saved while composing; nothing is resolved or sent (CMP-28).",
    MS.SCHEDULED: "Waits for its schedule; a queue run sends it when due (SCH-04).",
    MS.ERRORED: "A scheduled send failed all its scheduled day; it waits to be edited and saved (SCH-13).",
    MS.QUEUED: "Stored; its recipients are not resolved yet.",
    MS.SENDING: "Its deliveries are written and some are not final yet.",
    MS.COMPLETED: "Every delivery reached a final status (a recurring message: no occurrence remains).",
    MS.CANCELLED: "Recalled or cancelled: nothing more of it is sent.",
})

DS = db.DeliveryStatus
#: What each delivery status means; the not-sent ones say what an administrator can do about them.
DELIVERY_STATUS_TEXT: dict[db.DeliveryStatus, str] = {
    DS.PLANNED: "Written, not yet handed to dispatch.",
    DS.DEFERRED: "Waits until the call window opens at notBefore (SYS-01).",
    DS.QUEUED: "Handed to dispatch; goes out now.",
    DS.SENDING: "Being handed to the provider.",
    DS.SENT: "The provider accepted it.",
    DS.DELIVERED: "The provider reported it delivered; in-app: in the recipient's inbox, not yet read.",
    DS.READ: "In-app: the recipient opened it (readAt says when).",
    DS.FAILED: "The provider refused it or it could not be sent (errorCode says why); resendToFailed retries it.",
    DS.CANCELLED: "The message was recalled before this was sent.",
    DS.DUPLICATE: "Not sent: another delivery of this once-per-family message goes to the same address (RCP-11).",
    DS.NO_CONTACT_INFO: "Not sent: no address on file for this channel.",
    DS.OPTED_OUT: "Not sent: the address opted out itself (an SMS STOP, an unsubscribe link, a hard bounce), the "
                  "contact card's Opt Out of Email Notifications toggle (the family's own opt-out) is on, "
                  "or the user turned email notifications off (SYS-10, SET-05).",
    DS.UNSUBSCRIBED: "Not sent: the contact card's Unsubscribe flag is on; an administrator can change "
                     "the card (SYS-09).",
    DS.NO_SMS: "Not sent: the contact card's SMS flag is off, or the student's phone is not SMS-enabled; "
               "an administrator can change the card (SYS-09, SMS-02).",
    DS.BLOCKED: "Not sent: the contact is Blocked for calls and SMS; only emergencies go through (SYS-09).",
    DS.NO_CALLOUT: "Not sent: the contact's Callout flag is off, which holds even in an emergency (SYS-09).",
    DS.EXCLUDED_SCHOOL: "Not sent: the recipient's school is excluded from communication for this sender (RCP-25).",
    DS.INACTIVE: "Not sent: the person is inactive (MRG-03).",
}
DeliveryStatus = strawberry.enum(
    enum.Enum("DeliveryStatus", {status.name: strawberry.enum_value(status.value, description=DELIVERY_STATUS_TEXT[status])
                                 for status in db.DeliveryStatus}),
    name="DeliveryStatus",
    description="One vocabulary for every channel; the not-sent outcomes say why nothing was transmitted.",
)
RecipientKind = described_enum(db.RecipientKind, "What kind of person a delivery is for.", {
    db.RecipientKind.STUDENT: "A student (recipientId is the Student's id).",
    db.RecipientKind.CONTACT: "A student's contact, such as a parent (recipientId is the contact's id; studentId "
                              "the student's).",
    db.RecipientKind.USER: "A staff user (recipientId is the User's id).",
    db.RecipientKind.IMPORTED: "A recipient from an imported CSV file (IMP-*; recipientId is the ImportedRecipient's "
                               "id).",
})


@strawberry.type(description="The message's SMS, calls and push wait for the district's call window; "
                             "email goes out now (SYS-02).")
class CallWindowDeferral:
    channels: list[Channel] = strawberry.field(description="The channels that wait.")
    opens_at: dt.datetime = strawberry.field(description="When the held channels go out (UTC).")
    warning: str = strawberry.field(description="A sentence to show the sender.")

    @classmethod
    def of(cls, deferral) -> CallWindowDeferral | None:
        if deferral is None:
            return None
        return cls(channels=[Channel(c.value) for c in deferral.channels], opens_at=deferral.opens_at,
                   warning=deferral.warning())


DeliveryReason = strawberry.enum(
    enum.Enum("DeliveryReason", {
        "DEFERRED_CALL_WINDOW": strawberry.enum_value(
            "DEFERRED_CALL_WINDOW", description="Sent when the call window opens at notBefore (SYS-01)."),
        **{status.name: strawberry.enum_value(status.value, description=DELIVERY_STATUS_TEXT[status])
           for status in db.NOT_SENT_DELIVERY_STATUSES}}),
    name="DeliveryReason",
    description="Why a delivery is not sent, or not yet: the same vocabulary for a planned delivery (recipientPlan) "
                "and one in the ledger (Message.deliveries).")


def delivery_reason(status: str) -> DeliveryReason | None:
    """The DeliveryReason of a delivery in ``status``; None when it goes now or went."""
    code = reason_code(status)
    return DeliveryReason(code) if code is not None else None


@strawberry.enum(description="What one provider call came to.")
class AttemptOutcome(enum.Enum):
    SENT = strawberry.enum_value(attempts.SENT, description="The provider accepted it (providerMessageId is its id).")
    RETRYABLE = strawberry.enum_value(
        attempts.RETRYABLE, description="It failed for now; the delivery is tried again later while attempts remain.")
    PERMANENT_FAILURE = strawberry.enum_value(
        attempts.PERMANENT_FAILURE, description="The provider refused it for good (errorCode says why).")


@strawberry.type(description="One provider call for a delivery (its attempt history). Seen by whoever may see the "
                             "delivery.")
class DeliveryAttempt:
    plugin: str = strawberry.field(description='The channel plugin that made the call, e.g. "smtp", "twilio".')
    outcome: AttemptOutcome = strawberry.field(description="What the call came to.")
    provider_message_id: str | None = strawberry.field(
        description="The provider's id of the message, when it gave one; null otherwise.")
    error_code: str | None = strawberry.field(description="The provider's (or the plugin's) code for a failure; null "
                                                          "when it was sent.")
    detail: str | None = strawberry.field(description="The provider's words about a failure; null when none.")
    started_at: dt.datetime = strawberry.field(description="When the call started (UTC).")
    finished_at: dt.datetime = strawberry.field(description="When it ended (UTC).")

    @classmethod
    def of(cls, attempt: attempts.Attempt) -> DeliveryAttempt:
        return cls(plugin=attempt.plugin, outcome=AttemptOutcome(attempt.outcome),
                   provider_message_id=attempt.provider_message_id, error_code=attempt.code, detail=attempt.detail,
                   started_at=attempt.started_at, finished_at=attempt.finished_at)


@strawberry.type(description="One delivery: a recipient on a channel at an address. Its status says whether "
                             "it is being processed, sent or failed, or why it is not sent (RPT-02).")
class Delivery(Node):
    id: strawberry.ID = strawberry.field(description="The delivery's id; dispatch hands it to the provider as the "
                                                     "idempotency reference.")
    channel: Channel = strawberry.field(description="How it goes: email, SMS, a call, push, or the in-app inbox.")
    recipient_kind: RecipientKind = strawberry.field(description="Whether recipientId names a student, a contact, a "
                                                                 "staff user or an imported recipient.")
    recipient_id: strawberry.ID = strawberry.field(description="The person it is for, of the kind recipientKind says.")
    student_id: strawberry.ID | None = strawberry.field(
        description="The student it is about (the student, or the student whose contact it reaches); null for staff and "
                    "imported recipients.")
    recipient_name: str = strawberry.field(description="The recipient's name as it was when the message was sent.")
    address: str | None = strawberry.field(
        description='Where it goes: an email address, a phone number, or "user:" and the user\'s global id (a '
                    'StaffMember or Viewer id) for the in-app inbox; null when there was none (NO_CONTACT_INFO).')
    language: str = strawberry.field(description='The language it is sent in, e.g. "en", "es".')
    status: DeliveryStatus = strawberry.field(description="Where it is: being processed, sent, failed, or why it is "
                                                          "not sent.")
    reason: DeliveryReason | None = strawberry.field(
        description="Why it is not sent, or not yet (the same enum as PlannedDelivery.reason); null when it went or "
                    "goes now.")
    detail: str | None = strawberry.field(
        description='What the ledger last noted in words: the provider\'s detail of a failure, "recalled by the '
                    'sender", "resent to failed"; null when nothing was noted.')
    error_code: str | None = strawberry.field(description="The provider's code for a failure; null when it has not failed.")
    provider_message_id: str | None = strawberry.field(
        description="The provider's id of what it accepted (an SMTP Message-ID, a Twilio SID); null until sent, and for "
                    "channels whose provider gives none.")
    attempt_count: int = strawberry.field(description="How many provider calls it took so far (attempts, counted).")
    created_at: dt.datetime = strawberry.field(description="When fan-out wrote it (UTC).")
    updated_at: dt.datetime = strawberry.field(description="When its status last changed (UTC).")
    sent_at: dt.datetime | None = strawberry.field(description="When the provider accepted it (UTC); null until then.")
    not_before: dt.datetime | None = strawberry.field(description=(
        "A deferred or retried delivery waits until then (UTC); null when it waits for nothing."))
    read_at: dt.datetime | None = strawberry.field(
        default=None, description="In-app: when the recipient read it (a read receipt); null while unread.")
    row_id: strawberry.Private[int] = 0

    @strawberry.field(description="Every provider call for it, oldest first (empty until dispatch tries it). A page of "
                                  "deliveries loads its attempts in one statement.")
    async def attempts(self, info: Info) -> list[DeliveryAttempt]:
        return [DeliveryAttempt.of(a) for a in await info.context.loaders.attempts_by_delivery_id.load(self.row_id)]

    @classmethod
    def from_row(cls, row: db.Delivery) -> Delivery:
        return cls(
            id=node_id(Kind.DELIVERY, row.id), channel=Channel(row.channel),
            recipient_kind=db.RecipientKind(row.recipient_kind), recipient_id=recipient_node_id(row.recipient_kind, row.recipient_id),
            student_id=optional_node_id(Kind.STUDENT, row.student_id),
            recipient_name=row.recipient_name, address=shown_address(row.address), language=row.language,
            status=db.DeliveryStatus(row.status), reason=delivery_reason(row.status), detail=row.reason,
            error_code=row.error_code, provider_message_id=row.provider_id, attempt_count=row.attempts,
            created_at=row.created_at, updated_at=row.updated_at, sent_at=row.sent_at, not_before=row.not_before,
            read_at=row.read_at, row_id=row.id,
        )


@strawberry.type(description="A file attached to a message.")
class AttachedFile:
    id: strawberry.ID = strawberry.field(description="The file's id.")
    filename: str = strawberry.field(description="The name it was uploaded with.")
    content_type: str = strawberry.field(description='Its media type, e.g. "application/pdf".')
    size: int = strawberry.field(description="Its size in bytes.")
    download_path: str = strawberry.field(description=(
        "Where to GET it, relative to the API's origin, with the same bearer token (ATT-01)."))

    @classmethod
    def of(cls, message_id: str, stored: MessageAttachment) -> AttachedFile:
        """A stored attachment of the message whose global id is ``message_id``; its download path names
        both by their global ids, as the REST route reads them."""
        file_id = node_id(Kind.FILE, stored.id)
        return cls(id=file_id, filename=stored.filename, content_type=stored.content_type, size=stored.size,
                   download_path=f"/messages/{message_id}/attachments/{file_id}")


@strawberry.type(description="How many deliveries of a message are in one status.")
class DeliveryStatusCount:
    status: DeliveryStatus = strawberry.field(description="The status.")
    count: int = strawberry.field(description="How many deliveries are in it.")


@strawberry.type(description="A recipient's in-app delivery of a message, and whether they have read it.")
class InAppReader:
    delivery_id: strawberry.ID = strawberry.field(description="The in-app delivery (Delivery.id).")
    recipient_kind: RecipientKind = strawberry.field(description="Whether recipientId names a student, a contact or a "
                                                                 "staff user.")
    recipient_id: strawberry.ID = strawberry.field(description="The person it is for, of the kind recipientKind says.")
    recipient_name: str = strawberry.field(description="The recipient's name as it was when the message was sent.")
    user_id: strawberry.ID = strawberry.field(description="The account whose inbox it reached.")
    read: bool = strawberry.field(description="Whether they opened it.")
    read_at: dt.datetime | None = strawberry.field(description="When they opened it (UTC); null while unread.")

    @classmethod
    def from_row(cls, row: db.Delivery) -> InAppReader:
        return cls(delivery_id=node_id(Kind.DELIVERY, row.id), recipient_kind=db.RecipientKind(row.recipient_kind),
                   recipient_id=recipient_node_id(row.recipient_kind, row.recipient_id), recipient_name=row.recipient_name,
                   user_id=node_id(Kind.USER, int(row.address.removeprefix("user:"))),
                   read=row.status == db.DeliveryStatus.READ.value, read_at=row.read_at)
