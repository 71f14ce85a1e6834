"""setSmsHelpText: the district's answer to an inbound SMS HELP; blank or too long is a field
error (issue 14 point 5) and nothing changes."""

from __future__ import annotations

from sqlalchemy import select

from helpers import gql, token_for
from models.db import session_scope
from models.directory import District

SET_HELP = """mutation($t: String) { setSmsHelpText(text: $t) { __typename ... on SmsHelpText { text }
  ... on SetSmsHelpTextErrors { errors { path field code message } } } }"""


def help_text(engine) -> str | None:
    with session_scope(engine) as session:
        return session.execute(select(District.sms_help_text)).scalar_one()


def test_blank_help_text_is_required_and_changes_nothing(client, engine):
    """A blank help text is REQUIRED on text; the stored text stays."""
    before = help_text(engine)
    body = gql(client, SET_HELP, {"t": "   "}, token_for(engine, "admin"))
    assert "errors" not in body, body
    assert body["data"]["setSmsHelpText"]["errors"] == [
        {"path": ["text"], "field": "text", "code": "REQUIRED", "message": "The help text must be 1 to 300 characters."}]
    assert help_text(engine) == before


def test_help_text_past_300_characters_is_too_long_and_changes_nothing(client, engine):
    """301 characters are TOO_LONG on text; 300 are stored, trimmed, and null restores the default."""
    admin = token_for(engine, "admin")
    before = help_text(engine)
    body = gql(client, SET_HELP, {"t": "x" * 301}, admin)
    [error] = body["data"]["setSmsHelpText"]["errors"]
    assert (error["field"], error["code"]) == ("text", "TOO_LONG"), body
    assert help_text(engine) == before
    try:
        saved = gql(client, SET_HELP, {"t": "y" * 300}, admin)["data"]["setSmsHelpText"]
        assert saved == {"__typename": "SmsHelpText", "text": "y" * 300}
        assert gql(client, SET_HELP, {"t": " Reply STOP. "}, admin)["data"]["setSmsHelpText"]["text"] == "Reply STOP."
        assert gql(client, SET_HELP, {"t": None}, admin)["data"]["setSmsHelpText"]["text"] is None
    finally:
        with session_scope(engine) as session:
            session.execute(District.__table__.update().values(sms_help_text=before))
