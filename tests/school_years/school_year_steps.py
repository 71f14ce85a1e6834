"""What the school-year tests share: the documents, the seeded years, a later year with marking
periods (added and removed again, so other tests see the seeded district), and sign-ins."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt

from sqlalchemy import delete, func, insert, select, update

from helpers import gid, gql
from homeroom.auth import mint_token
from homeroom.settings import get_settings
from models.db import session_scope
from models.directory import MarkingPeriod, SchoolYear, User
from models.messaging import Delivery, Message
from models.scheduling import MessageSchedule
from models.sign_in import SignInSession

YEARS = """{ schoolYears { id name isCurrent isSelected isPrior } viewer { schoolYear { id name isSelected } } }"""

SELECT = """mutation($id: ID!) { selectSchoolYear(id: $id) { __typename
  ... on SchoolYearSelected { schoolYear { id name isCurrent isSelected isPrior } }
  ... on SelectSchoolYearErrors { errors { field path code message } } } }"""

SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename
  ... on SendMessageSuccess { message { id status } recipientCount }
  ... on SendMessageErrors { errors { field path code message } } } }"""

SEND_DRAFT = """mutation($id: ID!) { sendDraft(id: $id) { __typename
  ... on SendMessageSuccess { message { id status } }
  ... on SendDraftErrors { errors { field path code message } } } }"""

SCHEDULE_DRAFT = """mutation($id: ID!, $schedule: ScheduleInput!) { scheduleDraft(id: $id, schedule: $schedule) {
  __typename ... on ScheduleMessageSuccess { message { id status } }
  ... on ScheduleDraftErrors { errors { field path code message } } } }"""


@dataclasses.dataclass(frozen=True)
class Years:
    """The seeded prior and current years and the later year the tests add, by id."""

    prior: int
    current: int
    later: int

    def gid(self, name: str) -> str:
        return gid("SchoolYear", getattr(self, name))


#: A year's quarters (name, first day, last day), each day as (years after the start year, month,
#: day); breaks lie between Q2 and Q3 and between Q3 and Q4.
QUARTERS = (("Q1", (0, 8, 15), (0, 10, 31)), ("Q2", (0, 11, 3), (1, 1, 23)), ("Q3", (1, 1, 26), (1, 3, 27)),
            ("Q4", (1, 4, 6), (1, 6, 10)))


def day(year: SchoolYear | int, offset: int, month: int, day_of_month: int) -> dt.date:
    """A day of a school year starting in ``year`` (a row, or its first calendar year)."""
    start = year if isinstance(year, int) else year.start_date.year
    return dt.date(start + offset, month, day_of_month)


def quarters(year: SchoolYear) -> list[dict]:
    return [{"school_year_id": year.id, "name": name, "start_date": day(year, *first), "end_date": day(year, *last)}
            for name, first, last in QUARTERS]


@contextlib.contextmanager
def years_with_periods(engine):
    """The seeded years plus a later one (2027-2028), each with quarters; afterwards the later year
    and every period go again, messages that recorded the later year forget it, and the sign-ins
    that selected it end."""
    with session_scope(engine) as session:
        rows = session.execute(select(SchoolYear).order_by(SchoolYear.start_date)).scalars().all()
        current = next(year for year in rows if year.is_current)
        prior = next(year for year in rows if year.end_date < current.start_date)
        later = SchoolYear(district_id=current.district_id, name="2027-2028",
                           start_date=dt.date(current.start_date.year + 1, 8, 15),
                           end_date=dt.date(current.start_date.year + 2, 6, 10))
        session.add(later)
        session.flush()
        session.execute(insert(MarkingPeriod), [period for year in (prior, current, later) for period in quarters(year)])
        years = Years(prior.id, current.id, later.id)
    try:
        yield years
    finally:
        with session_scope(engine) as session:
            session.execute(update(Message).where(Message.school_year_id == years.later).values(school_year_id=None))
            session.execute(delete(SignInSession).where(SignInSession.school_year_id == years.later))
            session.execute(delete(MarkingPeriod))
            session.execute(delete(SchoolYear).where(SchoolYear.id == years.later))


def sign_in(engine, login: str) -> str:
    """A new sign-in of the user: a Homeroom token with a sid of its own."""
    with session_scope(engine) as session:
        user_id = session.execute(select(User.id).where(User.login == login)).scalar_one()
    return mint_token(get_settings(), user_id=user_id, login=login)


def select_year(client, token: str, year_gid: str) -> dict:
    """selectSchoolYear; asserts it succeeded and returns the year."""
    body = gql(client, SELECT, {"id": year_gid}, token)
    assert body["data"]["selectSchoolYear"]["__typename"] == "SchoolYearSelected", body
    return body["data"]["selectSchoolYear"]["schoolYear"]


def working_year(client, token: str) -> str | None:
    """The name of the year the token's session works in (viewer.schoolYear)."""
    body = gql(client, YEARS, token=token)
    assert "errors" not in body, body
    return body["data"]["viewer"]["schoolYear"]["name"]


def recorded_year(engine, message_gid: str) -> int | None:
    from helpers import pk_of

    with session_scope(engine) as session:
        return session.execute(select(Message.school_year_id).where(Message.id == pk_of(message_gid))).scalar_one()


def written(engine) -> dict[str, int]:
    """What a refused send or schedule must leave unchanged: messages, schedules, deliveries, and
    the newest message id."""
    with session_scope(engine) as session:
        counts = {table.__tablename__: session.execute(select(func.count()).select_from(table)).scalar_one()
                  for table in (Message, MessageSchedule, Delivery)}
        counts["max_message_id"] = session.execute(select(func.max(Message.id))).scalar_one() or 0
    return counts
