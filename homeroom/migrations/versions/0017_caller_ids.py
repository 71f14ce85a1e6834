"""Caller ID phone numbers (CID-*) and the one a message's calls show (VOI-02, VOI-03).

Revision ID: 0017
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "caller_id",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("student_attendance", sa.Boolean(), nullable=False),
        sa.Column("school_default", sa.Boolean(), nullable=False),
        sa.Column("district_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_table(
        "caller_id_school",
        sa.Column("caller_id", sa.Integer(), sa.ForeignKey("caller_id.id"), primary_key=True),
        sa.Column("school_id", sa.Integer(), sa.ForeignKey("school.id"), primary_key=True),
    )
    op.create_index("ix_caller_id_school_school_id", "caller_id_school", ["school_id"])
    with op.batch_alter_table("message") as batch:
        batch.add_column(sa.Column("caller_id_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_message_caller_id", "caller_id", ["caller_id_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("message") as batch:
        batch.drop_constraint("fk_message_caller_id", type_="foreignkey")
        batch.drop_column("caller_id_id")
    op.drop_index("ix_caller_id_school_school_id", table_name="caller_id_school")
    op.drop_table("caller_id_school")
    op.drop_table("caller_id")
