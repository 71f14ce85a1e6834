"""CMP-33: the marking period a message's insert fields name at dispatch
(domain.content.insert_fields.marking_period_fields.marking_periods_at_dispatch): a one-time message resolves against the
school year its sender's session worked in when it was sent or scheduled, a recurring message against
the period current when each occurrence is dispatched; a date outside the year takes its nearest
period. Answered for many messages at once in two statements."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from domain.delivery.fan_out import fan_out
from domain.content.insert_fields.marking_period_fields import marking_periods_at_dispatch
from domain.scheduling.due_sends import send_due_scheduled
from helpers import count_statements, gql, make_user, pk_of
from models.db import session_scope
from models.directory import Role
from models.messaging import Message
from school_year_steps import SEND, day, recorded_year, select_year
from shared_steps import SCHEDULE, draft, family, message_input, schedule_in

CURRENT = 2026  # the seeded current year starts in 2026 (2026-2027); the prior one in 2025, the later in 2027


def periods(engine, message_ids, on: dt.date) -> dict[int, tuple[str, str | None]]:
    """(school year name, marking period name) of each message answered."""
    with session_scope(engine) as session:
        found = marking_periods_at_dispatch(session, message_ids, on)
    return {message_id: (answer.school_year_name, answer.period and answer.period.name)
            for message_id, answer in found.items()}


def sent_in(client, engine, token: str) -> int:
    sent = gql(client, SEND, {"input": message_input(family(engine))}, token)["data"]["sendMessage"]
    assert sent["__typename"] == "SendMessageSuccess", sent
    return pk_of(sent["message"]["id"])


def test_cmp_33_a_one_time_message_resolves_against_the_year_selected_when_it_was_sent(client, engine, years):
    """Covers CMP-33: a message sent from a session working in the later year names that year's
    periods, not the current year's: its first quarter while it has not begun (the dispatch date is in
    the current year), the quarter containing the date once it runs. A message sent in the current
    year names the current quarter on the same date."""
    later_token, current_token = make_user(engine, Role.ADMIN), make_user(engine, Role.ADMIN)
    select_year(client, later_token, years.gid("later"))
    in_later, in_current = sent_in(client, engine, later_token), sent_in(client, engine, current_token)
    december = day(CURRENT, 0, 12, 1)
    assert periods(engine, [in_later, in_current], december) == {
        in_later: ("2027-2028", "Q1"), in_current: ("2026-2027", "Q2")}
    assert periods(engine, [in_later], day(CURRENT + 1, 0, 11, 10)) == {in_later: ("2027-2028", "Q2")}


def test_cmp_33_dates_outside_the_year_take_its_nearest_period(client, engine, years):
    """Covers CMP-33: a message whose year has ended (one scheduled last year, dispatched now) names
    that year's last period; before a year begins, its first; in a break between periods, the one
    that just ended; inside a period, that period (first and last days included)."""
    message = sent_in(client, engine, make_user(engine, Role.ADMIN))
    assert periods(engine, [message], day(CURRENT, 0, 8, 1)) == {message: ("2026-2027", "Q1")}
    assert periods(engine, [message], day(CURRENT, 0, 8, 15)) == {message: ("2026-2027", "Q1")}
    assert periods(engine, [message], day(CURRENT, 1, 1, 23)) == {message: ("2026-2027", "Q2")}
    assert periods(engine, [message], day(CURRENT, 1, 1, 24)) == {message: ("2026-2027", "Q2")}  # break
    assert periods(engine, [message], day(CURRENT, 1, 1, 26)) == {message: ("2026-2027", "Q3")}
    assert periods(engine, [message], day(CURRENT, 1, 7, 4)) == {message: ("2026-2027", "Q4")}
    with session_scope(engine) as session:  # as if it had been scheduled while the prior year was current
        session.execute(update(Message).where(Message.id == message).values(school_year_id=years.prior))
    assert periods(engine, [message], day(CURRENT, 0, 12, 1)) == {message: ("2025-2026", "Q4")}


def test_cmp_33_a_recurring_message_uses_the_period_current_at_dispatch(client, engine, years):
    """Covers CMP-33: a recurring message scheduled from a session working in the later year still
    resolves, occurrence by occurrence, against the current year's period on the dispatch date; the
    occurrence records no year of its own, while a one-time message scheduled in the same session
    resolves against the later year."""
    token, kid = make_user(engine, Role.ADMIN), family(engine)
    select_year(client, token, years.gid("later"))
    weekly = gql(client, SCHEDULE, {"input": message_input(kid), "schedule": schedule_in(3600, recurrence="WEEKLY")},
                 token)["data"]["scheduleMessage"]
    once = gql(client, SCHEDULE, {"input": message_input(kid), "schedule": schedule_in(3600)},
               token)["data"]["scheduleMessage"]
    template, one_time = pk_of(weekly["message"]["id"]), pk_of(once["message"]["id"])
    assert recorded_year(engine, weekly["message"]["id"]) == years.later
    with session_scope(engine) as session:
        send_due_scheduled(session, dt.datetime.fromisoformat(weekly["schedule"]["nextSendAt"]))
    with session_scope(engine) as session:
        occurrence = session.execute(select(Message.id).where(Message.scheduled_from_id == template)).scalar_one()
        for sent in (occurrence, one_time):
            fan_out(session, sent)
        assert session.get(Message, occurrence).school_year_id is None
    for dispatched, quarter in ((day(CURRENT, 0, 12, 1), "Q2"), (day(CURRENT, 1, 2, 10), "Q3")):
        assert periods(engine, [template, occurrence, one_time], dispatched) == {
            template: ("2026-2027", quarter), occurrence: ("2026-2027", quarter), one_time: ("2027-2028", "Q1")}


def test_cmp_33_many_messages_are_answered_in_two_statements(client, engine, years):
    """Covers CMP-33 (set-based): one call answers every message in two statements, whatever their
    number: those sent in the later year and in the current one, and one that recorded no year (a
    draft, like a message stored by a path without a sign-in), which uses the current year; an id
    naming no message is left out."""
    token, later_token = make_user(engine, Role.ADMIN), make_user(engine, Role.ADMIN)
    select_year(client, later_token, years.gid("later"))
    current = [sent_in(client, engine, token) for _ in range(3)]
    later = [sent_in(client, engine, later_token) for _ in range(2)]
    unrecorded = pk_of(draft(client, token, [family(engine)]))
    with session_scope(engine) as session:
        with count_statements(engine, this_thread_only=True) as statements:
            found = marking_periods_at_dispatch(session, [*current, *later, unrecorded, 987654321],
                                                day(CURRENT, 0, 12, 1))
    assert {message_id: (answer.school_year_name, answer.period.name) for message_id, answer in found.items()} == {
        **dict.fromkeys([*current, unrecorded], ("2026-2027", "Q2")), **dict.fromkeys(later, ("2027-2028", "Q1"))}
    assert len(statements) == 2, statements
