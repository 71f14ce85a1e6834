"""Recipient resolution: one SQL query turns a stored message's selection into delivery rows.

Every rule of RCP-*, the contact flags of SYS-09/SYS-10, exclusions (RCP-25), inactive people
(MRG-03) and channel opt-outs is an expression in this query; nothing loops over students or
contacts in Python. Fan-out inserts the query's rows; the dry-run plan reads the same query, so
the plan and what is sent cannot disagree.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools

from sqlalchemy import and_, case, cast, func, literal, null, select, true, type_coerce, union_all
from sqlmodel import Session

from domain.recipients.call_window import deferral_for
from domain.recipients.family_pick import FamilyDraw, family_contacts, picked_family_students
from domain.directory.user_settings import DistrictDefault, UserSetting, district_default
from domain.recipients.sources import (  # noqa: F401  (the selection is this module's API)
    _contact_rows,
    _imported_rows,
    _student_rows,
    _user_rows,
    selected_staff,
    selected_students,
    student_contacts,
    teachers_of,
)
from domain.recipients.statement import (  # noqa: F401  (ROW_COLUMNS and SENDABLE are this module's API)
    COPY_SELF_CHANNELS,
    MESSAGE_ID,
    ROW_COLUMNS,
    SENDABLE,
    STUDENT_SOURCES,
    WINDOW_OPENS,
    Shape,
)
from models.db import utcnow
from models.directory import District, School, TranslationLanguageSource, User, UserSchool
from models.messaging import Channel, Delivery, DeliveryStatus as DS, Message, StudentRecipientType as RT
from models.devices import PushSubscription

@dataclasses.dataclass(frozen=True)
class Resolved:
    """A resolution: the subquery of rows (ROW_COLUMNS) and the parameters to run it with."""

    rows: object
    params: dict


#: Which rows a resolution yields (Shape.rows_of).
ALL_ROWS, EXTERNAL_ROWS, IN_APP_ROWS = "all", "external", "in_app"


def sender_shape_and_params(session: Session, message: Message, at: dt.datetime,
                            rows_of: str = ALL_ROWS) -> tuple[Shape, dict]:
    district = session.execute(select(District).limit(1)).scalars().one()
    push_all = district_default(district, UserSetting.PUSH_ALL_MESSAGES)
    email_off = district_default(district, UserSetting.EMAIL_NOTIFICATIONS_OFF)
    # SET-04: without push asked for, push still goes to users who opted in to it for every message
    # (the SELECTs for it are left out when no app user has opted in).
    push_opt_in_only = Channel.PUSH.value not in message.channels and _anyone_pushed_every_message(session, push_all)
    channels = [*message.channels, Channel.PUSH.value] if push_opt_in_only else list(message.channels)
    deferral = deferral_for(district, channels, emergency=bool(message.emergency), at=at)
    school_ids = set(session.execute(
        select(UserSchool.school_id).where(UserSchool.user_id == message.sender_id)).scalars())
    excluded = set(session.execute(
        select(School.id).where(School.exclude_from_communication == true())).scalars())
    shape = Shape(
        recipient_type=RT(message.recipient_type) if message.recipient_type else None,
        # The in-app inbox is every message's channel, whichever the sender chose (INB-08).
        channels=(*(Channel(name) for name in channels), Channel.INAPP),
        emergency=bool(message.emergency),
        any_excluded_school=bool(excluded),
        sender_at_excluded_school=bool(school_ids & excluded),
        sender_has_schools=bool(school_ids),
        hold_timed_channels=deferral is not None,
        copy_self=bool(message.copy_self),
        push_opt_in_only=push_opt_in_only,
        push_all=push_all,
        email_off=email_off,
        email_off_anyone=_anyone_without_email(session, email_off),
        rows_of=rows_of,
        language_source=TranslationLanguageSource(district.translation_language_source),
    )
    params = {"resolve_message_id": message.id, **FamilyDraw.of(message.family_seed).params(),
              "resolve_sender_schools": sorted(school_ids), "resolve_excluded_schools": sorted(excluded),
              "resolve_window_opens": deferral.opens_at if deferral else None}
    return shape, params


def _anyone_pushed_every_message(session: Session, default: DistrictDefault) -> bool:
    """Whether any user with a registered device gets push for every message (SET-04)."""
    if default.enforced and not default.value:
        return False
    opted_in = (true() if default.enforced else
                func.coalesce(User.push_all_messages, literal(default.value)) == literal(True))
    return session.execute(select(PushSubscription.id).join(User, User.id == PushSubscription.user_id)
                           .where(opted_in).limit(1)).first() is not None


def _anyone_without_email(session: Session, default: DistrictDefault) -> bool:
    """Whether any user turned email notifications off (SET-05), through ix_user_email_off."""
    if default.enforced:
        return default.value
    if default.value:  # everyone who never chose is off
        return True
    return session.execute(select(User.id).where(User.email_notifications_off == true()).limit(1)).first() is not None


# --- the whole resolution -------------------------------------------------------------------------

def resolution(session: Session, message: Message, at: dt.datetime | None = None, *,
               rows_of: str = ALL_ROWS) -> Resolved:
    """Every delivery row the message resolves to at ``at`` (default now), as a subquery plus its
    parameters; ``rows_of`` keeps only the external channels' rows or only the in-app ones."""
    shape, params = sender_shape_and_params(session, message, at or utcnow(), rows_of)
    return Resolved(_resolution_for(shape), params)


