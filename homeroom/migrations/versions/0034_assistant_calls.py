"""The writing assistant's call records (issue 18 point 6): ``assistant_call`` (models/assistant.py),
one row per call: who, when, which operation and mode, the tokens it cost and how it ended.

Revision ID: 0034
Revises: 0033
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assistant_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("operation", sa.String(length=20), nullable=False),
        sa.Column("mode", sa.String(length=40), nullable=True),
        sa.Column("try_again", sa.Boolean(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=True),
        sa.Column("completion_tokens", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("error_code", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    # The per-user rate counts a user's calls of the last window (domain.assistant.call_log).
    op.create_index("ix_assistant_call_user_created", "assistant_call", ["user_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_assistant_call_user_created", table_name="assistant_call")
    op.drop_table("assistant_call")
