"""updateTemplate checks only the values it changes (TPL-04, TPL-13, PERM-33, SMS-01): a form that
sends a gated field back with its current value, or the template's schools that are not the
editor's, saves; a new value still needs its permission and one of the editor's schools."""

from __future__ import annotations

from sqlalchemy import select

from domain.access.permissions import Perm
from factories import add_school, first_school_id, unique
from helpers import gid, gql, pk_of
from models.db import session_scope
from models.directory import Role
from models.templates import MessageTemplate, MessageTemplateSchool
from template_steps import UPDATE, create, errors_of, forbidden, profile_of, staff

EDITOR_PERMS = [Perm.COMMUNICATION, Perm.SEND_MESSAGES, Perm.TEMPLATES_CREATED_BY_OTHERS, Perm.PUBLISH_TEMPLATES]


def stored(engine, template_id: str) -> tuple[str, str | None, set[int]]:
    with session_scope(engine) as session:
        row = session.get(MessageTemplate, pk_of(template_id))
        schools = set(session.execute(select(MessageTemplateSchool.school_id).where(
            MessageTemplateSchool.template_id == row.id)).scalars())
        return row.title, row.sms_text, schools


def test_tpl_04_sms_01_an_unchanged_sms_text_needs_no_sms_permission(client, engine):
    """TPL-04, TPL-13, SMS-01: an editor of others' templates without "Send SMS" saves a template
    whose SMS text they send back unchanged (the title changes); changing the SMS text is refused
    as an authorization error and writes nothing."""
    admin, _ = staff(engine)
    template = create(client, admin, title=unique("Bus notice "), smsText="The bus is late today.")
    editor, _ = staff(engine, Role.ADMIN, perms=EDITOR_PERMS)
    title = unique("Bus notice, edited ")
    saved = gql(client, UPDATE, {"id": template["id"], "input": {"title": title,
                                                                 "smsText": "The bus is late today."}}, editor)
    assert saved["data"]["updateTemplate"]["__typename"] == "TemplateSaved", saved
    assert stored(engine, template["id"])[:2] == (title, "The bus is late today.")
    refused = gql(client, UPDATE, {"id": template["id"], "input": {"title": unique("Other "),
                                                                   "smsText": "The bus is on time."}}, editor)
    assert forbidden(refused) and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert stored(engine, template["id"])[:2] == (title, "The bus is late today.")


def test_tpl_04_perm_33_tpl_05_unchanged_schools_outside_the_editors_stay_allowed(client, engine):
    """PERM-33, TPL-05, TPL-13: a publisher working at one school saves a template limited to a school
    that is not theirs when schoolIds comes back unchanged, and may add one of their own schools
    beside it; a school neither theirs nor the template's is NOT_FOUND at its index, nothing written."""
    elsewhere, unrelated = add_school(engine), add_school(engine)
    admin, _ = staff(engine)  # works at every school, the new ones included
    template = create(client, admin, title=unique("Open house "), schoolIds=[gid("School", elsewhere)])
    own = first_school_id(engine)
    editor, _ = staff(engine, Role.ADMIN, perms=EDITOR_PERMS, school_ids=[own])
    title = unique("Open house, edited ")
    saved = gql(client, UPDATE, {"id": template["id"], "input": {
        "title": title, "schoolIds": [gid("School", elsewhere)]}}, editor)
    assert saved["data"]["updateTemplate"]["__typename"] == "TemplateSaved", saved
    assert stored(engine, template["id"]) == (title, None, {elsewhere})
    widened = gql(client, UPDATE, {"id": template["id"], "input": {
        "schoolIds": [gid("School", elsewhere), gid("School", own)]}}, editor)
    assert widened["data"]["updateTemplate"]["__typename"] == "TemplateSaved", widened
    assert stored(engine, template["id"])[2] == {elsewhere, own}
    refused = errors_of(gql(client, UPDATE, {"id": template["id"], "input": {
        "title": unique("Never "), "schoolIds": [gid("School", own), gid("School", unrelated)]}}, editor),
        "updateTemplate")
    assert [(e["field"], e["code"]) for e in refused] == [("schoolIds.1", "NOT_FOUND")]
    assert stored(engine, template["id"]) == (title, None, {elsewhere, own})


def test_tpl_04_perm_32_edt_03_a_body_stored_in_an_older_form_sent_back_unchanged_is_no_change(client, engine):
    """PERM-32, EDT-03, TPL-13: a template saved before today's HTML form (legacy markup written by an
    older release: ``<b>``, a bare line) is sent back by a publisher who may not change another
    user's content, with new profiles: the body counts as unchanged, so the profiles are saved and the
    stored body is left byte for byte. A form sent back entirely unchanged keeps the template's date."""
    admin, admin_login = staff(engine)
    publisher, login = staff(engine, Role.ADMIN, perms=[Perm.COMMUNICATION, Perm.SEND_MESSAGES,
                                                       Perm.PUBLISH_TEMPLATES])
    shared_with = [gid("Profile", profile_of(engine, login))]  # so the publisher sees it (TPL-03)
    template = create(client, admin, title=unique("Lunch menu "), profileIds=shared_with)
    legacy = "Menu for <b>Monday</b>"
    with session_scope(engine) as session:
        session.get(MessageTemplate, pk_of(template["id"])).html_body = legacy
    widened = [*shared_with, gid("Profile", profile_of(engine, admin_login))]
    saved = gql(client, UPDATE, {"id": template["id"], "input": {"htmlBody": legacy, "profileIds": widened}},
                publisher)
    assert saved["data"]["updateTemplate"]["__typename"] == "TemplateSaved", saved
    with session_scope(engine) as session:
        row = session.get(MessageTemplate, pk_of(template["id"]))
        body, updated_at = row.html_body, row.updated_at
    assert body == legacy
    again = gql(client, UPDATE, {"id": template["id"], "input": {"htmlBody": legacy}}, admin)
    assert again["data"]["updateTemplate"]["__typename"] == "TemplateSaved", again
    with session_scope(engine) as session:
        assert session.get(MessageTemplate, pk_of(template["id"])).updated_at == updated_at
