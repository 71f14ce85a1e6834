"""The marking-period insert fields (CMP-33) as a sender sees them: registered in the one catalogue
and filled, through the same renderer as every field, with the period the message's year gives."""

from __future__ import annotations

import datetime as dt

from domain.content.insert_fields import InsertFieldCategory, catalogue
from domain.content.insert_fields.marking_period_fields import marking_periods_at_dispatch
from helpers import gql, make_user, pk_of
from models.db import session_scope
from models.directory import Role
from school_year_steps import SEND, select_year
from shared_steps import family, message_input

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


def test_cmp_33_a_letter_names_the_period_of_the_year_its_sender_worked_in(client, engine, years):
    """Covers CMP-33: a message sent while the sender's sign-in works in the later year (which has not
    begun) is filled with that year's first quarter; one sent in the current year with the current
    year's period for today."""
    later_token, current_token = make_user(engine, Role.ADMIN), make_user(engine, Role.ADMIN)
    select_year(client, later_token, years.gid("later"))
    _, later_html = previewed(client, engine, later_token)
    assert "Q1 of 2027-2028: August 15, 2027 to October 31, 2027" in later_html, later_html

    message_id, current_html = previewed(client, engine, current_token)
    with session_scope(engine) as session:
        answer = marking_periods_at_dispatch(session, [message_id], dt.date.today())[message_id]
    assert answer.school_year_name != "2027-2028"
    assert f"{answer.period.name} of {answer.school_year_name}:" in current_html, current_html
