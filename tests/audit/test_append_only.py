"""The audit trail is append-only (issue 16 point 8): triggers refuse UPDATE and DELETE (and
TRUNCATE on PostgreSQL) whoever asks, and on PostgreSQL an application role granted what an app
role gets cannot UPDATE or DELETE audit rows at all, while it appends them through the real path."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from domain.audit.actions import Actor, AuditAction
from domain.audit.trail import record
from harness import BASE_DATABASE_URL, USES_POSTGRES
from models.audit import AuditLog
from models.db import session_scope


@pytest.fixture(scope="module")
def one_row(engine) -> int:
    with session_scope(engine) as session:
        record(session, Actor(user_id=None), AuditAction.PERMISSIONS_CHANGED, object_type="appendOnlyTest",
               students=[1, 2])
    with session_scope(engine) as session:
        return session.execute(select(AuditLog.id).where(AuditLog.object_type == "appendOnlyTest")).scalar_one()


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET recipient_count = 1 WHERE id = :id",
    "DELETE FROM audit_log WHERE id = :id",
    "UPDATE audit_student_set SET student_id = 3 WHERE student_id = 2 AND digest = "
    "(SELECT students_digest FROM audit_log WHERE id = :id)",
    "DELETE FROM audit_student_set WHERE digest = (SELECT students_digest FROM audit_log WHERE id = :id)",
])
def test_issue_16_point_8_triggers_refuse_changing_audit_rows(engine, one_row, statement):
    """Issue 16 point 8: even the tables' owner (the tests' superuser on PostgreSQL) is refused by the
    triggers; the row is unchanged."""
    with engine.connect() as connection, pytest.raises(DBAPIError, match="append-only"):
        with connection.begin():
            connection.execute(text(statement), {"id": one_row})
    with session_scope(engine) as session:
        assert session.get(AuditLog, one_row).recipient_count is None


@pytest.mark.skipif(not USES_POSTGRES, reason="TRUNCATE and roles are PostgreSQL's")
def test_issue_16_point_8_truncate_is_refused(engine, one_row):
    """Issue 16 point 8: TRUNCATE, which fires no row trigger, is refused by a statement trigger."""
    with engine.connect() as connection, pytest.raises(DBAPIError, match="append-only"):
        with connection.begin():
            connection.exec_driver_sql("TRUNCATE audit_log")


@pytest.fixture
def app_role_database():
    """A fresh database migrated the way docs/operations.md says production is set up: the role
    the application logs in as holds, by default privileges granted before the migrations ran,
    SELECT, INSERT, UPDATE, DELETE and TRUNCATE on every table; the owner runs the migrations.
    Yields (engine as the owner, engine as the application role); drops both afterwards."""
    from homeroom.migrate import upgrade

    suffix = uuid.uuid4().hex[:8]
    role, name = f"homeroom_app_test_{suffix}", f"homeroom_audit_roles_{suffix}"
    base = BASE_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    owner_url = make_url(base).set(database=name)
    owner = create_engine(owner_url, isolation_level="AUTOCOMMIT")
    with owner.connect() as connection:
        connection.exec_driver_sql(f'GRANT CONNECT ON DATABASE "{name}" TO "{role}"')
        connection.exec_driver_sql(f'GRANT USAGE ON SCHEMA public TO "{role}"')
        connection.exec_driver_sql(f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE, '
                                   f'TRUNCATE ON TABLES TO "{role}"')
        connection.exec_driver_sql(f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES '
                                   f'TO "{role}"')
    owner.dispose()
    upgrade(owner_url.render_as_string(hide_password=False))
    owner = create_engine(owner_url)
    app = create_engine(owner_url.set(username=role, password=None))
    try:
        yield owner, app
    finally:
        app.dispose()
        owner.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
        admin.dispose()


@pytest.mark.skipif(not USES_POSTGRES, reason="roles and grants are PostgreSQL's")
def test_issue_16_point_8_the_application_role_appends_but_cannot_update_or_delete(app_role_database):
    """Issue 16 point 8: connected as a non-superuser application role, the real append path writes
    rows (INSERT, the sequence, the advisory lock); UPDATE, DELETE and TRUNCATE of audit rows fail
    with a permission error (SQLSTATE 42501, not the trigger's message: the grant is gone), while
    the same role may still update an ordinary table."""
    owner, app = app_role_database
    from models.directory import District

    with session_scope(owner) as session:
        session.add(District(name="Role test"))
    with session_scope(app) as session:
        record(session, Actor(user_id=None), AuditAction.PERMISSIONS_CHANGED, object_type="roleTest", students=[7])
    with app.connect() as connection:
        assert connection.execute(select(AuditLog.object_type)).scalars().all() == ["roleTest"]
    for statement in ("UPDATE audit_log SET recipient_count = 1", "DELETE FROM audit_log",
                      "TRUNCATE audit_log", "DELETE FROM audit_student_set"):
        with pytest.raises(DBAPIError, match="permission denied") as refused:
            with app.begin() as connection:
                connection.exec_driver_sql(statement)
        assert refused.value.orig.sqlstate == "42501"
    with app.begin() as connection:
        assert connection.exec_driver_sql("UPDATE district SET name = 'Renamed'").rowcount == 1


@pytest.mark.skipif(not USES_POSTGRES, reason="roles and grants are PostgreSQL's")
def test_issue_16_point_8_public_holds_no_privilege_on_the_audit_tables(engine):
    """Issue 16 point 8: after the migrations (0031 granted SELECT and INSERT to PUBLIC; 0032 takes
    them back), a role granted nothing can neither read the audit trail, which names students, nor
    append forged rows; PUBLIC appears in no grant on the audit tables or their sequence."""
    role = f"homeroom_nobody_{uuid.uuid4().hex[:8]}"
    with engine.connect() as connection:
        connection.exec_driver_sql(f'CREATE ROLE "{role}"')
        connection.commit()
        try:
            for table in ("audit_log", "audit_student_set"):
                for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"):
                    assert not connection.execute(text("SELECT has_table_privilege(:role, :table, :privilege)"),
                                                  {"role": role, "table": table, "privilege": privilege}).scalar()
            for privilege in ("USAGE", "SELECT", "UPDATE"):
                assert not connection.execute(text("SELECT has_sequence_privilege(:role, 'audit_log_id_seq', :p)"),
                                              {"role": role, "p": privilege}).scalar()
            assert connection.execute(text(
                "SELECT count(*) FROM information_schema.role_table_grants WHERE grantee = 'PUBLIC' "
                "AND table_name IN ('audit_log', 'audit_student_set')")).scalar() == 0
        finally:
            connection.rollback()
            connection.exec_driver_sql(f'DROP ROLE "{role}"')
            connection.commit()


@pytest.mark.skipif(not USES_POSTGRES, reason="roles and grants are PostgreSQL's")
def test_issue_16_point_8_upgrading_a_0031_database_revokes_public_and_keeps_the_application_writing():
    """Issue 16 point 8: a database at 0031 whose application role reached the audit tables only
    through PUBLIC's grants (its own grants predate them): after the upgrade a role granted nothing
    reads and appends nothing, while the application role still appends through the real path and
    still cannot UPDATE audit rows."""
    from homeroom.migrate import upgrade

    suffix = uuid.uuid4().hex[:8]
    role, nobody, name = f"homeroom_app_old_{suffix}", f"homeroom_nobody_{suffix}", f"homeroom_audit_0031_{suffix}"
    base = BASE_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
        connection.exec_driver_sql(f'CREATE ROLE "{nobody}" LOGIN')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(base).set(database=name)
    owner = app = None
    try:
        upgrade(url.render_as_string(hide_password=False), "0031")
        owner = create_engine(url, isolation_level="AUTOCOMMIT")
        with owner.connect() as connection:
            connection.exec_driver_sql(f'GRANT USAGE ON SCHEMA public TO "{role}", "{nobody}"')
            connection.exec_driver_sql(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"')
            connection.exec_driver_sql(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
            connection.exec_driver_sql(f'REVOKE ALL ON audit_log, audit_student_set FROM "{role}"')
            connection.exec_driver_sql(f'REVOKE ALL ON SEQUENCE audit_log_id_seq FROM "{role}"')
            assert connection.exec_driver_sql(f"SELECT has_table_privilege('{nobody}', 'audit_log', 'INSERT')").scalar()
        upgrade(url.render_as_string(hide_password=False))
        from models.directory import District

        with session_scope(owner) as session:
            session.add(District(name="Upgrade test"))
        app = create_engine(url.set(username=role, password=None))
        with session_scope(app) as session:
            record(session, Actor(user_id=None), AuditAction.PERMISSIONS_CHANGED, object_type="upgradeTest",
                   students=[9])
        with app.connect() as connection:
            assert connection.execute(select(AuditLog.object_type)).scalars().all() == ["upgradeTest"]
        with pytest.raises(DBAPIError, match="permission denied"), app.begin() as connection:
            connection.exec_driver_sql("UPDATE audit_log SET recipient_count = 1")
        with owner.connect() as connection:
            for table in ("audit_log", "audit_student_set"):
                for privilege in ("SELECT", "INSERT"):
                    assert not connection.exec_driver_sql(
                        f"SELECT has_table_privilege('{nobody}', '{table}', '{privilege}')").scalar()
            assert not connection.exec_driver_sql(
                f"SELECT has_sequence_privilege('{nobody}', 'audit_log_id_seq', 'USAGE')").scalar()
    finally:
        for engine in (app, owner):
            if engine is not None:
                engine.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
            connection.exec_driver_sql(f'DROP ROLE IF EXISTS "{nobody}"')
        admin.dispose()


@pytest.mark.skipif(not USES_POSTGRES, reason="roles and grants are PostgreSQL's")
def test_issue_16_point_8_a_read_only_auditor_role_verifies_the_chain_and_cannot_append(engine, one_row):
    """Issue 16 point 8: the auditor role docs/security.md tells an operator to create (SELECT on the two
    audit tables, nothing else) reads the trail and verifies its chain, and cannot append a row."""
    from domain.audit.chain import verify_chain

    role = f"homeroom_auditor_{uuid.uuid4().hex[:8]}"
    with engine.connect() as connection:
        connection.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
        connection.exec_driver_sql(f'GRANT USAGE ON SCHEMA public TO "{role}"')
        connection.exec_driver_sql(f'GRANT SELECT ON audit_log, audit_student_set TO "{role}"')
        connection.commit()
    auditor = create_engine(engine.url.set(username=role, password=None))
    try:
        with auditor.connect() as connection:
            report = verify_chain(connection)
            assert report.ok and report.rows >= 1
        with pytest.raises(DBAPIError, match="permission denied") as refused, auditor.begin() as connection:
            connection.exec_driver_sql("INSERT INTO audit_student_set (digest, student_id) VALUES ('x', 1)")
        assert refused.value.orig.sqlstate == "42501"
    finally:
        auditor.dispose()
        with engine.connect() as connection:
            connection.exec_driver_sql(f'REVOKE ALL ON audit_log, audit_student_set FROM "{role}"')
            connection.exec_driver_sql(f'REVOKE ALL ON SCHEMA public FROM "{role}"')
            connection.exec_driver_sql(f'DROP ROLE "{role}"')
            connection.commit()
