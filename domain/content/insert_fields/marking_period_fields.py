"""The marking-period insert fields (CMP-33): the school year and marking period a message speaks
of, resolved when each delivery is dispatched or each letter printed.

Which period: ``domain.directory.school_years.marking_periods_at_dispatch`` decides, for a whole
batch of messages in two statements: a one-time message resolves against the school year its
sender's sign-in worked in when it was sent, a recurring message's occurrence against the
period current on the day it is dispatched (the district's date).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from domain.content.insert_fields.registry import (
    InsertField, InsertFieldCategory as Category, InsertFieldSource, Subject,
)
from domain.directory.school_years import marking_periods_at_dispatch
from models.directory import District


def _spelled(day: dt.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def _district_today(session: Session) -> dt.date:
    zone = session.execute(select(District.time_zone).limit(1)).scalar_one_or_none()
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
