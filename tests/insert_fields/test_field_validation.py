"""SMS text and call text of messages and of templates take the whole catalogue's fields (SMS-05,
VOI-08); a name no source fills is a field error naming the field, and nothing is written."""

from __future__ import annotations

from sqlalchemy import func, select

from factories import add_contact, add_student, first_school_id, phone
from helpers import gid, gql, make_user, row_counts, token_for
from insert_field_steps import SEND
from models.db import session_scope
from models.directory import Role
from models.templates import MessageTemplate

SMS = "{{student.first_name}}: {{user.first_name}}, please return {{finance.asset_tags}}."
CALL = "This is about {{student.full_name}} and {{finance.assets}}. Hello {{user.full_name}}."

CREATE = """mutation($input: TemplateInput!) { createTemplate(input: $input) { __typename
  ... on TemplateSaved { template { smsText callText } }
  ... on CreateTemplateErrors { errors { field code message } } } }"""


def template_count(engine) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(MessageTemplate)).scalar_one()


def test_sms_05_voi_08_a_template_takes_student_user_and_finance_fields_and_refuses_unknown_ones(client, engine):
    """Covers SMS-05, VOI-08 (templates): an SMS and a call script with student, user and finance fields
    are saved as written; an unknown finance field in the SMS and an unknown user field in the call
    are refused, each on its own field with the name in the message, and no template is written."""
    token = make_user(engine, Role.ADMIN)
    saved = gql(client, CREATE, {"input": {"title": "Asset reminder", "htmlBody": "<p>Assets</p>", "smsText": SMS,
                                           "callText": CALL}}, token)["data"]["createTemplate"]
    assert saved == {"__typename": "TemplateSaved", "template": {"smsText": SMS, "callText": CALL}}
    before = template_count(engine)
    refused = gql(client, CREATE, {"input": {
        "title": "Bad fields", "htmlBody": "<p>Assets</p>", "smsText": "Owed: {{finance.lunch_money}}",
        "callText": "Hello {{user.nickname}}"}}, token)["data"]["createTemplate"]
    errors = {error["field"]: error for error in refused["errors"]}
    assert {(field, error["code"]) for field, error in errors.items()} == {
        ("smsText", "UNKNOWN_FIELD"), ("callText", "UNKNOWN_FIELD")}
    assert "{{finance.lunch_money}}" in errors["smsText"]["message"]
    assert "{{user.nickname}}" in errors["callText"]["message"]
    assert template_count(engine) == before


def test_sms_05_voi_08_a_message_takes_student_user_and_finance_fields_and_refuses_unknown_ones(client, engine):
    """Covers SMS-05, VOI-08 (messages): sendMessage with an SMS and a call using student, user and
    finance fields is accepted; an unknown student field in the SMS and an unknown finance field in
    the call are field errors on input.smsText and input.callText, and nothing is written."""
    token = token_for(engine, "admin")
    kid = add_student(engine, first_school_id(engine))
    add_contact(engine, kid, custodial=True, mobile_phone=phone())
    base = {"subject": "Assets", "htmlBody": "<p>Assets due</p>", "channels": ["SMS", "VOICE"],
            "recipientType": "PRIMARY_CONTACTS", "studentIds": [gid("Student", kid)]}
    sent = gql(client, SEND, {"input": {**base, "smsText": SMS, "callText": CALL}}, token)["data"]["sendMessage"]
    assert sent == {"__typename": "SendMessageSuccess"}
    before = row_counts(engine)
    refused = gql(client, SEND, {"input": {**base, "smsText": "{{student.shoe_size}}",
                                           "callText": "{{finance.lunch_money}}"}}, token)["data"]["sendMessage"]
    errors = {error["field"]: error for error in refused["errors"]}
    assert {(field, error["code"]) for field, error in errors.items()} == {
        ("input.smsText", "UNKNOWN_FIELD"), ("input.callText", "UNKNOWN_FIELD")}
    assert "{{student.shoe_size}}" in errors["input.smsText"]["message"]
    assert "{{finance.lunch_money}}" in errors["input.callText"]["message"]
    assert row_counts(engine) == before
