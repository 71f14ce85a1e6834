"""districtPreferences, updateDistrictPreferences and textEditor (issue 18 point 5): district
administrators read and set the district's preferences (SET-02, EDT-01); every staff user with
Communication reads which editor to show."""

from __future__ import annotations

from domain.access.permissions import Perm
from editor_steps import (PREFERENCES, TEXT_EDITOR, create_template, forbidden, names_on_each_page, original_editor,
                          preference, stored_bodies, update_preferences)
from helpers import gql, make_user, set_district
from models.directory import Role


def test_set_02_an_administrator_sets_names_on_each_pdf_page_and_printing_reads_it(client, engine):
    """Covers SET-02: updateDistrictPreferences(pdfNamesOnEachPage) changes the value printing uses
    (domain.letters.content); the editor preference, left out, stays as it is."""
    admin = make_user(engine, Role.ADMIN)
    previous = set_district(engine, pdf_names_on_each_page=False)
    try:
        with original_editor(engine):
            on = update_preferences(client, admin, pdfNamesOnEachPage=True)["data"]["updateDistrictPreferences"]
            assert on == {"__typename": "DistrictPreferencesUpdated", "templatesConverted": 0, "preferences": {
                "pdfNamesOnEachPage": True, "useOriginalTextEditor": True, "textEditor": "ORIGINAL"}}
            assert names_on_each_page(engine) is True and preference(engine) is True
            assert gql(client, PREFERENCES, {}, admin)["data"]["districtPreferences"]["pdfNamesOnEachPage"] is True
        off = update_preferences(client, admin, pdfNamesOnEachPage=False)["data"]["updateDistrictPreferences"]
        assert off["preferences"]["pdfNamesOnEachPage"] is False and names_on_each_page(engine) is False
        unchanged = update_preferences(client, admin, pdfNamesOnEachPage=None)["data"]["updateDistrictPreferences"]
        assert unchanged["preferences"]["pdfNamesOnEachPage"] is False  # null: as it is
    finally:
        set_district(engine, **previous)


def test_edt_01_the_preference_and_the_editor_read_as_stored(client, engine):
    """Covers EDT-01: on, districtPreferences reads useOriginalTextEditor true and textEditor ORIGINAL,
    and every staff user with Communication reads ORIGINAL from textEditor; gone (null), both read the
    new editor."""
    admin, teacher = make_user(engine, Role.ADMIN), make_user(engine, Role.TEACHER)
    with original_editor(engine):
        read = gql(client, PREFERENCES, {}, admin)["data"]["districtPreferences"]
        assert (read["useOriginalTextEditor"], read["textEditor"]) == (True, "ORIGINAL")
        assert [gql(client, TEXT_EDITOR, {}, token)["data"]["textEditor"] for token in (admin, teacher)] == [
            "ORIGINAL", "ORIGINAL"]
    assert preference(engine) is None
    read = gql(client, PREFERENCES, {}, admin)["data"]["districtPreferences"]
    assert (read["useOriginalTextEditor"], read["textEditor"]) == (None, "NEW")
    assert gql(client, TEXT_EDITOR, {}, teacher)["data"]["textEditor"] == "NEW"


def test_edt_02_only_district_administrators_change_or_read_preferences_and_nothing_is_written(client, engine):
    """Covers EDT-02, SET-02, PERM-06: without "Communication District Settings" (an administrator
    without it, a teacher) reading or changing the preferences is a top-level FORBIDDEN, and a refused
    switch converts no template and leaves both preferences as they were."""
    author = make_user(engine, Role.ADMIN)
    callers = [make_user(engine, Role.ADMIN, without=[Perm.DISTRICT_SETTINGS]), make_user(engine, Role.TEACHER)]
    previous = set_district(engine, pdf_names_on_each_page=False)
    try:
        with original_editor(engine):
            create_template(client, author, "<b>Legacy</b> body")
            before = stored_bodies(engine)
            for token in callers:
                body = update_preferences(client, token, useOriginalTextEditor=False, pdfNamesOnEachPage=True)
                assert forbidden(body), body
                assert body["errors"][0]["extensions"]["permission"] == "Communication District Settings"
                assert forbidden(gql(client, PREFERENCES, {}, token))
            assert preference(engine) is True and stored_bodies(engine) == before
            assert names_on_each_page(engine) is False
    finally:
        set_district(engine, **previous)


def test_edt_01_the_editor_is_read_by_staff_with_communication_only(client, engine):
    """Covers EDT-01, PERM-06: textEditor needs Communication and a staff role; a parent, a student
    and a teacher without Communication are refused with FORBIDDEN."""
    refused = [make_user(engine, Role.PARENT), make_user(engine, Role.STUDENT),
               make_user(engine, Role.TEACHER, without=[Perm.COMMUNICATION])]
    for token in refused:
        assert forbidden(gql(client, TEXT_EDITOR, {}, token))
