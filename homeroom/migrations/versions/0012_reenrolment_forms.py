"""Re-enrolment forms and the Communication Status Updates job (JOB-06, JOB-07).

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reenrolment_form",
        sa.Column("audience", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("audience"),
    )
    op.create_table(
        "failed_call",
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["delivery_id"], ["delivery.id"]),
        sa.PrimaryKeyConstraint("delivery_id"),
    )
    op.create_table(
        "reenrolment_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=8), nullable=False),
        sa.Column("failed_delivery_id", sa.Integer(), nullable=False),
        sa.Column("recipient_kind", sa.String(length=8), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.Column("recipient_name", sa.String(length=220), nullable=False),
        sa.Column("failed_number", sa.String(length=254), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("notice_message_id", sa.Integer(), nullable=True),
        sa.Column("new_phone", sa.String(length=32), nullable=True),
        sa.Column("new_email", sa.String(length=254), nullable=True),
        sa.Column("completed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("report_message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["failed_delivery_id"], ["delivery.id"]),
        sa.ForeignKeyConstraint(["notice_message_id"], ["message.id"]),
        sa.ForeignKeyConstraint(["report_message_id"], ["message.id"]),
        sa.ForeignKeyConstraint(["student_id"], ["student.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("failed_delivery_id"),
    )
    op.create_index("ix_reenrolment_request_status", "reenrolment_request", ["status"])
    op.create_index("ix_reenrolment_request_student_id", "reenrolment_request", ["student_id"])


def downgrade() -> None:
    op.drop_index("ix_reenrolment_request_student_id", table_name="reenrolment_request")
    op.drop_index("ix_reenrolment_request_status", table_name="reenrolment_request")
    op.drop_table("reenrolment_request")
    op.drop_table("failed_call")
    op.drop_table("reenrolment_form")
