"""The delivery feed (issue 16 point 4): one event per ledger status change, with a cursor that
increases in commit order, written by the database itself (triggers: models/delivery_events.py).

Deliveries stored before this revision have no events: the feed starts with what changes from now on.

Revision ID: 0029
Revises: 0028
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

from models.delivery_events import EVENT_ID, install_statements, remove_statements

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery_event",
        sa.Column("id", EVENT_ID, nullable=False),
        sa.Column("tx", sa.BigInteger(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("occurred_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_delivery_event_cursor", "delivery_event", ["tx", "id"])
    op.create_table(
        "delivery_feed_pruned",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tx", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("pruned_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for statement in install_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in remove_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table("delivery_feed_pruned")
    op.drop_index("ix_delivery_event_cursor", table_name="delivery_event")
    op.drop_table("delivery_event")
