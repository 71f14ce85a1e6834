"""The pieces recipient resolution is built from: its bound parameters and shape, and the rules as
SQL expressions (statuses, exclusions, opt-outs, contact flags, the linked-user fallback). The
selection and one SELECT per source and channel are in domain.recipients.sources; once per family
has its own module (domain.recipients.family_pick). domain.recipients.resolution puts them together
into the one resolution statement.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import (
    Integer,
    bindparam,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    null,
    select,
    String,
    true,
)

from domain.recipients.call_window import TIMED_CHANNELS
from domain.directory.user_settings import DistrictDefault, UserSetting, effective_sql
from domain.access.permissions import Perm
from models.directory import (
    AccountStatus,
    TranslationLanguageSource,
    ProfileGrant,
    UserProfile,
    UserSchool,
)
from models.messaging import (
    Channel,
    ChannelOptOut,
    Delivery,
    DeliveryStatus as DS,
    RecipientKind,
    StudentRecipientType as RT,
)
from models.devices import PushSubscription

ACTIVE = AccountStatus.ACTIVE.value

# Values vary per message; the statement's shape does not, so it is built and compiled once per shape.
MESSAGE_ID = bindparam("resolve_message_id", type_=Integer)
SENDER_SCHOOLS = bindparam("resolve_sender_schools", expanding=True, type_=Integer)
EXCLUDED_SCHOOLS = bindparam("resolve_excluded_schools", expanding=True, type_=Integer)
WINDOW_OPENS = bindparam("resolve_window_opens", type_=Delivery.__table__.c.not_before.type)
ROW_COLUMNS = ("channel", "recipient_kind", "recipient_id", "student_id", "recipient_name", "address",
               "language", "status", "not_before")
#: CMP-12: a copy to the sender goes on these channels when the message has them (never push).
COPY_SELF_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.VOICE)
#: Statuses of rows that will be transmitted: now, or when the call window opens.
SENDABLE = (DS.QUEUED.value, DS.DEFERRED.value)

#: Which sources each student recipient type draws on (RCP-03…RCP-14).
STUDENT_SOURCES: dict[RT, tuple[str, ...]] = {
    RT.STUDENTS: ("students",),
    RT.STUDENT_PERSONAL: ("students_personal",),
    RT.PRIMARY_CONTACTS: ("custodial_contacts",),
    RT.ALL_CONTACTS: ("all_contacts",),
    RT.ONCE_PER_FAMILY: ("family_contacts",),
    RT.TEACHERS_OF: ("teachers_of",),
    RT.STUDENTS_AND_ALL_CONTACTS: ("students", "all_contacts"),
    RT.STUDENTS_AND_PRIMARY_CONTACTS: ("students", "custodial_contacts"),
}


@dataclasses.dataclass(frozen=True)
class Shape:
    """What changes the SQL of a resolution (values travel as bound parameters)."""

    recipient_type: RT | None
    channels: tuple[Channel, ...]
    emergency: bool
    any_excluded_school: bool
    sender_at_excluded_school: bool
    sender_has_schools: bool
    # SYS-01: resolved outside the call window, not an emergency: SMS, calls and push wait.
    hold_timed_channels: bool = False
    # CMP-12: the sender gets one copy on each of the message's email, SMS and call channels.
    copy_self: bool = False
    # SET-04: push rows for a message that did not ask for push, to users who opted in to push for
    # every message (the district's default and enforcement decide for users who never chose).
    push_opt_in_only: bool = False
    push_all: DistrictDefault = DistrictDefault()
    # SET-05: users who turned email notifications off get no email rows sent (OPTED_OUT); the
    # conditions are left out when nobody has.
    email_off: DistrictDefault = DistrictDefault()
    email_off_anyone: bool = False
    # Which rows: "all" (the plan), "external" (what fan-out writes in the request: every channel
    # but the inbox), "in_app" (what the hand-on job files once dispatch has its chunks).
    rows_of: str = "all"
    # TRN-01: which language each recipient's copy is in (domain.translations.recipient_language).
    language_source: TranslationLanguageSource = TranslationLanguageSource.DISPLAY_LANGUAGE


# --- building blocks ------------------------------------------------------------------------------

def _blank_to_null(column):
    return func.nullif(func.trim(column), "")


def _full_name(table):
    return table.first_name + literal(" ") + table.last_name


def _status(shape: Shape, channel: Channel, *whens):
    """First matching reason wins (a None condition is no reason); otherwise the delivery is queued for sending, or deferred to the
    call window's opening (SYS-01)."""
    if channel is Channel.INAPP:  # the row is the inbox entry itself: delivered when written
        sendable = DS.DELIVERED
    else:
        sendable = DS.DEFERRED if shape.hold_timed_channels and channel in TIMED_CHANNELS else DS.QUEUED
    return case(*[(condition, literal(status.value)) for condition, status in whens if condition is not None],
                else_=literal(sendable.value))


