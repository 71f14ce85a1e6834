"""The marking-period insert fields (CMP-33): the school year and marking period a message speaks
of, resolved when each delivery is dispatched or each letter printed.

Which period: ``marking_periods_at_dispatch`` decides, for a whole batch of messages in two
statements: a one-time message resolves against the school year its sender's sign-in worked in
when it was sent (``Message.school_year_id``, recorded by domain.directory.school_years for
SYS-08), a recurring message's occurrence against the period current on the day it is
dispatched (the district's date).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from domain.content.insert_fields.registry import (
    InsertField, InsertFieldCategory as Category, InsertFieldSource, Subject,
)
from models.directory import District, MarkingPeriod, SchoolYear
from models.messaging import Message
from models.scheduling import MessageSchedule


@dataclasses.dataclass(frozen=True)
class MarkingPeriodAtDispatch:
    """What a message's marking-period insert fields say when it is dispatched: its school year and
    that year's period for the dispatch date (None when the year has no periods)."""

    school_year_id: int
    school_year_name: str
    period: MarkingPeriod | None


def marking_periods_at_dispatch(session: Session, message_ids: Iterable[int],
                                dispatch_date: dt.date) -> dict[int, MarkingPeriodAtDispatch]:
    """CMP-33 for many messages at once (two statements): a one-time message resolves against the
    school year recorded on it at send, a recurring message (an occurrence, or its scheduled
    template) against the district's current year, as does a message that recorded none (one
    stored by a path without a sign-in: an alert, an announcement, a reply, or before years were
    recorded); in that year, the period containing ``dispatch_date`` (the district's date), else
    the latest that began before it (the last once the year has ended; the one just over in a
    break), else the first (the year has not begun). Ids that name no message are left out, and so
    is every message when the year it needs is missing (a district without a current year)."""
    ids = sorted(set(message_ids))
    if not ids:
        return {}
    messages = session.execute(
        select(Message.id, Message.school_year_id, Message.scheduled_from_id, MessageSchedule.recurrence)
        .outerjoin(MessageSchedule, MessageSchedule.message_id == Message.id).where(Message.id.in_(ids))).all()
    wanted = {row.school_year_id for row in messages if row.school_year_id is not None}
    rows = session.execute(
        select(SchoolYear, MarkingPeriod).outerjoin(MarkingPeriod, MarkingPeriod.school_year_id == SchoolYear.id)
        .where((SchoolYear.is_current.is_(True) & (SchoolYear.district_id == _deployment_district()))
               | SchoolYear.id.in_(wanted))
        .order_by(SchoolYear.id, MarkingPeriod.start_date, MarkingPeriod.id)).all()
    years: dict[int, SchoolYear] = {}
    periods: dict[int, list[MarkingPeriod]] = {}
    for year, period in rows:
        years[year.id] = year
        periods.setdefault(year.id, [])
        if period is not None:
            periods[year.id].append(period)
    current = min((year.id for year in years.values() if year.is_current), default=None)
    answers = {}
    for row in messages:
        recurring = row.scheduled_from_id is not None or (row.recurrence not in (None, "NONE"))
        year_id = current if recurring or row.school_year_id is None else row.school_year_id
        if year_id is None or year_id not in years:
            continue
        answers[row.id] = MarkingPeriodAtDispatch(year_id, years[year_id].name,
                                                  period_on(periods[year_id], dispatch_date))
    return answers


def period_on(periods: list[MarkingPeriod], day: dt.date) -> MarkingPeriod | None:
    """Of one year's periods (by start date), the one containing ``day``, else the latest that
    began before it, else the first."""
    containing = [period for period in periods if period.start_date <= day <= period.end_date]
    if containing:
        return containing[-1]
    begun = [period for period in periods if period.start_date <= day]
    if begun:
        return begun[-1]
    return periods[0] if periods else None


def _spelled(day: dt.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def _deployment_district():
    """The district a deployment serves, as domain.access.viewer.load_viewer finds it (the first)."""
    return select(District.id).order_by(District.id).limit(1).scalar_subquery()


def _district_today(session: Session) -> dt.date:
    zone = session.execute(select(District.time_zone).order_by(District.id).limit(1)).scalar_one_or_none()
    return dt.datetime.now(ZoneInfo(zone or "UTC")).date()


def _period_values(session: Session, subjects: Collection[Subject]) -> dict[Subject, dict[str, str]]:
    answers = marking_periods_at_dispatch(session, {subject.message_id for subject in subjects},
                                          _district_today(session))
    values = {}
    for subject in subjects:
        answer = answers.get(subject.message_id)
        if answer is None:
            continue
        period = answer.period
        values[subject] = {
            "marking_period.school_year": answer.school_year_name,
            "marking_period.name": period.name if period else "",
            "marking_period.start_date": _spelled(period.start_date) if period else "",
            "marking_period.end_date": _spelled(period.end_date) if period else "",
        }
    return values


MARKING_PERIOD = InsertFieldSource(Category.MARKING_PERIOD, (
    InsertField("marking_period.name", "The marking period the message speaks of: for a one-time message, the "
                                       "period of the school year the sender worked in when sending, current on "
                                       "the day it goes out; for a recurring one, the period current that day.",
                "Quarter 2"),
    InsertField("marking_period.start_date", "The first day of that marking period.", "November 2, 2026"),
    InsertField("marking_period.end_date", "The last day of that marking period.", "January 22, 2027"),
    InsertField("marking_period.school_year", "The school year of that marking period.", "2026-2027"),
), _period_values, reads_user_id=False)
