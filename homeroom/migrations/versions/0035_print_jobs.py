"""Print jobs and their PDFs (issue 18 point 4): the print_job table (models/printing.py) and the
district's "Include Student and User names/ID on each PDF page" setting (SET-02).

Revision ID: 0035
Revises: 0034
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "print_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("letters_done", sa.Integer(), nullable=False),
        sa.Column("letters_total", sa.Integer(), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"]),
        sa.ForeignKeyConstraint(["requested_by_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_print_job_message_id", "print_job", ["message_id"])
    op.create_index("ix_print_job_requested_by", "print_job", ["requested_by_id", "id"])
    with op.batch_alter_table("district") as batch:
        batch.add_column(sa.Column("pdf_names_on_each_page", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("district") as batch:
        batch.drop_column("pdf_names_on_each_page")
    op.drop_index("ix_print_job_requested_by", table_name="print_job")
    op.drop_index("ix_print_job_message_id", table_name="print_job")
    op.drop_table("print_job")
