"""The marking-period insert fields (CMP-33) as a sender sees them: registered in the one catalogue
and filled, through the same renderer as every field, with the period the message's year gives."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select

from domain.content.insert_fields import InsertFieldCategory, catalogue
from domain.content.insert_fields.marking_period_fields import marking_periods_at_dispatch
from helpers import gql, make_user, pk_of
from models.db import session_scope
from models.directory import District, Role
from school_year_steps import SEND, select_year
from shared_steps import draft, family, message_input

PREVIEW = """query($messageId: ID!) { previewMessage(messageId: $messageId) { __typename
  ... on LetterPreview { html } ... on PreviewMessageErrors { errors { field code message } } } }"""
BODY = "<p>{{marking_period.name}} of {{marking_period.school_year}}: {{marking_period.start_date}} to " \
       "{{marking_period.end_date}}</p>"


def previewed(client, engine, token: str) -> tuple[int, str]:
    sent = gql(client, SEND, {"input": message_input(family(engine), htmlBody=BODY)}, token)["data"]["sendMessage"]
    assert sent["__typename"] == "SendMessageSuccess", sent
    preview = gql(client, PREVIEW, {"messageId": sent["message"]["id"]}, token)["data"]["previewMessage"]
    assert preview["__typename"] == "LetterPreview", preview
    return pk_of(sent["message"]["id"]), preview["html"]


def test_cmp_33_marking_period_fields_are_in_the_catalogue():
    """Covers CMP-33, EDT-05: the four marking-period fields are searchable like every other."""
    found = {field.name for category, field in catalogue(search="MARKING")
             if category is InsertFieldCategory.MARKING_PERIOD}
    assert found == {"marking_period.name", "marking_period.school_year", "marking_period.start_date",
                     "marking_period.end_date"}


def expected(engine, message_id: int) -> tuple[str, str]:
    """(school year, "Qn of year: first to last") the message's fields name today (the district's date)."""
    with session_scope(engine) as session:
        zone = session.execute(select(District.time_zone).order_by(District.id).limit(1)).scalar_one()
        answer = marking_periods_at_dispatch(session, [message_id], dt.datetime.now(ZoneInfo(zone)).date())[message_id]
    period = answer.period
    return answer.school_year_name, (f"{period.name} of {answer.school_year_name}: {spelled(period.start_date)} to "
                                     f"{spelled(period.end_date)}")


def spelled(day: dt.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def test_cmp_33_a_letter_names_the_period_of_the_year_its_sender_worked_in(client, engine, years):
    """Covers CMP-33: a message sent while the sender's sign-in works in the later year is filled with
    a period of that year (its first while it has not begun); one sent in the current year with a
    period of the current year; each as the resolution for today decides."""
    later_token, current_token = make_user(engine, Role.ADMIN), make_user(engine, Role.ADMIN)
    select_year(client, later_token, years.gid("later"))
    later_id, later_html = previewed(client, engine, later_token)
    year, text = expected(engine, later_id)
    assert year == "2027-2028" and text in later_html, (text, later_html)

    current_id, current_html = previewed(client, engine, current_token)
    year, text = expected(engine, current_id)
    assert year not in ("2027-2028", "") and text in current_html, (text, current_html)


def test_cmp_33_a_draft_previews_with_the_year_its_author_works_in(client, engine, years):
    """Covers CMP-33: a draft has not been sent, yet its preview already names the periods of the year
    its author's sign-in works in (the draft records it when saved, and again when saved over), not
    the current year's."""
    token = make_user(engine, Role.ADMIN)
    select_year(client, token, years.gid("later"))
    draft_id = draft(client, token, [family(engine)], htmlBody=BODY)
    preview = gql(client, PREVIEW, {"messageId": draft_id}, token)["data"]["previewMessage"]
    year, text = expected(engine, pk_of(draft_id))
    assert year == "2027-2028" and text in preview["html"], (text, preview)
