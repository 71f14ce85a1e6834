"""Migration 0038 (EDT-01): the "Use Original Text Editor" preference is on for a district that
already had Communication templates, and absent (the new editor) for one that had none. Run
through the real migrations, on SQLite and, when the run uses it, on a PostgreSQL database of its own."""

from __future__ import annotations


import pytest
from sqlalchemy import create_engine, text

from migration_databases import BACKENDS, fresh_database

BEFORE = "0037"  # the revision before the preference existed




def district_before_0038(url: str, *, with_template: bool) -> None:
    """A district as it stood at revision 0037, with or without one Communication template."""
    from homeroom.migrate import upgrade

    upgrade(url, BEFORE)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO district (id, name, time_zone, call_window_start, call_window_end, sms_character_limit, "
            "tts_minutes, always_confirm_recipient_count, push_by_default, hide_schedules_from_teachers, "
            "hide_schedules_from_family, addon_callout, addon_translations, addon_docmgmt, addon_ai) VALUES "
            "(1, 'Lincoln USD', 'America/New_York', '08:00:00', '20:00:00', 130, 1, false, false, false, false, "
            "false, false, false, false)"))
        if with_template:
            connection.execute(text(
                "INSERT INTO app_user (id, login, role, first_name, last_name, language, status, hidden_from_search) "
                "VALUES (1, 'admin', 'ADMIN', 'Ada', 'Admin', 'en', 'ACTIVE', false)"))
            connection.execute(text(
                "INSERT INTO message_template (id, author_id, title, subject, html_body, secure, priority, "
                "add_log_record, push, created_at, updated_at) VALUES (1, 1, 'Picture day', '', "
                "'<font color=\"red\">Monday</font>', false, false, false, false, CURRENT_TIMESTAMP, "
                "CURRENT_TIMESTAMP)"))
    engine.dispose()


def preference_after_upgrade(url: str) -> tuple[bool | None, str]:
    """The district's preference and the template bodies once migrated to the head revision."""
    from homeroom.migrate import upgrade

    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT use_original_text_editor FROM district")).scalar_one()
        bodies = "".join(connection.execute(text("SELECT html_body FROM message_template")).scalars())
    engine.dispose()
    return (None if stored is None else bool(stored)), bodies



@pytest.mark.parametrize("backend", BACKENDS)
def test_edt_01_a_district_with_templates_keeps_the_original_editor(tmp_path, backend):
    """Covers EDT-01: migrating a district that already had Communication templates turns "Use Original
    Text Editor" on, and its templates keep the original editor's HTML until it switches (EDT-02)."""
    with fresh_database(tmp_path, backend, "edt01") as url:
        district_before_0038(url, with_template=True)
        assert preference_after_upgrade(url) == (True, '<font color="red">Monday</font>')


@pytest.mark.parametrize("backend", BACKENDS)
def test_edt_01_a_district_without_templates_starts_on_the_new_editor(tmp_path, backend):
    """Covers EDT-01 (reading): with no template there is nothing to preserve, so the district starts on
    the new editor and the preference is already gone (null)."""
    with fresh_database(tmp_path, backend, "edt01") as url:
        district_before_0038(url, with_template=False)
        assert preference_after_upgrade(url) == (None, "")
