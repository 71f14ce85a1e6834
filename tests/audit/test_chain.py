"""The audit trail's hash chain (issue 16 point 8): 10,000 rows appended through the real path
verify; a changed row, a removed row and a changed student set are each found at the right row."""

from __future__ import annotations

import contextlib
import time

import pytest
from sqlalchemy import func, select, text

from domain.audit.actions import Actor, AuditAction
from domain.audit.chain import verify_chain
from domain.audit.trail import record
from harness import USES_POSTGRES
from models.audit import AuditLog
from models.db import session_scope

ROWS = 10_000


@pytest.fixture(scope="module")
def ten_thousand_rows(engine) -> list[int]:
    """10,000 entries recorded in one session and appended at its commit (one INSERT of the rows);
    one in 50 names a student set of its own, the rest none."""
    started = time.perf_counter()
    with session_scope(engine) as session:
        for n in range(ROWS):
            record(session, Actor(user_id=None), AuditAction.PARTNER_READ, object_type="chainTest",
                   object_ids=[n], students=[n, n + 1] if n % 50 == 0 else None, recipient_count=n)
    seconds = time.perf_counter() - started
    with session_scope(engine) as session:
        ids = list(session.execute(select(AuditLog.id).where(AuditLog.object_type == "chainTest")
                                   .order_by(AuditLog.id)).scalars())
    assert len(ids) == ROWS and seconds < 60, seconds
    return ids


@contextlib.contextmanager
def tampering(engine):
    """A connection whose triggers are out of the way (as a superuser or the owner could arrange),
    rolled back afterwards, so the chain is changed only for what runs inside."""
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            if USES_POSTGRES:
                for table in ("audit_log", "audit_student_set"):
                    connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            else:  # SQLite: a write opens the transaction, so the DROPs roll back with it
                connection.exec_driver_sql("UPDATE audit_log SET id = id WHERE 0")
                for table in ("audit_log", "audit_student_set"):
                    for verb in ("update", "delete"):
                        connection.exec_driver_sql(f"DROP TRIGGER {table}_no_{verb}")
            yield connection
        finally:
            transaction.rollback()


def test_issue_16_point_8_ten_thousand_rows_verify(engine, ten_thousand_rows):
    """Issue 16 point 8: the chain of 10,000 rows (and whatever other tests appended) verifies; its
    head is the last row's hash."""
    started = time.perf_counter()
    with engine.connect() as connection:
        report = verify_chain(connection)
        last = connection.execute(select(AuditLog.row_hash).order_by(AuditLog.id.desc()).limit(1)).scalar()
        total = connection.execute(select(func.count()).select_from(AuditLog)).scalar()
    assert report.ok, report
    assert report.rows == total >= ROWS and report.head_hash == last
    assert time.perf_counter() - started < 30


def test_issue_16_point_8_a_changed_row_is_found(engine, ten_thousand_rows):
    """Issue 16 point 8: one column of one row changed (its recipient count): that row is reported."""
    target = ten_thousand_rows[6_789]
    with tampering(engine) as connection:
        connection.execute(text("UPDATE audit_log SET recipient_count = recipient_count + 1 WHERE id = :id"),
                           {"id": target})
        report = verify_chain(connection)
    assert report.first_broken_id == target and "content" in report.reason


def test_issue_16_point_8_a_removed_row_is_found_at_the_row_after_it(engine, ten_thousand_rows):
    """Issue 16 point 8: a row deleted from the middle breaks the link of the row that followed it."""
    with tampering(engine) as connection:
        connection.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": ten_thousand_rows[1_234]})
        report = verify_chain(connection)
    assert report.first_broken_id == ten_thousand_rows[1_235] and "previous hash" in report.reason


def test_issue_16_point_8_a_changed_student_set_is_found(engine, ten_thousand_rows):
    """Issue 16 point 8: a student added to a stored set breaks the first row that names that set."""
    target = ten_thousand_rows[500]  # a row with students (one in 50)
    with tampering(engine) as connection:
        digest = connection.execute(select(AuditLog.students_digest).where(AuditLog.id == target)).scalar()
        connection.execute(text("INSERT INTO audit_student_set (digest, student_id) VALUES (:d, 999999)"),
                           {"d": digest})
        report = verify_chain(connection)
    assert report.first_broken_id == target and "student set" in report.reason


def test_issue_16_point_8_homeroom_audit_verify_prints_the_head_hash(engine, ten_thousand_rows):
    """Issue 16 point 8: `homeroom audit verify` walks the chain and prints its head hash."""
    from typer.testing import CliRunner

    from homeroom.cli.main import app

    result = CliRunner().invoke(app, ["audit", "verify"])
    with engine.connect() as connection:
        head = connection.execute(select(AuditLog.row_hash).order_by(AuditLog.id.desc()).limit(1)).scalar()
    assert result.exit_code == 0, result.output
    assert "audit chain verified" in result.output and head in result.output
