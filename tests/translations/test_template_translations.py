"""Manual translations on templates (TRN-04, TRN-08) and carried by useTemplate (TRN-05)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from domain.access.permissions import Perm
from factories import unique
from helpers import gql, make_user, pk_of, set_district
from models.db import session_scope
from models.directory import ProfileGrant, Role, User, UserProfile
from models.templates import MessageTemplate
from models.translations import MessageTranslation, TemplateTranslation, TranslationOrigin

DELETE = """mutation($id: ID!) { deleteTemplate(id: $id) { __typename ... on TemplateDeleted { id } } }"""

TRANSLATED = "translations { language languageName subject htmlBody smsText callText }"
CREATE = f"""mutation($input: TemplateInput!) {{ createTemplate(input: $input) {{ __typename
  ... on TemplateSaved {{ template {{ id updatedAt {TRANSLATED} }} }}
  ... on CreateTemplateErrors {{ errors {{ field code message }} }} }} }}"""
UPDATE = f"""mutation($id: ID!, $input: TemplateInput!) {{ updateTemplate(id: $id, input: $input) {{ __typename
  ... on TemplateSaved {{ template {{ id updatedAt {TRANSLATED} }} }}
  ... on UpdateTemplateErrors {{ errors {{ field code message }} }} }} }}"""
USE = f"""mutation($id: ID!, $draftId: ID) {{ useTemplate(templateId: $id, draftId: $draftId) {{ __typename
  ... on TemplateUsed {{ skippedFields draft {{ id {TRANSLATED} }} }}
  ... on UseTemplateErrors {{ errors {{ field code }} }} }} }}"""
SAVE = f"""mutation($input: SendMessageInput!) {{ saveDraft(input: $input) {{ __typename
  ... on SaveDraftSuccess {{ draft {{ id {TRANSLATED} }} }} }} }}"""
TEMPLATES = f"""{{ templates(first: 50) {{ edges {{ node {{ id {TRANSLATED} }} }} }} }}"""

SPANISH = {"language": "es", "subject": "Día de fotos", "htmlBody": "<p>Querida familia</p>", "smsText": "Fotos lunes",
           "callText": "Fotos el lunes"}
FRENCH = {"language": "fr", "subject": "Photos"}


@pytest.fixture
def addon(engine):
    previous = set_district(engine, addon_translations=True)
    yield
    set_district(engine, **previous)


def staff(engine) -> tuple[str, str]:
    """(token, login) of a fresh administrator with a profile of their own."""
    login = unique("admin.trn.")
    return make_user(engine, Role.ADMIN, login=login), login


def profile_of(engine, login: str) -> int:
    with session_scope(engine) as session:
        return session.execute(select(UserProfile.profile_id).join(User, User.id == UserProfile.user_id)
                               .where(User.login == login)).scalar_one()


def create(client, token, **fields) -> dict:
    body = gql(client, CREATE, {"input": {"title": "Picture day", "htmlBody": "<p>Dear family</p>", **fields}}, token)
    assert body["data"]["createTemplate"]["__typename"] == "TemplateSaved", body
    return body["data"]["createTemplate"]["template"]


def counts(engine) -> tuple[int, int]:
    with session_scope(engine) as session:
        return (session.execute(select(func.count()).select_from(MessageTemplate)).scalar_one(),
                session.execute(select(func.count()).select_from(TemplateTranslation)).scalar_one())


def test_trn04_a_template_holds_translations_that_updates_add_remove_and_keep(client, engine, addon):
    """TRN-04: createTemplate stores them; updateTemplate's list replaces the set, leaving it out
    keeps it, [] removes all; sending the same set back changes nothing (not even updatedAt)."""
    admin, _ = staff(engine)
    template = create(client, admin, translations=[SPANISH, FRENCH])
    assert [(t["language"], t["languageName"]) for t in template["translations"]] == [("es", "Spanish"),
                                                                                      ("fr", "French")]
    assert template["translations"][0]["callText"] == "Fotos el lunes"
    changed = gql(client, UPDATE, {"id": template["id"], "input": {"translations": [
        FRENCH, {"language": "ar", "htmlBody": "<p>مرحبا</p>"}]}}, admin)["data"]["updateTemplate"]["template"]
    assert [t["language"] for t in changed["translations"]] == ["ar", "fr"]
    same = gql(client, UPDATE, {"id": template["id"], "input": {"translations": [
        {"language": "FR", "subject": " Photos "}, {"language": "ar", "htmlBody": "<p>مرحبا</p>"}]}},
        admin)["data"]["updateTemplate"]["template"]
    assert same["updatedAt"] == changed["updatedAt"] and same["translations"] == changed["translations"]
    kept = gql(client, UPDATE, {"id": template["id"], "input": {"title": "Picture day (moved)"}},
               admin)["data"]["updateTemplate"]["template"]
    assert [t["language"] for t in kept["translations"]] == ["ar", "fr"]
    listed = gql(client, TEMPLATES, {}, admin)["data"]["templates"]["edges"]
    assert next(e["node"] for e in listed if e["node"]["id"] == template["id"])["translations"] == kept["translations"]
    cleared = gql(client, UPDATE, {"id": template["id"], "input": {"translations": []}},
                  admin)["data"]["updateTemplate"]["template"]
    assert cleared["translations"] == []
    deleted = gql(client, DELETE, {"id": template["id"]}, admin)["data"]["deleteTemplate"]
    assert deleted["__typename"] == "TemplateDeleted", deleted


def test_trn04_bad_template_translations_are_field_errors_and_nothing_is_written(client, engine, addon):
    """TRN-04: errors at translations.<i>.<field>, on create and update alike; nothing written."""
    admin, _ = staff(engine)
    before = counts(engine)
    body = gql(client, CREATE, {"input": {"title": "T", "htmlBody": "<p>x</p>", "translations": [
        {"language": "es", "smsText": "s" * 300}, {"language": "en", "subject": "Same"},
        {"language": "fr", "callText": "{{student.shoe_size}}"}]}}, admin)
    assert [(e["field"], e["code"]) for e in body["data"]["createTemplate"]["errors"]] == [
        ("translations.1.language", "SAME_AS_ORIGINAL"), ("translations.0.smsText", "TOO_LONG"),
        ("translations.2.callText", "UNKNOWN_FIELD")]
    assert counts(engine) == before
    template = create(client, admin, translations=[FRENCH])
    updated = gql(client, UPDATE, {"id": template["id"], "input": {"translations": [
        {"language": "de", "subject": "a" * 201}]}}, admin)["data"]["updateTemplate"]
    assert [(e["field"], e["code"]) for e in updated["errors"]] == [("translations.0.subject", "TOO_LONG")]
    with session_scope(engine) as session:
        assert session.execute(select(TemplateTranslation.language).where(
            TemplateTranslation.template_id == pk_of(template["id"]))).scalars().all() == ["fr"]


def test_trn08_templates_without_the_addon_refuse_translations_and_use_skips_them(client, engine):
    """TRN-08: without the add-on a non-empty list is FORBIDDEN naming it (nothing written), and
    useTemplate copies a template's translations only while the district has it."""
    admin, _ = staff(engine)
    previous = set_district(engine, addon_translations=True)
    try:
        template = create(client, admin, translations=[SPANISH])
        set_district(engine, addon_translations=False)
        before = counts(engine)
        refused = gql(client, CREATE, {"input": {"title": "T", "htmlBody": "<p>x</p>", "translations": [FRENCH]}},
                      admin)
        assert refused["errors"][0]["extensions"] == {"code": "FORBIDDEN", "addon": "translations"}
        assert counts(engine) == before
        used = gql(client, USE, {"id": template["id"]}, admin)["data"]["useTemplate"]
        assert used["skippedFields"] == ["translations"] and used["draft"]["translations"] == []
    finally:
        set_district(engine, **previous)


