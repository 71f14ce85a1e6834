"""A message's recorded call (VOI-04, VOI-05), deleted with its message.

Revision ID: 0021
Revises: 0020
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_recording",
        sa.Column("message_id", sa.Integer(), sa.ForeignKey("message.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("call_recording")
