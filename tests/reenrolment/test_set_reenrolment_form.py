"""setReenrolmentForm (JOB-06): a blank or overlong title and empty instructions are field errors
(issue 14 point 5), all reported at once, and nothing changes."""

from __future__ import annotations

from sqlalchemy import select

from helpers import gql, token_for
from models.db import session_scope
from models.reenrolment import ReenrolmentForm

SET_FORM = """mutation($title: String!, $instructions: String!) {
  setReenrolmentForm(audience: STUDENT, title: $title, instructions: $instructions) { __typename
    ... on ReenrolmentForm { title } ... on SetReenrolmentFormErrors { errors { path field code message } } } }"""


def forms(engine) -> list:
    with session_scope(engine) as session:
        return session.execute(select(ReenrolmentForm.audience, ReenrolmentForm.title)).all()


def test_job_06_a_form_needs_a_title_and_instructions(client, engine):
    """Covers JOB-06: a blank title and blank instructions are each REQUIRED; nothing is stored."""
    before = forms(engine)
    body = gql(client, SET_FORM, {"title": "  ", "instructions": ""}, token_for(engine, "admin"))
    assert "errors" not in body, body
    errors = body["data"]["setReenrolmentForm"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("title", "REQUIRED"), ("instructions", "REQUIRED")]
    assert forms(engine) == before


def test_job_06_a_title_past_200_characters_is_too_long(client, engine):
    """Covers JOB-06: a 201-character title is TOO_LONG on title; nothing is stored."""
    before = forms(engine)
    body = gql(client, SET_FORM, {"title": "t" * 201, "instructions": "Call us."}, token_for(engine, "admin"))
    [error] = body["data"]["setReenrolmentForm"]["errors"]
    assert (error["field"], error["code"]) == ("title", "TOO_LONG"), body
    assert forms(engine) == before