def _opted_out(shape: Shape, channel: Channel, address):
    """An address that opted out through the channel itself (SMS STOP, one-click unsubscribe).
    An SMS STOP binds non-emergency SMS only: an emergency SMS is still attempted (SMS-03)."""
    if (shape.emergency and channel is Channel.SMS) or channel is Channel.INAPP:  # nobody opts out of the inbox
        return None
    return exists(select(ChannelOptOut.address).where(
        ChannelOptOut.channel == channel.value, ChannelOptOut.address == func.lower(address)))


def _uses_app(shape: Shape, user):
    """CMP-08: push reaches users who use the app (a registered push subscription); SET-04: when
    the message did not ask for push, only those who opted in to push for every message."""
    condition = exists(select(PushSubscription.id).where(PushSubscription.user_id == user.id))
    if shape.push_opt_in_only:
        condition = and_(condition, effective_sql(UserSetting.PUSH_ALL_MESSAGES, user, shape.push_all))
    return condition


def _push_address(shape: Shape, user):
    """``user:<id>`` for a user push reaches, else NULL: push rows exist only for those."""
    return case((and_(user.id.is_not(None), _uses_app(shape, user)), literal("user:") + cast(user.id, String)),
                else_=null())


def receives_in_app(user):
    """PERM-59: an account's in-app inbox receives messages when one of its profiles grants
    Communication (View is enough)."""
    return exists(select(UserProfile.user_id)
                  .join(ProfileGrant, ProfileGrant.profile_id == UserProfile.profile_id)
                  .where(UserProfile.user_id == user.id, ProfileGrant.permission == Perm.COMMUNICATION.value))


def in_app_address(user_id):
    """The address of an in-app row: ``user:<id>`` of the account whose inbox it is (NULL: none)."""
    return case((user_id.is_not(None), literal("user:") + cast(user_id, String)), else_=null())


def _in_app_account(user):
    """``user:<id>`` for an account whose inbox receives messages, else NULL (INB-08: whatever
    its email or phone)."""
    return case((and_(user.id.is_not(None), receives_in_app(user)), literal("user:") + cast(user.id, String)),
                else_=null())


def _email_off(shape: Shape, user):
    """SET-05: the user turned email notifications off (or the district enforces it)."""
    return effective_sql(UserSetting.EMAIL_NOTIFICATIONS_OFF, user, shape.email_off)


def _email_off_reason(shape: Shape, channel: Channel, condition):
    """The OPTED_OUT condition of SET-05 for an email row, or None (no reason) when nobody is off."""
    return condition() if channel is Channel.EMAIL and shape.email_off_anyone else None


def _only_reachable_push(query, channel: Channel, address):
    """Push and in-app rows exist only for someone with an app account (no NO_CONTACT_INFO rows)."""
    return query.where(address.is_not(None)) if channel in (Channel.PUSH, Channel.INAPP) else query


def student_excluded(shape: Shape, school_column):
    """RCP-25: a student of an excluded school is out of reach for senders outside that school;
    a sender at an excluded school reaches only students of their own schools."""
    if not shape.any_excluded_school:
        return false()
    outside = school_column.not_in(SENDER_SCHOOLS) if shape.sender_has_schools else true()
    reason = true() if shape.sender_at_excluded_school else school_column.in_(EXCLUDED_SCHOOLS)
    return and_(outside, reason)


def _user_excluded(shape: Shape, user_id_column):
    if not shape.any_excluded_school:
        return false()
    shares = (exists(select(UserSchool.user_id).where(
        UserSchool.user_id == user_id_column, UserSchool.school_id.in_(SENDER_SCHOOLS)))
        if shape.sender_has_schools else false())
    reason = true() if shape.sender_at_excluded_school else exists(select(UserSchool.user_id).where(
        UserSchool.user_id == user_id_column, UserSchool.school_id.in_(EXCLUDED_SCHOOLS)))
    return and_(~shares, reason)


#: Typed, so a union of user rows only still has an integer student_id (PostgreSQL would say text).
_NO_STUDENT = cast(null(), Integer)


def _row(channel: Channel, kind: RecipientKind, recipient_id, student_id, name, address, language, status):
    return (
        literal(channel.value).label("channel"), literal(kind.value).label("recipient_kind"),
        recipient_id.label("recipient_id"), student_id.label("student_id"), name.label("recipient_name"),
        func.coalesce(address, "").label("address"), language.label("language"), status.label("status"),
    )
