"""SYS-08: sending or scheduling a new message is refused while the caller's session works in a
prior school year (one that ended before the current year began); the current or a later year
sends normally, and the message records the session's year (CMP-33)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from domain.access.viewer import load_viewer
from domain.directory.school_years import PRIOR_SCHOOL_YEAR, is_prior
from helpers import gql, make_user, pk_of
from models.db import session_scope
from models.directory import Role, SchoolYear, User
from models.messaging import Message
from school_year_steps import SCHEDULE_DRAFT, SEND, SEND_DRAFT, recorded_year, select_year, written
from shared_steps import SCHEDULE, draft, family, message_input, schedule_in

REFUSAL = [{"field": "", "path": [], "code": PRIOR_SCHOOL_YEAR, "message": (
    "You are working in the 2025-2026 school year, which has ended: new messages cannot be sent or scheduled "
    "from a prior year. Select the current school year (selectSchoolYear) first.")}]


def test_sys_08_send_and_schedule_are_refused_in_a_prior_year_and_write_nothing(client, engine, years):
    """Covers SYS-08: with the session set to the prior year, sendMessage and scheduleMessage answer
    PRIOR_SCHOOL_YEAR with its message, and no message, schedule or delivery is written."""
    token, kid = make_user(engine, Role.ADMIN), family(engine)
    assert select_year(client, token, years.gid("prior"))["isPrior"] is True
    before = written(engine)
    sent = gql(client, SEND, {"input": message_input(kid)}, token)["data"]["sendMessage"]
    scheduled = gql(client, SCHEDULE, {"input": message_input(kid), "schedule": schedule_in(3600)},
                    token)["data"]["scheduleMessage"]
    assert sent == {"__typename": "SendMessageErrors", "errors": REFUSAL}
    assert scheduled["errors"] == [{k: v for k, v in REFUSAL[0].items() if k != "path"}]
    assert written(engine) == before


def test_sys_08_a_draft_is_saved_but_neither_sent_nor_scheduled_in_a_prior_year(client, engine, years):
    """Covers SYS-08: saving a draft is not sending, so it works in a prior year; sendDraft and
    scheduleDraft answer PRIOR_SCHOOL_YEAR and the draft stays a draft with nothing written."""
    token, kid = make_user(engine, Role.ADMIN), family(engine)
    select_year(client, token, years.gid("prior"))
    draft_id = draft(client, token, [kid])
    before = written(engine)
    assert gql(client, SEND_DRAFT, {"id": draft_id}, token)["data"]["sendDraft"] == {
        "__typename": "SendDraftErrors", "errors": REFUSAL}
    assert gql(client, SCHEDULE_DRAFT, {"id": draft_id, "schedule": schedule_in(3600)}, token)["data"][
        "scheduleDraft"] == {"__typename": "ScheduleDraftErrors", "errors": REFUSAL}
    assert written(engine) == before
    with session_scope(engine) as session:
        stored = session.get(Message, pk_of(draft_id))
        assert (stored.status, stored.school_year_id) == ("DRAFT", years.prior)  # as saved (CMP-33)


def test_sys_08_cmp_33_switching_back_to_the_current_year_sends_and_records_it(client, engine, years):
    """Covers SYS-08, CMP-33: after the prior year, selecting the current year sends normally; the
    message records the current year, and a draft sent or scheduled records the year at that time."""
    token, kid = make_user(engine, Role.ADMIN), family(engine)
    select_year(client, token, years.gid("prior"))
    assert gql(client, SEND, {"input": message_input(kid)}, token)["data"]["sendMessage"]["__typename"] == \
        "SendMessageErrors"
    select_year(client, token, years.gid("current"))
    sent = gql(client, SEND, {"input": message_input(kid)}, token)["data"]["sendMessage"]
    assert sent["__typename"] == "SendMessageSuccess", sent
    assert recorded_year(engine, sent["message"]["id"]) == years.current
    first, second = draft(client, token, [kid]), draft(client, token, [kid])
    assert gql(client, SEND_DRAFT, {"id": first}, token)["data"]["sendDraft"]["__typename"] == "SendMessageSuccess"
    scheduled = gql(client, SCHEDULE_DRAFT, {"id": second, "schedule": schedule_in(3600)}, token)["data"]
    assert scheduled["scheduleDraft"]["__typename"] == "ScheduleMessageSuccess", scheduled
    assert recorded_year(engine, first) == recorded_year(engine, second) == years.current


def test_sys_08_cmp_33_a_later_year_sends_and_the_message_records_it(client, engine, years):
    """Covers SYS-08, CMP-33: a year after the current one is not prior, so a session working in it
    sends and schedules; each message records that year (its insert fields resolve against it)."""
    token, kid = make_user(engine, Role.ADMIN), family(engine)
    assert select_year(client, token, years.gid("later"))["isPrior"] is False
    sent = gql(client, SEND, {"input": message_input(kid)}, token)["data"]["sendMessage"]
    scheduled = gql(client, SCHEDULE, {"input": message_input(kid), "schedule": schedule_in(3600)},
                    token)["data"]["scheduleMessage"]
    assert sent["__typename"] == "SendMessageSuccess" and scheduled["__typename"] == "ScheduleMessageSuccess"
    assert recorded_year(engine, sent["message"]["id"]) == recorded_year(engine, scheduled["message"]["id"]) \
        == years.later


def test_sys_08_a_new_sign_in_sends_in_the_current_year(client, engine, years):
    """Covers SYS-08, CMP-33: a sign-in that never selected a year works in the current one: it
    sends, and the message records the current year."""
    token, kid = make_user(engine, Role.ADMIN), family(engine)
    sent = gql(client, SEND, {"input": message_input(kid)}, token)["data"]["sendMessage"]
    assert sent["__typename"] == "SendMessageSuccess"
    assert recorded_year(engine, sent["message"]["id"]) == years.current


def test_sys_08_a_year_is_prior_when_it_ended_before_the_current_one_began(db):
    """Covers SYS-08, the rule: before the current year's first day is prior, a year overlapping it
    or after it is not; with no current year, a year that ended before today (district time) is."""
    viewer = load_viewer(db, db.execute(select(User.id).where(User.login == "admin")).scalar_one())
    current = SchoolYear(district_id=1, name="now", start_date=dt.date(2026, 8, 15), end_date=dt.date(2027, 6, 10))

    def year(start: dt.date, end: dt.date) -> SchoolYear:
        return SchoolYear(district_id=1, name="y", start_date=start, end_date=end)

    assert is_prior(year(dt.date(2025, 8, 15), dt.date(2026, 8, 14)), current, viewer)
    assert not is_prior(year(dt.date(2025, 8, 15), dt.date(2026, 8, 15)), current, viewer)  # ends on its first day
    assert not is_prior(year(dt.date(2027, 8, 15), dt.date(2028, 6, 10)), current, viewer)
    assert not is_prior(current, current, viewer)
    today = dt.date.today()
    assert is_prior(year(today - dt.timedelta(days=400), today - dt.timedelta(days=2)), None, viewer)
    assert not is_prior(year(today - dt.timedelta(days=300), today + dt.timedelta(days=2)), None, viewer)
