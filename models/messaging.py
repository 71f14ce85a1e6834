"""Messages, their recipient selection, and the delivery ledger."""

from __future__ import annotations

import datetime as dt
import enum
import secrets

from sqlalchemy import JSON, Index, String, Text, text
from sqlmodel import Field, SQLModel

from models.db import utcnow


class Channel(str, enum.Enum):
    EMAIL = "EMAIL"
    SMS = "SMS"
    VOICE = "VOICE"
    PUSH = "PUSH"
    # The recipient's in-app inbox: written DELIVERED at fan-out to every recipient with an
    # account, whatever the other channels do, and READ once opened (INB-*, PERM-59).
    INAPP = "INAPP"


class StudentRecipientType(str, enum.Enum):
    """RCP-01. This slice resolves STUDENTS and PRIMARY_CONTACTS; the rest arrive with the
    recipients issue and are rejected until then."""

    STUDENTS = "STUDENTS"
    STUDENT_PERSONAL = "STUDENT_PERSONAL"
    PRIMARY_CONTACTS = "PRIMARY_CONTACTS"
    ALL_CONTACTS = "ALL_CONTACTS"
    ONCE_PER_FAMILY = "ONCE_PER_FAMILY"
    TEACHERS_OF = "TEACHERS_OF"
    STUDENTS_AND_ALL_CONTACTS = "STUDENTS_AND_ALL_CONTACTS"
    STUDENTS_AND_PRIMARY_CONTACTS = "STUDENTS_AND_PRIMARY_CONTACTS"


#: Once-per-family seeds are below this prime, the modulus of the draw (domain/recipients/family_pick.py); a seed
#: fits the Integer column and GraphQL's Int.
FAMILY_SEED_LIMIT = 2_147_483_647


def new_family_seed() -> int:
    """A fresh random once-per-family seed (RCP-09)."""
    return secrets.randbelow(FAMILY_SEED_LIMIT)


class MessageStatus(str, enum.Enum):
    DRAFT = "DRAFT"  # saved while composing; nothing is resolved or sent (CMP-28)
    SCHEDULED = "SCHEDULED"  # waits for its schedule (SCH-*); a queue run sends it
    ERRORED = "ERRORED"  # a scheduled send failed all its day; needs an edit (SCH-13)
    QUEUED = "QUEUED"  # stored, fan-out not yet done
    SENDING = "SENDING"  # deliveries written, some not yet final
    COMPLETED = "COMPLETED"  # every delivery reached a final status (or a schedule has no more)
    CANCELLED = "CANCELLED"  # recalled: nothing more is sent


class DeliveryStatus(str, enum.Enum):
    """One vocabulary for every channel (DESIGN "The delivery ledger")."""

    PLANNED = "PLANNED"
    DEFERRED = "DEFERRED"
    QUEUED = "QUEUED"
    SENDING = "SENDING"
    SENT = "SENT"
    DELIVERED = "DELIVERED"
    READ = "READ"  # an in-app delivery its recipient opened (read receipts; INB-05, INB-06)
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    DUPLICATE = "DUPLICATE"
    NO_CONTACT_INFO = "NO_CONTACT_INFO"
    # Three reasons an administrator acts on differently (issue 13 point 22): the address itself
    # opted out through a channel (STOP, an unsubscribe link, a hard bounce), the card's Opt Out of
    # Email Notifications toggle that such a link sets (SYS-10), or the user turned email
    # notifications off (SET-05); the contact card's Unsubscribe flag (SYS-09); the card's phone
    # takes no SMS (SYS-09, SMS-02).
    OPTED_OUT = "OPTED_OUT"
    UNSUBSCRIBED = "UNSUBSCRIBED"
    NO_SMS = "NO_SMS"
    BLOCKED = "BLOCKED"
    NO_CALLOUT = "NO_CALLOUT"
    EXCLUDED_SCHOOL = "EXCLUDED_SCHOOL"
    INACTIVE = "INACTIVE"


#: Statuses a dispatch may still change; everything else is final.
OPEN_DELIVERY_STATUSES = (
    DeliveryStatus.PLANNED,
    DeliveryStatus.DEFERRED,
    DeliveryStatus.QUEUED,
    DeliveryStatus.SENDING,
)


#: The reasons resolution gives a delivery that is never transmitted (RPT-02), written with it at fan-out.
NOT_SENT_DELIVERY_STATUSES = (
    DeliveryStatus.DUPLICATE,
    DeliveryStatus.NO_CONTACT_INFO,
    DeliveryStatus.OPTED_OUT,
    DeliveryStatus.UNSUBSCRIBED,
    DeliveryStatus.NO_SMS,
    DeliveryStatus.BLOCKED,
    DeliveryStatus.NO_CALLOUT,
    DeliveryStatus.EXCLUDED_SCHOOL,
    DeliveryStatus.INACTIVE,
)


