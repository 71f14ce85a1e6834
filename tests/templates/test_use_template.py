"""Using a template (TPL-11, TPL-14, CMP-35): a copy into a new draft or one of yours."""

from __future__ import annotations

from helpers import gid, gql, pk_of, set_district
from domain.access.permissions import Perm
from models.db import session_scope
from models.directory import Role
from models.messaging import Message
from shared_steps import PDF
from template_steps import UPDATE, USE, create, errors_of, letterhead, staff, upload_to_template

SAVE = """mutation($input: SendMessageInput!) { saveDraft(input: $input) { __typename
  ... on SaveDraftSuccess { draft { id } } ... on SaveDraftErrors { errors { field code } } } }"""




def test_tpl_14_a_template_used_edited_and_used_again_leaves_the_first_message_as_it_was(client, engine):
    """TPL-14 (the issue's acceptance point): the first message keeps the first version."""
    admin, _ = staff(engine)
    template = create(client, admin, subject="Picture day", htmlBody="<p>Picture day is Monday.</p>",
                      smsText="Picture day Monday")
    first = gql(client, USE, {"id": template["id"]}, admin)["data"]["useTemplate"]["draft"]
    edited = gql(client, UPDATE, {"id": template["id"], "input": {
        "subject": "Picture day moved", "htmlBody": "<p>Picture day is Tuesday.</p>", "smsText": "Picture day Tuesday"}},
        admin)
    assert edited["data"]["updateTemplate"]["__typename"] == "TemplateSaved"
    second = gql(client, USE, {"id": template["id"]}, admin)["data"]["useTemplate"]["draft"]
    assert (first["subject"], first["htmlBody"], first["smsText"]) == (
        "Picture day", "<p>Picture day is Monday.</p>", "Picture day Monday")
    assert (second["subject"], second["htmlBody"], second["smsText"]) == (
        "Picture day moved", "<p>Picture day is Tuesday.</p>", "Picture day Tuesday")
    with session_scope(engine) as session:
        stored = session.get(Message, pk_of(first["id"]))
        assert (stored.subject, stored.sms_text) == ("Picture day", "Picture day Monday")
        assert "Monday" in stored.text_body


def test_cmp_35_using_a_template_copies_its_content_options_and_files_into_a_new_draft(client, engine):
    """CMP-35, TPL-01: subject, body, letterhead, secure, priority, Add Log Record, push, academic
    record, SMS, call and files; a blank subject becomes "New Message"."""
    previous = set_district(engine, addon_docmgmt=True)
    try:
        admin, _ = staff(engine)
        head = letterhead(engine, "COMMUNICATION")
        template = create(client, admin, subject="", htmlBody="<p>Dear {{student.first_name}}</p>",
                          smsText="Reminder", letterheadId=gid("Letterhead", head), secure=True, priority=True,
                          addLogRecord=True, push=True, academicRecordCategory="Letters home")
        assert upload_to_template(client, admin, template["id"]).status_code == 201
        used = gql(client, USE, {"id": template["id"]}, admin)["data"]["useTemplate"]
    finally:
        set_district(engine, **previous)
    draft = used["draft"]
    assert used["skippedFields"] == []
    assert draft["subject"] == "New Message" and draft["htmlBody"] == "<p>Dear {{student.first_name}}</p>"
    assert set(draft["channels"]) == {"EMAIL", "SMS", "PUSH"} and draft["smsText"] == "Reminder"
    assert draft["secure"] and draft["priority"] and draft["addLogRecord"]
    assert draft["letterheadId"] == gid("Letterhead", head)
    assert draft["academicRecordCategory"] == "Letters home"
    assert draft["attachments"] == [{"filename": "trip-form.pdf", "size": len(PDF)}]


def test_cmp_35_into_an_existing_draft_the_templates_fields_overwrite_and_recipients_stay(client, engine):
    """CMP-35 (interpretation): fields present in the template overwrite the draft's; its recipients
    and the fields the template leaves blank stay."""
    teacher, _ = staff(engine)
    saved = gql(client, SAVE, {"input": {"subject": "My own subject", "htmlBody": "<p>Draft body</p>",
                                         "channels": ["EMAIL"], "recipientType": "PRIMARY_CONTACTS",
                                         "studentIds": [gid("Student", 1)]}}, teacher)
    assert saved["data"]["saveDraft"]["__typename"] == "SaveDraftSuccess", saved
    draft_id = saved["data"]["saveDraft"]["draft"]["id"]
    template = create(client, teacher, subject="", htmlBody="<p>From the template</p>", smsText="Text it")
    used = gql(client, USE, {"id": template["id"], "draftId": draft_id}, teacher)["data"]["useTemplate"]
    draft = used["draft"]
    assert draft["id"] == draft_id
    assert draft["subject"] == "My own subject"  # the template's is blank
    assert draft["htmlBody"] == "<p>From the template</p>" and draft["smsText"] == "Text it"
    assert set(draft["channels"]) == {"EMAIL", "SMS"}
    assert draft["studentIds"] == [gid("Student", 1)] and draft["recipientType"] == "PRIMARY_CONTACTS"
    other, _ = staff(engine, Role.TEACHER)
    refused = gql(client, USE, {"id": template["id"], "draftId": draft_id}, other)
    assert [e["code"] for e in errors_of(refused, "useTemplate")] == ["NOT_FOUND"]


def test_tpl_11_a_field_the_user_may_not_set_is_not_copied_and_is_named(client, engine):
    """TPL-11 with the message's own gates: a teacher without "Send SMS" or priority using an
    administrator's shared template gets the rest, and is told what was left out."""
    admin, _ = staff(engine)
    teacher, teacher_login = staff(engine, Role.TEACHER, without=[Perm.SEND_SMS])
    from template_steps import profile_of
    template = create(client, admin, smsText="Snow day", priority=True,
                      profileIds=[gid("Profile", profile_of(engine, teacher_login))])
    used = gql(client, USE, {"id": template["id"]}, teacher)["data"]["useTemplate"]
    assert used["skippedFields"] == ["priority", "smsText"]
    assert used["draft"]["channels"] == ["EMAIL"] and used["draft"]["smsText"] is None
    assert used["draft"]["priority"] is False


def test_cmp_11_a_template_with_add_log_record_is_refused_on_a_teachers_of_draft(client, engine):
    """CMP-11 (found by review): applying a template that adds a log record to a TEACHERS_OF draft is
    refused, so no draft can carry the combination into a send; the draft is unchanged."""
    admin, _ = staff(engine)
    saved = gql(client, SAVE, {"input": {"subject": "To the teachers", "htmlBody": "<p>Draft body</p>",
                                         "channels": ["EMAIL"], "recipientType": "TEACHERS_OF",
                                         "studentIds": [gid("Student", 1)]}}, admin)
    assert saved["data"]["saveDraft"]["__typename"] == "SaveDraftSuccess", saved
    draft_id = saved["data"]["saveDraft"]["draft"]["id"]
    template = create(client, admin, htmlBody="<p>Logged</p>", addLogRecord=True)
    refused = gql(client, USE, {"id": template["id"], "draftId": draft_id}, admin)
    assert [(e["field"], e["code"]) for e in errors_of(refused, "useTemplate")] == [("templateId", "CONFLICT")]
    with session_scope(engine) as session:
        stored = session.get(Message, pk_of(draft_id))
        assert (stored.add_log_record, stored.html_body) == (False, "<p>Draft body</p>")
