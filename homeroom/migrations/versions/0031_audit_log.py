"""The audit trail (issue 16 point 8): append-only rows chained by hash, and the student sets they
name (models/audit.py).

Append-only twice over on PostgreSQL: triggers refuse UPDATE, DELETE and TRUNCATE whoever asks
(even the owner, short of disabling them), and UPDATE, DELETE and TRUNCATE are revoked from PUBLIC
and from every role that holds them other than the tables' owner (a role granted them by
ALTER DEFAULT PRIVILEGES before this ran), while SELECT and INSERT are granted to PUBLIC. The
application role is not the owner (docs/operations.md, "The database roles"). On SQLite, triggers
refuse UPDATE and DELETE.

Revision ID: 0031
Revises: 0030
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

TABLES = ("audit_log", "audit_student_set")

PG_REFUSE = """
CREATE OR REPLACE FUNCTION homeroom_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
"""

#: Revoke the changing privileges from every grantee but the owner, whoever granted them.
PG_REVOKE_FROM_HOLDERS = """
DO $$
DECLARE holder record;
BEGIN
  FOR holder IN
    SELECT DISTINCT g.grantee, g.table_name FROM information_schema.role_table_grants g
    JOIN pg_catalog.pg_tables t ON t.tablename = g.table_name AND t.schemaname = g.table_schema
    WHERE g.table_schema = current_schema() AND g.table_name IN ('audit_log', 'audit_student_set')
      AND g.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE') AND g.grantee <> t.tableowner
      AND g.grantee <> 'PUBLIC'
  LOOP
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %I FROM %I', holder.table_name, holder.grantee);
  END LOOP;
END $$;
"""


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_key_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("object_type", sa.String(length=60), nullable=False),
        sa.Column("object_ids", sa.JSON(), nullable=False),
        sa.Column("students_digest", sa.String(length=64), nullable=True),
        sa.Column("student_count", sa.Integer(), nullable=False),
        sa.Column("recipient_count", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("client_address", sa.String(length=64), nullable=True),
        sa.Column("occurred_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_students_digest", "audit_log", ["students_digest", "id"])
    op.create_index("ix_audit_log_actor_user", "audit_log", ["actor_user_id", "id"])
    op.create_index("ix_audit_log_actor_key", "audit_log", ["actor_key_id", "id"])
    op.create_table(
        "audit_student_set",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("student_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("digest", "student_id"),
    )
    op.create_index("ix_audit_student_set_student", "audit_student_set", ["student_id", "digest"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_REFUSE)
        for table in TABLES:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION homeroom_audit_append_only()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION homeroom_audit_append_only()")
            op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM PUBLIC")
            op.execute(f"GRANT SELECT, INSERT ON {table} TO PUBLIC")
        op.execute(PG_REVOKE_FROM_HOLDERS)
        op.execute("GRANT USAGE ON SEQUENCE audit_log_id_seq TO PUBLIC")
    else:
        for table in TABLES:
            for verb in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END")


def downgrade() -> None:
    # DROP TABLE is the owner's (it is not UPDATE, DELETE or TRUNCATE), and takes the triggers with it.
    op.drop_table("audit_student_set")
    op.drop_table("audit_log")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS homeroom_audit_append_only()")
