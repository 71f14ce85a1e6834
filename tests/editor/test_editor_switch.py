"""The one-way switch to the new editor (EDT-02) and templates saved after it (EDT-03): turning "Use
Original Text Editor" off converts every template's HTML in the same transaction and removes the
preference; turning it on again is refused and changes nothing."""

from __future__ import annotations

from sqlalchemy import select

from domain.editor.html import imported_blocks
from domain.content.html_policy import sanitized_html
from editor_steps import (IMPORTED, TEMPLATE, TEXT_EDITOR, UPDATE_TEMPLATE, create_template, names_on_each_page,
                          original_editor, preference, stored_bodies, update_preferences)
from helpers import gql, make_user, pk_of, set_district
from models.db import session_scope
from models.directory import Role
from models.templates import MessageTemplate

#: Original-editor bodies, and what the switch makes of them.
BODIES = {
    "Dear {{student.first_name}},<br>Picture day is <b>Monday</b>.":
        "<p>Dear {{student.first_name}},<br>Picture day is <strong>Monday</strong>.</p>",
    '<center><font color="#003366" size="4">Spring concert</font></center><i>Bring a friend.</i>':
        '<p style="text-align:center"><span style="color:#003366;font-size:large">Spring concert</span></p>'
        "<p><em>Bring a friend.</em></p>",
    f"<strike>Old date</strike>{IMPORTED}":
        f"<p><s>Old date</s></p>{IMPORTED}",
}
ALREADY_NEW = "<p>Already <strong>new</strong>.</p>"


def updated_at(engine, template_ids: list[int]) -> dict:
    with session_scope(engine) as session:
        return dict(session.execute(select(MessageTemplate.id, MessageTemplate.updated_at)
                                    .where(MessageTemplate.id.in_(template_ids))).all())


def test_edt_02_turning_the_preference_off_converts_every_template_and_removes_it(client, engine):
    """Covers EDT-02, EDT-01, EDT-04: templates saved on the original editor keep its markup; the switch
    converts each (fonts, <center>, <b>, <i>, <strike>, bare text), keeps the imported block and the
    insert field byte for byte, leaves a template already in new-editor form as it was, reports how many
    it converted, and the preference then reads null (gone) with textEditor NEW for everyone."""
    admin, teacher = make_user(engine, Role.ADMIN), make_user(engine, Role.TEACHER)
    with original_editor(engine):
        made = {legacy: create_template(client, admin, legacy) for legacy in BODIES}
        for legacy, template in made.items():  # saved as the original editor wrote it, cleaned only
            assert template["htmlBody"] == sanitized_html(legacy) != BODIES[legacy]
        already = create_template(client, admin, ALREADY_NEW)
        ids = [pk_of(template["id"]) for template in (*made.values(), already)]
        others_before = {id_: body for id_, body in stored_bodies(engine).items() if id_ not in ids}
        stamps = updated_at(engine, ids)

        switched = update_preferences(client, admin, useOriginalTextEditor=False)["data"]["updateDistrictPreferences"]
        assert switched["__typename"] == "DistrictPreferencesUpdated", switched
        assert (switched["preferences"]["useOriginalTextEditor"], switched["preferences"]["textEditor"]) == (
            None, "NEW")
        assert preference(engine) is None
        assert gql(client, TEXT_EDITOR, {}, teacher)["data"]["textEditor"] == "NEW"
        stored = stored_bodies(engine)
        for legacy, template in made.items():
            assert stored[pk_of(template["id"])] == BODIES[legacy]
            read = gql(client, TEMPLATE, {"id": template["id"]}, admin)["data"]["template"]["htmlBody"]
            assert read == BODIES[legacy]
        assert imported_blocks(stored[ids[2]]) == [IMPORTED]
        assert stored[ids[3]] == ALREADY_NEW
        assert updated_at(engine, ids) == stamps
        # Every other template in the database was converted too; the count names exactly those changed.
        changed_elsewhere = sum(stored[id_] != body for id_, body in others_before.items())
        assert switched["templatesConverted"] == len(BODIES) + changed_elsewhere


def test_edt_02_turning_it_back_on_is_irreversible_and_changes_nothing(client, engine):
    """Covers EDT-02: once the preference is gone, useOriginalTextEditor true is refused with
    IRREVERSIBLE at input.useOriginalTextEditor, in the payload, and nothing is written, not even the
    other preference given with it; false again is no change (nothing to convert)."""
    admin = make_user(engine, Role.ADMIN)
    assert preference(engine) is None
    template = create_template(client, admin, "<p>Saved on the new editor</p>")
    before, previous = stored_bodies(engine), set_district(engine, pdf_names_on_each_page=False)
    try:
        refused = update_preferences(client, admin, useOriginalTextEditor=True, pdfNamesOnEachPage=True)
        assert names_on_each_page(engine) is False  # not even the other preference given with it
    finally:
        set_district(engine, **previous)
    payload = refused["data"]["updateDistrictPreferences"]
    assert payload["__typename"] == "UpdateDistrictPreferencesErrors", refused
    assert [(e["field"], e["path"], e["code"]) for e in payload["errors"]] == [
        ("input.useOriginalTextEditor", ["input", "useOriginalTextEditor"], "IRREVERSIBLE")]
    assert "cannot be turned back on" in payload["errors"][0]["message"]
    assert preference(engine) is None and stored_bodies(engine) == before
    again = update_preferences(client, admin, useOriginalTextEditor=False)["data"]["updateDistrictPreferences"]
    assert (again["templatesConverted"], again["preferences"]["useOriginalTextEditor"]) == (0, None)
    assert stored_bodies(engine)[pk_of(template["id"])] == "<p>Saved on the new editor</p>"


def test_edt_03_templates_saved_on_the_new_editor_are_new_editor_html(client, engine):
    """Covers EDT-03: once the district uses the new editor, a template created or changed with the
    original editor's markup is stored (and read back) as new-editor HTML; on the original editor the
    same markup is stored as written (cleaned only)."""
    admin = make_user(engine, Role.ADMIN)
    legacy, converted = next(iter(BODIES.items()))
    with original_editor(engine):
        kept = create_template(client, admin, legacy)
        assert kept["htmlBody"] == legacy
    made = create_template(client, admin, legacy)
    assert made["htmlBody"] == converted == stored_bodies(engine)[pk_of(made["id"])]
    changed = gql(client, UPDATE_TEMPLATE, {"id": kept["id"], "input": {"htmlBody": "<center><b>Moved</b></center>"}},
                  admin)["data"]["updateTemplate"]
    assert changed["__typename"] == "TemplateSaved", changed
    assert changed["template"]["htmlBody"] == '<p style="text-align:center"><strong>Moved</strong></p>'
    assert stored_bodies(engine)[pk_of(kept["id"])] == changed["template"]["htmlBody"]
