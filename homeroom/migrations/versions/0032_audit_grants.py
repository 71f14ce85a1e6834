"""The audit tables' grants (issue 16 point 8, review): PUBLIC holds nothing on them.

0031 granted SELECT and INSERT on ``audit_log`` and ``audit_student_set`` (and USAGE on the id
sequence) to PUBLIC, so any role able to connect could read the trail, which names students, and
append forged rows. 0031 has run on databases already, so this revision, not an edit of it, takes
those grants back; the append-only guarantees of 0031 (triggers, and UPDATE, DELETE and TRUNCATE
revoked from every role but the owner) are untouched.

SELECT and INSERT (and the sequence) go instead to the role running the migration
(``current_user``) and to every role that may insert into ``delivery``: the application role, which
the documented set-up (docs/operations.md, "The database roles") grants every table by default
privileges, and which a database set up otherwise may have reached the audit tables only through
PUBLIC; without the grant its next send would fail. A read-only auditor is granted SELECT by the
operator (docs/security.md). On SQLite there are no grants: nothing to do.

Revision ID: 0032
Revises: 0031
"""
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

TABLES = ("audit_log", "audit_student_set")
SEQUENCE = "audit_log_id_seq"

#: The roles that write deliveries (the owner and PUBLIC aside): the application, which audits its sends.
PG_GRANT_TO_WRITERS = """
DO $$
DECLARE writer record;
BEGIN
  FOR writer IN
    SELECT DISTINCT g.grantee FROM information_schema.role_table_grants g
    JOIN pg_catalog.pg_tables t ON t.tablename = g.table_name AND t.schemaname = g.table_schema
    WHERE g.table_schema = current_schema() AND g.table_name = 'delivery' AND g.privilege_type = 'INSERT'
      AND g.grantee <> t.tableowner AND g.grantee <> 'PUBLIC'
  LOOP
    EXECUTE format('GRANT SELECT, INSERT ON audit_log, audit_student_set TO %I', writer.grantee);
    EXECUTE format('GRANT USAGE ON SEQUENCE audit_log_id_seq TO %I', writer.grantee);
  END LOOP;
END $$;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"REVOKE ALL ON {table} FROM PUBLIC")
        op.execute(f"GRANT SELECT, INSERT ON {table} TO CURRENT_USER")
    op.execute(f"REVOKE ALL ON SEQUENCE {SEQUENCE} FROM PUBLIC")
    op.execute(f"GRANT USAGE ON SEQUENCE {SEQUENCE} TO CURRENT_USER")
    op.execute(PG_GRANT_TO_WRITERS)


def downgrade() -> None:
    # 0031's grants, as they were; the roles granted above keep theirs (revoking them could take
    # away what an operator had granted before this revision).
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"GRANT SELECT, INSERT ON {table} TO PUBLIC")
    op.execute(f"GRANT USAGE ON SEQUENCE {SEQUENCE} TO PUBLIC")
