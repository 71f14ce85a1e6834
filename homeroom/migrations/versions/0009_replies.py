"""Replies: the allow-reply flag on messages and recipients' answers filed in conversations.

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("message") as batch:
        batch.add_column(sa.Column("allow_reply", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "thread_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=False),
        sa.Column("correspondent_kind", sa.String(length=8), nullable=False),
        sa.Column("correspondent_id", sa.Integer(), nullable=False),
        sa.Column("from_address", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("external_message_id", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["delivery_id"], ["delivery.id"]),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"]),
        sa.ForeignKeyConstraint(["staff_user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("external_message_id"),
    )
    op.create_index("ix_thread_reply_message_id", "thread_reply", ["message_id"])


def downgrade() -> None:
    op.drop_index("ix_thread_reply_message_id", table_name="thread_reply")
    op.drop_table("thread_reply")
    with op.batch_alter_table("message") as batch:
        batch.drop_column("allow_reply")
