"""The letter log keeps one entry per (message, source, student or user) (CMP-10): a reprint, a
double click or a print job run twice no longer writes its PRINTED entries again. Duplicates
already written are removed (the earliest entry of each is kept) before the two partial unique
keys are added; the writers insert with ON CONFLICT DO NOTHING against them. Print jobs get
``requeued_at`` (when the queue clock last re-sent a QUEUED job whose queue message was lost),
``started_at`` (when a run claimed the job; the clock fails a job RUNNING long past the actor's
time limit; a job already RUNNING is given its created_at, so one a killed worker left is freed)
and an index on (status, finished_at): the clock's deletion of PDFs past their retention reads it
whole, and its look-up of QUEUED and RUNNING jobs by status.

Revision ID: 0039
Revises: 0038
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None

STUDENT_ENTRY = sa.text("student_id IS NOT NULL")
USER_ENTRY = sa.text("user_id IS NOT NULL")


def upgrade() -> None:
    # The same DELETE on SQLite and PostgreSQL: every entry with an earlier one of its key goes. A
    # correlated EXISTS (an anti-join on ix_letter_log_message), not NOT IN over a grouped subquery,
    # which PostgreSQL runs as a plain subplan, once per row, when the table outgrows work_mem.
    for column in ("student_id", "user_id"):
        op.execute(f"""
            DELETE FROM letter_log
             WHERE {column} IS NOT NULL
               AND EXISTS (SELECT 1 FROM letter_log earlier
                            WHERE earlier.message_id = letter_log.message_id
                              AND earlier.source = letter_log.source
                              AND earlier.{column} = letter_log.{column}
                              AND earlier.id < letter_log.id)""")
    op.create_index("ux_letter_log_student_entry", "letter_log", ["message_id", "source", "student_id"],
                    unique=True, postgresql_where=STUDENT_ENTRY, sqlite_where=STUDENT_ENTRY)
    op.create_index("ux_letter_log_user_entry", "letter_log", ["message_id", "source", "user_id"],
                    unique=True, postgresql_where=USER_ENTRY, sqlite_where=USER_ENTRY)
    with op.batch_alter_table("print_job") as batch:
        batch.add_column(sa.Column("requeued_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.execute("UPDATE print_job SET started_at = created_at WHERE status = 'RUNNING'")
    op.create_index("ix_print_job_status_finished", "print_job", ["status", "finished_at"])


def downgrade() -> None:
    op.drop_index("ix_print_job_status_finished", table_name="print_job")
    with op.batch_alter_table("print_job") as batch:
        batch.drop_column("started_at")
        batch.drop_column("requeued_at")
    op.drop_index("ux_letter_log_user_entry", table_name="letter_log")
    op.drop_index("ux_letter_log_student_entry", table_name="letter_log")
