"""Delivery pipeline: deferred deliveries by the opening of their call window, read by the
communication queue (SYS-01); deliveries by recipient, read by conversations (RCP-26); each
message's count of deliveries still open, so completion needs no scan of the ledger.

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_delivery_deferred_not_before", "delivery", ["not_before"],
                    postgresql_where=sa.text("status = 'DEFERRED'"), sqlite_where=sa.text("status = 'DEFERRED'"))
    op.create_index("ix_delivery_recipient", "delivery", ["recipient_id", "recipient_kind", "message_id"])
    with op.batch_alter_table("message") as batch:
        batch.add_column(sa.Column("open_deliveries", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("message") as batch:
        batch.drop_column("open_deliveries")
    op.drop_index("ix_delivery_recipient", table_name="delivery")
    op.drop_index("ix_delivery_deferred_not_before", table_name="delivery")
