"""Inbound SMS and call answers find the latest delivery to the answering number (two-way SMS):
a partial index of the ledger's phone deliveries by address. Email and push rows, most of the
ledger, are not in it, so fan-out of an email pays nothing for it.

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

PHONE_CHANNELS = sa.text("channel IN ('SMS', 'VOICE')")


def upgrade() -> None:
    op.create_index("ix_delivery_phone_address", "delivery", ["address", "id"],
                    postgresql_where=PHONE_CHANNELS, sqlite_where=PHONE_CHANNELS)


def downgrade() -> None:
    op.drop_index("ix_delivery_phone_address", table_name="delivery")
