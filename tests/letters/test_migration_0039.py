"""Migration 0039 (CMP-10, CMP-31): the letter log's duplicate entries are removed, the earliest of
each (message, source, student or user) kept, before its unique keys are added; a print job left
RUNNING gets a started_at (its created_at) so the queue clock can fail it. Run through the real
migrations, on SQLite and, when the run uses it, on a PostgreSQL database of its own."""

from __future__ import annotations


import pytest
from sqlalchemy import create_engine, text

from migration_databases import BACKENDS, fresh_database

BEFORE = "0038"  # the revision before the letter log's unique keys




#: (id, message, source, student, user): the log as a double click and a job run twice left it.
ENTRIES = [
    (1, 1, "PRINTED", 10, None), (2, 1, "PRINTED", 10, None), (3, 1, "PRINTED", 11, None),
    (4, 1, "SENT", 10, None),  # another source: kept
    (5, 2, "PRINTED", 10, None),  # another message: kept
    (6, 1, "PRINTED", 10, None), (7, 1, "PRINTED", 11, None),
    (8, 1, "SENT", None, 1), (9, 1, "SENT", None, 1), (10, 1, "PRINTED", None, 1),
    (11, 2, "SENT", None, 1),
]
KEPT = [1, 3, 4, 5, 8, 10, 11]


def district_before_0039(url: str) -> None:
    """Two messages with duplicated letter-log entries and a print job left RUNNING, at 0038."""
    from homeroom.migrate import upgrade

    upgrade(url, BEFORE)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO app_user (id, login, role, first_name, last_name, language, status, hidden_from_search) "
            "VALUES (1, 'admin', 'ADMIN', 'Ada', 'Admin', 'en', 'ACTIVE', false)"))
        for message_id in (1, 2):
            connection.execute(text(
                "INSERT INTO message (id, sender_id, subject, html_body, text_body, channels, priority, emergency, "
                "send_as_district, status, created_at) VALUES (:id, 1, 'Picture day', '', '', '[]', false, false, "
                "false, 'SENT', CURRENT_TIMESTAMP)"), {"id": message_id})
        connection.execute(text(
            "INSERT INTO letter_log (id, message_id, source, student_id, user_id, subject, logged_by_id, created_at) "
            "VALUES (:id, :message, :source, :student, :user, 'Picture day', 1, CURRENT_TIMESTAMP)"),
            [dict(zip(("id", "message", "source", "student", "user"), entry)) for entry in ENTRIES])
        connection.execute(text(
            "INSERT INTO print_job (id, message_id, requested_by_id, options, status, letters_done, letters_total, "
            "created_at) VALUES (1, 1, 1, '{}', 'RUNNING', 0, 2, '2026-01-05 08:00:00'), "
            "(2, 1, 1, '{}', 'DONE', 2, 2, '2026-01-05 08:00:00')"))
    engine.dispose()



@pytest.mark.parametrize("backend", BACKENDS)
def test_cmp_10_cmp_31_migration_0039_keeps_the_first_entry_of_each_and_dates_running_jobs(tmp_path, backend):
    """CMP-10: migrating a letter log with duplicates keeps the earliest entry of each (message,
    source, student) and (message, source, user), whatever the other messages and sources, and the
    unique keys then hold. CMP-31: a job left RUNNING is given its created_at as started_at (the
    queue clock fails it once that is past the time limit); a finished one has none."""
    from homeroom.migrate import upgrade

    with fresh_database(tmp_path, backend, "cmp10") as url:
        district_before_0039(url)
        upgrade(url)
        engine = create_engine(url)
        with engine.connect() as connection:
            kept = list(connection.execute(text("SELECT id FROM letter_log ORDER BY id")).scalars())
            started = connection.execute(text("SELECT id, started_at FROM print_job ORDER BY id")).all()
            with pytest.raises(Exception, match="(?i)unique"):
                connection.execute(text(
                    "INSERT INTO letter_log (message_id, source, student_id, subject, logged_by_id, created_at) "
                    "VALUES (1, 'PRINTED', 10, 'again', 1, CURRENT_TIMESTAMP)"))
        engine.dispose()
    assert kept == KEPT
    assert [(job_id, str(at)[:16] if at else None) for job_id, at in started] == [(1, "2026-01-05 08:00"),
                                                                                 (2, None)]