def test_trn05_use_template_carries_translations_into_a_new_draft_and_an_existing_one(client, engine, addon):
    """TRN-05: a new draft gets the template's translations (origin MANUAL), a translated call text
    only with a call (the template has none, so the draft has no VOICE channel); on an existing
    draft the template's languages replace the draft's own of those languages and its others stay."""
    admin, _ = staff(engine)
    template = create(client, admin, smsText="Picture day Monday", translations=[SPANISH, FRENCH])
    used = gql(client, USE, {"id": template["id"]}, admin)["data"]["useTemplate"]
    assert used["skippedFields"] == []
    assert used["draft"]["translations"] == [
        {**template["translations"][0], "callText": None}, template["translations"][1]]
    assert used["draft"]["translations"][0]["smsText"] == "Fotos lunes"
    with session_scope(engine) as session:
        assert set(session.execute(select(MessageTranslation.origin).where(
            MessageTranslation.message_id == pk_of(used["draft"]["id"]))).scalars()) == {TranslationOrigin.MANUAL.value}
    own = gql(client, SAVE, {"input": {"subject": "Mine", "htmlBody": "<p>Mine</p>", "channels": ["EMAIL"],
                                       "translations": [{"language": "es", "subject": "Mío"},
                                                        {"language": "vi", "subject": "Của tôi"}]}},
              admin)["data"]["saveDraft"]["draft"]
    into = gql(client, USE, {"id": template["id"], "draftId": own["id"]}, admin)["data"]["useTemplate"]["draft"]
    assert [(t["language"], t["subject"]) for t in into["translations"]] == [
        ("es", "Día de fotos"), ("fr", "Photos"), ("vi", "Của tôi")]


def test_trn05_a_user_without_sms_or_calls_gets_no_translated_sms_or_call_text(client, engine, addon):
    """TRN-05 with SMS-01/VOI-01: the template's translated SMS and call texts follow the user's
    permissions as its own do; the rest of each translation is carried."""
    author, login = staff(engine)
    template = create(client, author, translations=[SPANISH])
    with session_scope(engine) as session:
        session.execute(delete(ProfileGrant).where(ProfileGrant.profile_id == profile_of(engine, login),
                                                   ProfileGrant.permission.in_([Perm.SEND_SMS.value,
                                                                                Perm.PHONE_CALLS.value])))
    used = gql(client, USE, {"id": template["id"]}, author)["data"]["useTemplate"]["draft"]
    assert used["translations"] == [{"language": "es", "languageName": "Spanish", "subject": "Día de fotos",
                                     "htmlBody": "<p>Querida familia</p>", "smsText": None, "callText": None}]