@functools.lru_cache(maxsize=512)
def _resolution_for(shape: Shape):
    """The resolution statement for one shape; values are bound parameters (see MESSAGE_ID…)."""
    rows = _statuses_for(shape)
    # A deferred row carries the instant the call window opens (SYS-01); typed, so PostgreSQL
    # does not read an all-NULL column as text.
    timestamp = Delivery.__table__.c.not_before.type
    # (type_coerce, not CAST, around the parameter: SQLite's CAST to DATETIME keeps only the year.)
    not_before = (type_coerce(case((rows.c.status == DS.DEFERRED.value, WINDOW_OPENS), else_=null()), timestamp)
                  if shape.hold_timed_channels else cast(null(), timestamp))
    return select(*[rows.c[name] for name in ROW_COLUMNS if name != "not_before"],
                  not_before.label("not_before")).subquery("resolved")


def _statuses_for(shape: Shape):
    """Every candidate row with its final status, without not_before."""
    columns = [name for name in ROW_COLUMNS if name != "not_before"]
    kind = shape.recipient_type
    sources = STUDENT_SOURCES[kind] if kind else ()
    students = selected_students()
    builders = {
        "custodial_contacts": lambda: student_contacts(students, custodial_only=True),
        "all_contacts": lambda: student_contacts(students, custodial_only=False),
        "family_contacts": lambda: family_contacts(picked_family_students(shape, students)),
    }
    contacts = {source: builders[source]() for source in sources if source in builders}  # once per statement
    teachers = teachers_of(students) if "teachers_of" in sources else None
    staff = selected_staff()
    sender_copy = select(Message.sender_id.label("user_id")).where(Message.id == MESSAGE_ID).subquery("sender_copy")
    selects, in_app_selects = [], []
    for channel in shape.channels:
        if channel is Channel.INAPP:
            if shape.rows_of != EXTERNAL_ROWS:
                in_app_selects.extend(_in_app_selects(shape, sources, students, contacts, teachers, staff))
            continue
        if shape.rows_of == IN_APP_ROWS:
            continue
        for source in sources:
            if source == "students":
                selects.append(_student_rows(shape, students, channel, personal_first=False))
            elif source == "students_personal":
                selects.append(_student_rows(shape, students, channel, personal_first=True))
            elif source in contacts:
                selects.append(_contact_rows(shape, contacts[source], channel,
                                             custodial_source=source == "custodial_contacts"))
            elif source == "teachers_of":
                selects.append(_user_rows(shape, teachers, channel))
        selects.append(_user_rows(shape, staff, channel))
        if channel is not Channel.PUSH:  # IMP-07: imported recipients have no app
            selects.append(_imported_rows(shape, channel))
        if shape.copy_self and channel in COPY_SELF_CHANNELS:
            selects.append(_user_rows(shape, sender_copy, channel, original=True))  # TRN-06
    if not selects:  # the in-app rows alone
        return _with_in_app(None, in_app_selects, columns, teachers_picked=teachers is not None)
    candidates = union_all(*selects).subquery("candidates")
    rows = select(*[candidates.c[name] for name in columns])
    if teachers is not None:
        # A teacher picked directly and also scheduled with a selected student is one recipient.
        # (No other two sources can name the same person: contacts and students are per source.)
        deduped = select(*[candidates.c[name] for name in columns], func.row_number().over(
            partition_by=(candidates.c.channel, candidates.c.recipient_kind, candidates.c.recipient_id,
                          candidates.c.address),
            order_by=candidates.c.student_id).label("same_target")).subquery("deduped")
        rows = select(*[deduped.c[name] for name in columns]).where(deduped.c.same_target == 1)
    if kind is not RT.ONCE_PER_FAMILY:
        return _with_in_app(rows, in_app_selects, columns, teachers_picked=teachers is not None)
    # RCP-11: every record is kept, but only the first per address is transmitted.
    rows = rows.subquery("family_rows")
    # Contacts (by student, then contact) come before staff, whatever the database's NULL order.
    first_for_address = func.row_number().over(
        partition_by=(rows.c.channel, func.lower(rows.c.address), rows.c.status),
        order_by=(case((rows.c.student_id.is_(None), 1), else_=0), rows.c.student_id, rows.c.recipient_kind,
                  rows.c.recipient_id))
    ranked = select(*[rows.c[name] for name in columns], first_for_address.label("nth")).subquery("ranked")
    status = case((and_(ranked.c.status.in_(SENDABLE), ranked.c.nth > 1), literal(DS.DUPLICATE.value)),
                  else_=ranked.c.status)
    return _with_in_app(select(*[ranked.c[name] for name in columns if name != "status"], status.label("status")),
                        in_app_selects, columns, teachers_picked=False)


