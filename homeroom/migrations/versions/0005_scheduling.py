"""Scheduling (SCH-*): a schedule per scheduled message, and occurrences pointing at it.

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("message") as batch:
        batch.add_column(sa.Column("scheduled_from_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_message_scheduled_from_id_message", "message", ["scheduled_from_id"], ["id"])
        batch.create_index("ix_message_scheduled_from_id", ["scheduled_from_id"])
    op.create_table(
        "message_schedule",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("send_time", sa.Time(), nullable=False),
        sa.Column("recurrence", sa.String(length=10), nullable=False),
        sa.Column("final_date", sa.Date(), nullable=True),
        sa.Column("next_send_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_occurrence_id", sa.Integer(), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("errored_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"]),
        sa.ForeignKeyConstraint(["last_occurrence_id"], ["message.id"]),
        sa.PrimaryKeyConstraint("message_id"),
    )
    op.create_index("ix_message_schedule_next_send_at", "message_schedule", ["next_send_at"])


def downgrade() -> None:
    op.drop_index("ix_message_schedule_next_send_at", table_name="message_schedule")
    op.drop_table("message_schedule")
    with op.batch_alter_table("message") as batch:
        batch.drop_index("ix_message_scheduled_from_id")
        batch.drop_constraint("fk_message_scheduled_from_id_message", type_="foreignkey")
        batch.drop_column("scheduled_from_id")