class RecipientKind(str, enum.Enum):
    STUDENT = "STUDENT"
    CONTACT = "CONTACT"
    USER = "USER"
    IMPORTED = "IMPORTED"  # a CSV-imported external recipient (IMP-*)


class Message(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    sender_id: int = Field(foreign_key="app_user.id", index=True)
    subject: str = Field(max_length=200)
    html_body: str = Field(sa_type=Text)
    text_body: str = Field(sa_type=Text)
    recipient_type: StudentRecipientType | None = Field(default=None, sa_type=String(40))
    channels: list[str] = Field(default_factory=list, sa_type=JSON)
    priority: bool = Field(default=False)
    emergency: bool = Field(default=False)
    send_as_district: bool = Field(default=False)
    send_as_school_id: int | None = Field(default=None, foreign_key="school.id")
    # Email options (CMP-05, CMP-12, CMP-22..CMP-24).
    secure: bool = Field(default=False)
    copy_self: bool = Field(default=False)
    cc: list[str] = Field(default_factory=list, sa_type=JSON)
    cc_first_only: bool = Field(default=False)
    include_signature: bool = Field(default=False)
    # CMP-18/CMP-19: recipients may answer; forced off when sent as district or school (CMP-16).
    allow_reply: bool = Field(default=False)
    # INB-11: the subject or body contains one of the district's flagged words.
    flagged: bool = Field(default=False)
    # SMS-04: the SMS as composed, within the district's limit; None sends "subject: body", cut.
    sms_text: str | None = Field(default=None, sa_type=Text)
    # VOI-06: the text-to-speech text as composed, within the call-minute limit; None reads the message.
    call_text: str | None = Field(default=None, sa_type=Text)
    # VOI-03: the number calls show; picked when the message is composed (CID-*).
    caller_id_id: int | None = Field(default=None, foreign_key="caller_id.id")
    # RCP-09: the seed of the once-per-family pick, drawn at random when the message is created (or
    # taken from the plan the sender saw), so a re-run resolves the same way (domain/recipients/family_pick.py).
    family_seed: int = Field(default_factory=new_family_seed)
    status: MessageStatus = Field(default=MessageStatus.QUEUED, sa_type=String(16))
    created_at: dt.datetime = Field(default_factory=utcnow)
    fanned_out_at: dt.datetime | None = None
    # When its in-app rows were written and filed in threads: by the hand-on job once dispatch has
    # its chunks, so the inbox never delays an email or a call (issue 15); it completes only then.
    in_app_filed_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    # Deliveries that may still change (OPEN_DELIVERY_STATUSES): set by fan-out, lowered as
    # deliveries settle, COMPLETED at zero; the queue run recounts it from the ledger.
    open_deliveries: int = Field(default=0)
    # An occurrence of a recurring scheduled message points at the scheduled message it copies.
    scheduled_from_id: int | None = Field(default=None, foreign_key="message.id", index=True)
    # A follow-up or reply posted from a thread (INB-14, CMP-21): its recipient may always answer.
    thread_id: int | None = Field(default=None, foreign_key="thread.id")
    # SET-08: an out-of-office answer; never answered automatically itself.
    auto_reply: bool = Field(default=False)
    # Drafts (DRF-*): when last saved, and the title an assignment note gave it (DRF-04).
    saved_at: dt.datetime | None = None
    draft_title: str | None = Field(default=None, max_length=200)
    # Letters (CMP-03, CMP-04, CMP-10): the letterhead it prints under, whether sending and printing
    # write the letter log, and the academic record category (docmgmt) the log files it under.
    letterhead_id: int | None = Field(default=None, foreign_key="letterhead.id")
    add_log_record: bool = Field(default=False)
    academic_record_category: str | None = Field(default=None, max_length=100)
    # CMP-33: the school year the sender's session worked in when a new message was sent or
    # scheduled; its marking-period insert fields resolve against it. Unset on recurring occurrences
    # (they use the period current at dispatch) and on messages stored before it was recorded.
    school_year_id: int | None = Field(default=None, foreign_key="school_year.id")


class MessageStudent(SQLModel, table=True):
    """The students selected on a message."""

    __tablename__ = "message_student"

    message_id: int = Field(foreign_key="message.id", primary_key=True)
    student_id: int = Field(foreign_key="student.id", primary_key=True)


class MessageStaff(SQLModel, table=True):
    """The staff users selected on a message."""

    __tablename__ = "message_staff"

    message_id: int = Field(foreign_key="message.id", primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", primary_key=True)


class MessageStudentGroup(SQLModel, table=True):
    """Student groups selected on a message; members are resolved at fan-out (RCP-19, RCP-27)."""

    __tablename__ = "message_student_group"

    message_id: int = Field(foreign_key="message.id", primary_key=True)
    group_id: int = Field(foreign_key="student_group.id", primary_key=True)


class MessageUserGroup(SQLModel, table=True):
    """User groups selected on a message; members are resolved at fan-out (RCP-21, RCP-27)."""

    __tablename__ = "message_user_group"

    message_id: int = Field(foreign_key="message.id", primary_key=True)
    group_id: int = Field(foreign_key="user_group.id", primary_key=True)


class ImportedRecipient(SQLModel, table=True):
    """An external recipient imported from CSV onto a message being composed (IMP-01). Reached only
    through the file's email and phone; no in-app inbox (IMP-07)."""

    __tablename__ = "imported_recipient"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    name: str = Field(max_length=220)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    source_row: int
    created_at: dt.datetime = Field(default_factory=utcnow)


class ChannelOptOut(SQLModel, table=True):
    """An address that asked a channel to stop (an SMS STOP, an unsubscribe link, a bounce).
    Resolution and dispatch both honour it, whenever it arrives."""

    __tablename__ = "channel_opt_out"

    channel: Channel = Field(sa_type=String(8), primary_key=True)
    address: str = Field(max_length=254, primary_key=True)
    source: str = Field(default="", max_length=60)
    created_at: dt.datetime = Field(default_factory=utcnow)


#: Percent of each ledger page filled by fan-out; the rest takes dispatch's HOT updates.
LEDGER_FILLFACTOR = 70


PHONE_CHANNELS_SQL = text("channel IN ('SMS', 'VOICE')")
INAPP_CHANNEL_SQL = text("channel = 'INAPP'")


class Delivery(SQLModel, table=True):
    """One row per (message, recipient, channel, address): the ledger every report reads."""

    # The ledger is written in bulk (100k rows per message), so it carries only the indexes its
    # readers need. No index names ``status``: each delivery's status changes twice in dispatch
    # (QUEUED → SENDING → SENT), and an update that touches no indexed column is a heap-only
    # (HOT) update that writes no index entries at all; the pages keep 30% free (fillfactor 70)
    # so the new versions fit beside the old. Readers that filter by status go through the
    # message (ix_delivery_message), the queue run through the messages still sending.
    # The key to message is checked once per statement on PostgreSQL (models/statement_keys.py);
    # student_id is a plain reference: students are never hard-deleted.
    __table_args__ = (
        Index("ix_delivery_message", "message_id"),
        # A recipient's conversations (RCP-26) and inbox read the ledger by recipient.
        Index("ix_delivery_recipient", "recipient_id", "recipient_kind", "message_id"),
        # An SMS or call answered from a phone finds the latest delivery to that number (two-way SMS).
        Index("ix_delivery_phone_address", "address", "id", postgresql_where=PHONE_CHANNELS_SQL,
              sqlite_where=PHONE_CHANNELS_SQL),
        # A user's inbox and threads find the in-app rows addressed to them (``user:<id>``).
        Index("ix_delivery_inapp_address", "address", "message_id", postgresql_where=INAPP_CHANNEL_SQL,
              sqlite_where=INAPP_CHANNEL_SQL),
        {"postgresql_with": {"fillfactor": LEDGER_FILLFACTOR}},
    )

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id")
    channel: Channel = Field(sa_type=String(8))
    recipient_kind: RecipientKind = Field(sa_type=String(8))
    recipient_id: int
    student_id: int | None = Field(default=None)
    recipient_name: str = Field(max_length=220)
    address: str = Field(default="", max_length=254)
    language: str = Field(default="en", max_length=16)
    status: DeliveryStatus = Field(sa_type=String(16))
    reason: str | None = Field(default=None, max_length=200)
    provider_id: str | None = Field(default=None, max_length=200)
    error_code: str | None = Field(default=None, max_length=60)
    attempts: int = Field(default=0)
    not_before: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    sent_at: dt.datetime | None = None
    # In-app rows: when the recipient opened it (a read receipt); None again when marked unread.
    read_at: dt.datetime | None = None


class DeliveryAttempt(SQLModel, table=True):
    """One provider call for one delivery."""

    __tablename__ = "delivery_attempt"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="delivery.id", index=True)
    plugin: str = Field(max_length=60)
    outcome: str = Field(max_length=16)
    provider_id: str | None = Field(default=None, max_length=200)
    code: str | None = Field(default=None, max_length=60)
    detail: str | None = Field(default=None, max_length=500)
    started_at: dt.datetime = Field(default_factory=utcnow)
    finished_at: dt.datetime = Field(default_factory=utcnow)