def _in_app_selects(shape: Shape, sources, students, contacts, teachers, staff) -> list:
    """The in-app rows of every source (imported recipients have no account, IMP-07; the sender's
    own copy is their Sent list)."""
    selects = []
    for source in sources:
        if source in ("students", "students_personal"):
            selects.append(_student_rows(shape, students, Channel.INAPP, personal_first=False))
        elif source in contacts:
            selects.append(_contact_rows(shape, contacts[source], Channel.INAPP,
                                         custodial_source=source == "custodial_contacts"))
        elif source == "teachers_of":
            selects.append(_user_rows(shape, teachers, Channel.INAPP))
    selects.append(_user_rows(shape, staff, Channel.INAPP))
    return selects


def _with_in_app(rows, in_app_selects: list, columns: list[str], *, teachers_picked: bool):
    """The other channels' rows plus the in-app rows, one inbox entry per account: the same user
    reached as two contacts (RCP-10), or as a student and a contact, gets the message once, its
    other rows DUPLICATE (ordered as once per family orders them). A teacher picked directly and
    also scheduled with a selected student is one recipient, with one row, as on every channel."""
    if not in_app_selects:
        return rows.subquery("statuses")
    candidates = union_all(*in_app_selects).subquery("in_app_candidates")
    if teachers_picked:
        same_target = func.row_number().over(
            partition_by=(candidates.c.recipient_kind, candidates.c.recipient_id, candidates.c.address),
            order_by=candidates.c.student_id).label("same_target")
        deduped = select(*[candidates.c[name] for name in columns], same_target).subquery("in_app_deduped")
        candidates = (select(*[deduped.c[name] for name in columns]).where(deduped.c.same_target == 1)
                      .subquery("in_app_targets"))
    first_for_account = func.row_number().over(
        partition_by=(candidates.c.address, candidates.c.status),
        order_by=(case((candidates.c.student_id.is_(None), 1), else_=0), candidates.c.student_id,
                  candidates.c.recipient_kind, candidates.c.recipient_id))
    ranked = select(*[candidates.c[name] for name in columns], first_for_account.label("nth")).subquery("in_app")
    status = case((and_(ranked.c.status == DS.DELIVERED.value, ranked.c.nth > 1), literal(DS.DUPLICATE.value)),
                  else_=ranked.c.status)
    in_app = select(*[ranked.c[name] for name in columns if name != "status"],
                    status.label("status")).subquery("in_app_rows")
    if rows is None:
        return select(*[in_app.c[name] for name in columns]).subquery("statuses")
    others = rows.subquery("other_channels")
    return union_all(select(*[others.c[name] for name in columns]),
                     select(*[in_app.c[name] for name in columns])).subquery("statuses")
