"""TRN-01's district setting through the API: districtPreferences reads the translation language
source and the glossary, updateDistrictPreferences changes them (bad glossaries answer field errors
and write nothing; only district administrators may), and supportedLanguages lists the codes."""

from __future__ import annotations

from sqlalchemy import select

from domain.access.permissions import Perm
from domain.translations.languages import SUPPORTED_LANGUAGES
from helpers import gql, make_user, set_district
from models.db import session_scope
from models.directory import District, Role

READ = """query { districtPreferences { translationLanguageSource translationGlossary pdfNamesOnEachPage } }"""
UPDATE = """mutation($input: UpdateDistrictPreferencesInput!) { updateDistrictPreferences(input: $input) {
  __typename
  ... on DistrictPreferencesUpdated { preferences { translationLanguageSource translationGlossary } }
  ... on UpdateDistrictPreferencesErrors { errors { field path code message } } } }"""
LANGUAGES = "query { supportedLanguages { code name } }"


def stored(engine) -> tuple[str, list[str]]:
    with session_scope(engine) as session:
        row = session.execute(select(District.translation_language_source, District.translation_glossary)).one()
        return row.translation_language_source, list(row.translation_glossary)


def update(client, token: str, **fields) -> dict:
    body = gql(client, UPDATE, {"input": fields}, token)
    assert "errors" not in body, body
    return body["data"]["updateDistrictPreferences"]


def test_trn_01_the_translation_setting_and_glossary_round_trip(client, engine):
    """Covers TRN-01 (the setting): an administrator switches to setting 2 (the student's primary
    language) and back, and stores a glossary trimmed with repeats kept once; fields left out stay."""
    admin = make_user(engine, Role.ADMIN)
    previous = set_district(engine, translation_language_source="DISPLAY_LANGUAGE", translation_glossary=[])
    try:
        changed = update(client, admin, translationLanguageSource="STUDENT_PRIMARY_LANGUAGE",
                         translationGlossary=["  Lakeside High ", "STEM Academy", "lakeside high"])
        assert changed == {"__typename": "DistrictPreferencesUpdated", "preferences": {
            "translationLanguageSource": "STUDENT_PRIMARY_LANGUAGE",
            "translationGlossary": ["Lakeside High", "STEM Academy"]}}
        assert stored(engine) == ("STUDENT_PRIMARY_LANGUAGE", ["Lakeside High", "STEM Academy"])
        read = gql(client, READ, {}, admin)["data"]["districtPreferences"]
        assert read["translationLanguageSource"] == "STUDENT_PRIMARY_LANGUAGE"
        assert read["translationGlossary"] == ["Lakeside High", "STEM Academy"]

        kept = update(client, admin, pdfNamesOnEachPage=False)  # neither translation field given: unchanged
        assert kept["preferences"]["translationGlossary"] == ["Lakeside High", "STEM Academy"]
        back = update(client, admin, translationLanguageSource="DISPLAY_LANGUAGE", translationGlossary=[])
        assert back["preferences"] == {"translationLanguageSource": "DISPLAY_LANGUAGE", "translationGlossary": []}
        assert stored(engine) == ("DISPLAY_LANGUAGE", [])
    finally:
        set_district(engine, **previous)


def test_trn_01_a_bad_glossary_answers_field_errors_and_writes_nothing(client, engine):
    """Covers TRN-01 (the setting's bounds): a blank name (REQUIRED), a name over 100 characters
    (TOO_LONG) and over 200 names (TOO_MANY) come back as field errors with their paths; neither the
    glossary nor the source given with it is written. An unknown source is refused by the schema."""
    admin = make_user(engine, Role.ADMIN)
    previous = set_district(engine, translation_language_source="DISPLAY_LANGUAGE", translation_glossary=["Kept"])
    try:
        bad = update(client, admin, translationLanguageSource="STUDENT_PRIMARY_LANGUAGE",
                     translationGlossary=["Fine", " ", "x" * 101])
        assert bad["__typename"] == "UpdateDistrictPreferencesErrors"
        assert [(e["path"], e["code"]) for e in bad["errors"]] == [
            (["input", "translationGlossary", "1"], "REQUIRED"), (["input", "translationGlossary", "2"], "TOO_LONG")]
        many = update(client, admin, translationGlossary=[f"School {n}" for n in range(201)])
        assert [(e["path"], e["code"]) for e in many["errors"]] == [(["input", "translationGlossary"], "TOO_MANY")]
        assert stored(engine) == ("DISPLAY_LANGUAGE", ["Kept"])
        unknown = gql(client, UPDATE, {"input": {"translationLanguageSource": "PARENT_LANGUAGE"}}, admin)
        assert unknown["errors"] and stored(engine) == ("DISPLAY_LANGUAGE", ["Kept"])
    finally:
        set_district(engine, **previous)


def test_trn_01_only_district_administrators_read_or_change_the_setting(client, engine):
    """Covers TRN-01 with PERM-06: without "Communication District Settings" reading and changing the
    setting are FORBIDDEN and nothing is written."""
    previous = set_district(engine, translation_language_source="DISPLAY_LANGUAGE", translation_glossary=[])
    try:
        for token in (make_user(engine, Role.ADMIN, without=[Perm.DISTRICT_SETTINGS]), make_user(engine, Role.TEACHER)):
            body = gql(client, UPDATE, {"input": {"translationLanguageSource": "STUDENT_PRIMARY_LANGUAGE"}}, token)
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
            assert gql(client, READ, {}, token)["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert stored(engine) == ("DISPLAY_LANGUAGE", [])
    finally:
        set_district(engine, **previous)


def test_trn_01_supported_languages_lists_every_code_by_name(client, engine):
    """Covers TRN-01/TRN-04's language list: every supported code once with its English name, by name."""
    languages = gql(client, LANGUAGES, {}, make_user(engine, Role.PARENT))["data"]["supportedLanguages"]
    assert {entry["code"]: entry["name"] for entry in languages} == SUPPORTED_LANGUAGES
    assert [entry["name"] for entry in languages] == sorted(SUPPORTED_LANGUAGES.values())
    assert gql(client, LANGUAGES)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
